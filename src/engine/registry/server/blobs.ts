// GET|HEAD|DELETE /v2/<name>/blobs/<digest>: a blob's bytes (whole, or one
// `Range: bytes=` slice), its size and digest, or the repository's link to it
// removed.
import { isRegistryDigest as isDigest } from '../storage/digests.js';
import { BlobUnknownError } from '../storage/storage.js';
import { sendEmpty, sendStream, type Handler, type RequestContext } from './context.js';
import { registryError } from './errors.js';

function digestParam(ctx: RequestContext): string {
  const digest = ctx.params.digest!;
  if (!isDigest(digest)) throw registryError('DIGEST_INVALID', { digest }, {}, 'invalid digest: expected sha256:<64 lowercase hex digits> or sha512:<128>');
  return digest;
}

async function blobSize(ctx: RequestContext, digest: string): Promise<number> {
  try {
    return (await ctx.storage.statBlob(ctx.params.name!, digest)).size;
  } catch (error) {
    if (error instanceof BlobUnknownError) throw registryError('BLOB_UNKNOWN', { digest });
    throw error;
  }
}

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` against a size; undefined when the header is absent. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  let start: number;
  let end: number;
  if (!match || (match[1] === '' && match[2] === '')) return { start: -1, end: -1 };
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return { start, end };
}

export const getBlob: Handler = async (ctx) => {
  const digest = digestParam(ctx);
  const size = await blobSize(ctx, digest);
  const headers = {
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': digest,
    ETag: `"${digest}"`,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'max-age=31536000',
  };
  const range = parseRange(ctx.req.headers.range, size);
  if (range && (range.start < 0 || range.start > range.end || range.start >= size)) {
    throw registryError('RANGE_INVALID', { range: ctx.req.headers.range, size }, { 'Content-Range': `bytes */${size}` });
  }
  // An object store's presigned URL (S3 with redirect=true): the client fetches the bytes, Range and all, from there.
  const redirect = ctx.req.method === 'GET' ? await ctx.storage.blobRedirect?.(ctx.params.name!, digest) : undefined;
  if (redirect) {
    sendEmpty(ctx, 307, { Location: redirect, 'Docker-Content-Digest': digest });
    return;
  }
  if (range) {
    const body = await ctx.storage.readBlob(ctx.params.name!, digest, range);
    await sendStream(ctx, 206, body, range.end - range.start + 1, { ...headers, 'Content-Range': `bytes ${range.start}-${range.end}/${size}` });
    return;
  }
  if (ctx.req.method === 'HEAD') {
    ctx.res.writeHead(200, { ...headers, 'Content-Length': size });
    ctx.res.end();
    return;
  }
  await sendStream(ctx, 200, await ctx.storage.readBlob(ctx.params.name!, digest), size, headers);
};

export const deleteBlob: Handler = async (ctx) => {
  const digest = digestParam(ctx);
  try {
    await ctx.storage.deleteBlob(ctx.params.name!, digest);
  } catch (error) {
    if (error instanceof BlobUnknownError) throw registryError('BLOB_UNKNOWN', { digest });
    throw error;
  }
  sendEmpty(ctx, 202, { 'Docker-Content-Digest': digest });
};
