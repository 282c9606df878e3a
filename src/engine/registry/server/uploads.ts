// Blob uploads, as the distribution spec has them:
//
//   POST   /v2/<name>/blobs/uploads/                   202, a new upload at Location
//   POST   /v2/<name>/blobs/uploads/?digest=<d>        201, the body is the whole blob (monolithic)
//   POST   /v2/<name>/blobs/uploads/?mount=<d>&from=<repo>   201 when <repo> holds it, else a new upload (202)
//   PATCH  <location>   append a chunk: `Content-Range: start-end` must start where the upload is
//                       (else 416), or no Content-Range and the whole body is appended (docker's push)
//   GET    <location>   204, where the upload stands (Range: 0-<last byte>)
//   PUT    <location>?digest=<d>   append an optional last chunk, verify, 201 (else DIGEST_INVALID)
//   DELETE <location>   204, the upload and its bytes gone
//
// A blob is visible only once a PUT has verified its digest; an upload whose
// request was cut off keeps the bytes that arrived, so a client can ask GET
// where it stands and PATCH the rest.
import { isRegistryDigest as isDigest } from '../storage/digests.js';
import { isRepositoryName } from '../storage/names.js';
import { BlobUnknownError, DigestMismatchError, UploadOffsetError, UploadUnknownError, type UploadStatus } from '../storage/storage.js';
import { hasBody, requestBody, sendEmpty, type Handler, type RequestContext } from './context.js';
import { registryError } from './errors.js';

function uploadHeaders(ctx: RequestContext, upload: Pick<UploadStatus, 'id' | 'size'>): Record<string, string> {
  return {
    Location: `/v2/${ctx.params.name}/blobs/uploads/${upload.id}`,
    Range: `0-${Math.max(upload.size - 1, 0)}`,
    'Docker-Upload-UUID': upload.id,
  };
}

function blobCreated(ctx: RequestContext, digest: string): void {
  sendEmpty(ctx, 201, { Location: `/v2/${ctx.params.name}/blobs/${digest}`, 'Docker-Content-Digest': digest });
}

function digestQuery(ctx: RequestContext): string {
  const digest = ctx.query.get('digest');
  if (digest === null || digest === '') throw registryError('DIGEST_INVALID', { reason: 'the digest query parameter is missing' }, {}, 'digest missing');
  if (!isDigest(digest)) throw registryError('DIGEST_INVALID', { digest }, {}, 'invalid digest: expected sha256:<64 lowercase hex digits> or sha512:<128>');
  return digest;
}

/** Maps the storage's typed errors for an upload to the catalogue's. */
async function onUpload<T>(ctx: RequestContext, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UploadUnknownError) throw registryError('BLOB_UPLOAD_UNKNOWN', { id: ctx.params.id });
    if (error instanceof UploadOffsetError) {
      throw registryError('RANGE_INVALID', { expectedStart: error.size }, uploadHeaders(ctx, { id: error.id, size: error.size }),
        `chunk out of order: the upload is at ${error.size} bytes, the chunk starts at ${error.offset}`);
    }
    if (error instanceof DigestMismatchError) throw registryError('DIGEST_INVALID', { expected: error.expected, actual: error.actual });
    throw error;
  }
}

/** `Content-Range: start-end` (or `bytes start-end/total`); undefined when absent. */
function contentRange(ctx: RequestContext): { start: number; end: number } | undefined {
  const header = ctx.req.headers['content-range'];
  if (header === undefined) return undefined;
  const match = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!match || Number(match[2]) < Number(match[1])) throw registryError('RANGE_INVALID', { 'Content-Range': header });
  const range = { start: Number(match[1]), end: Number(match[2]) };
  const length = ctx.req.headers['content-length'];
  if (length !== undefined && Number(length) !== range.end - range.start + 1) {
    throw registryError('SIZE_INVALID', { 'Content-Range': header, 'Content-Length': length });
  }
  return range;
}

/** Appends the request body; at `Content-Range`'s start when the client sent one. */
async function appendBody(ctx: RequestContext, id: string): Promise<UploadStatus> {
  const range = contentRange(ctx);
  return onUpload(ctx, () => ctx.storage.appendUpload(ctx.params.name!, id, requestBody(ctx), range?.start));
}

export const startUpload: Handler = async (ctx) => {
  const name = ctx.params.name!;
  const mount = ctx.query.get('mount');
  const from = ctx.query.get('from');
  if (mount !== null && from !== null && isDigest(mount) && isRepositoryName(from) && ctx.identity.allows('repository', from, 'pull')) {
    try {
      await ctx.storage.mountBlob(name, mount, from);
      blobCreated(ctx, mount);
      return;
    } catch (error) {
      if (!(error instanceof BlobUnknownError)) throw error;
      // not there: fall back to an ordinary upload, as the spec asks
    }
  }
  if (ctx.query.has('digest')) {
    const digest = digestQuery(ctx);
    const upload = await ctx.storage.createUpload(name);
    try {
      await ctx.storage.appendUpload(name, upload.id, requestBody(ctx));
    } catch (error) {
      await ctx.storage.cancelUpload(name, upload.id).catch(() => undefined);
      throw error;
    }
    await onUpload(ctx, () => ctx.storage.commitUpload(name, upload.id, digest));
    blobCreated(ctx, digest);
    return;
  }
  const upload = await ctx.storage.createUpload(name);
  sendEmpty(ctx, 202, { ...uploadHeaders(ctx, upload), Range: '0-0' });
};

export const patchUpload: Handler = async (ctx) => {
  const status = await appendBody(ctx, ctx.params.id!);
  sendEmpty(ctx, 202, uploadHeaders(ctx, status));
};

export const getUpload: Handler = async (ctx) => {
  const status = await onUpload(ctx, () => ctx.storage.statUpload(ctx.params.name!, ctx.params.id!));
  sendEmpty(ctx, 204, uploadHeaders(ctx, status));
};

export const finishUpload: Handler = async (ctx) => {
  const id = ctx.params.id!;
  const digest = digestQuery(ctx);
  if (hasBody(ctx)) await appendBody(ctx, id);
  else await onUpload(ctx, () => ctx.storage.statUpload(ctx.params.name!, id));
  await onUpload(ctx, () => ctx.storage.commitUpload(ctx.params.name!, id, digest));
  blobCreated(ctx, digest);
};

export const cancelUpload: Handler = async (ctx) => {
  await onUpload(ctx, () => ctx.storage.cancelUpload(ctx.params.name!, ctx.params.id!));
  sendEmpty(ctx, 204);
};
