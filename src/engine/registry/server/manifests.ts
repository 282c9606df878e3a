// GET|HEAD|PUT|DELETE /v2/<name>/manifests/<tag or digest>.
//
// PUT by digest may carry `?tag=` parameters (tags applied with the push,
// answered with OCI-Tag headers).  PUT checks the document (JSON, schemaVersion 2, a media type berth knows,
// the same in the body and in Content-Type), checks that everything it
// references is in the repository (config and layers of an image, child
// manifests of an index: else MANIFEST_BLOB_UNKNOWN) and stores the exact
// bytes.  GET answers those bytes with the media type they were pushed with,
// whatever the Accept header asks (clients accept what they can parse).
import { digestBytes, digestParts, isRegistryDigest as isDigest } from '../storage/digests.js';
import { IMAGE_MANIFEST_TYPES, INDEX_TYPES, MediaType, type Descriptor } from '../../store/oci.js';
import { isTag } from '../storage/names.js';
import { BlobUnknownError, ManifestUnknownError, TagUnknownError, type ManifestMeta } from '../storage/storage.js';
import { readBody, sendBytes, sendEmpty, type Handler, type RequestContext } from './context.js';
import { registryError } from './errors.js';

/** Docker's distribution refuses manifests above 4 MiB; so does berth. */
export const MANIFEST_LIMIT = 4 * 1024 * 1024;
const FOREIGN_LAYER_TYPES = new Set([MediaType.DockerForeignLayerGzip, 'application/vnd.docker.image.rootfs.foreign.diff.tar', 'application/vnd.oci.image.layer.nondistributable.v1.tar', 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip']);

/** The digest a tag or digest reference names; MANIFEST_UNKNOWN when there is none. */
async function resolve(ctx: RequestContext): Promise<string> {
  const reference = ctx.params.reference!;
  if (isDigest(reference)) return reference;
  if (!isTag(reference)) throw registryError('MANIFEST_UNKNOWN', { reference });
  try {
    return await ctx.storage.resolveTag(ctx.params.name!, reference);
  } catch (error) {
    if (error instanceof TagUnknownError) throw registryError('MANIFEST_UNKNOWN', { tag: reference });
    throw error;
  }
}

export const getManifest: Handler = async (ctx) => {
  const digest = await resolve(ctx);
  let record;
  try {
    record = await ctx.storage.getManifest(ctx.params.name!, digest);
  } catch (error) {
    if (error instanceof ManifestUnknownError) throw registryError('MANIFEST_UNKNOWN', { digest });
    throw error;
  }
  sendBytes(ctx, 200, record.bytes, { 'Content-Type': record.mediaType, 'Docker-Content-Digest': digest, ETag: `"${digest}"` });
};

export const putManifest: Handler = async (ctx) => {
  const name = ctx.params.name!;
  const reference = ctx.params.reference!;
  // The body is read before the reference is judged: an answer sent while
  // the client is still writing makes the connection close under it, and the
  // client sees EOF instead of the 400.
  const bytes = await readBody(ctx, MANIFEST_LIMIT, () => registryError('MANIFEST_INVALID', { limit: MANIFEST_LIMIT }, {}, `manifest invalid: larger than ${MANIFEST_LIMIT} bytes`));
  const byDigest = isDigest(reference);
  if (!byDigest && reference.includes(':')) {
    throw registryError('DIGEST_INVALID', { digest: reference }, {}, 'invalid digest: expected sha256:<64 lowercase hex digits> or sha512:<128>');
  }
  if (!byDigest && !isTag(reference)) throw registryError('TAG_INVALID', { tag: reference });
  // Pushed by digest, the manifest is stored under that digest's algorithm; by tag, under sha256.
  const algorithm = byDigest ? digestParts(reference).algorithm : 'sha256';
  const tags = byDigest ? tagParams(ctx) : [reference];
  const digest = digestBytes(bytes, algorithm);
  if (byDigest && reference !== digest) throw registryError('DIGEST_INVALID', { expected: reference, actual: digest });
  const meta = parseManifest(bytes, contentType(ctx));
  await checkReferences(ctx, name, JSON.parse(bytes.toString('utf8')) as Record<string, unknown>, meta.mediaType);
  await ctx.storage.putManifest(name, bytes, meta, algorithm);
  for (const tag of tags) await ctx.storage.putTag(name, tag, digest);
  // One OCI-Tag header per tag applied by ?tag= (node sends an array as repeated headers).
  if (byDigest && tags.length > 0) ctx.res.setHeader('OCI-Tag', tags);
  sendEmpty(ctx, 201, {
    Location: `/v2/${name}/manifests/${digest}`,
    'Docker-Content-Digest': digest,
    ...(meta.subject !== undefined ? { 'OCI-Subject': meta.subject } : {}),
  });
};

/**
 * `?tag=a&tag=b` on a push by digest (distribution-spec 1.1+dev): the tags
 * to point at the manifest once stored, all valid or none applied.
 */
function tagParams(ctx: RequestContext): string[] {
  const tags = [...new Set(ctx.query.getAll('tag'))];
  for (const tag of tags) if (!isTag(tag)) throw registryError('TAG_INVALID', { tag });
  return tags;
}

export const deleteManifest: Handler = async (ctx) => {
  const name = ctx.params.name!;
  const reference = ctx.params.reference!;
  try {
    if (isDigest(reference)) await ctx.storage.deleteManifest(name, reference);
    else if (isTag(reference)) await ctx.storage.deleteTag(name, reference);
    else throw registryError('MANIFEST_UNKNOWN', { reference });
  } catch (error) {
    if (error instanceof ManifestUnknownError || error instanceof TagUnknownError) throw registryError('MANIFEST_UNKNOWN', { reference });
    throw error;
  }
  sendEmpty(ctx, 202);
};

function contentType(ctx: RequestContext): string | undefined {
  const header = ctx.req.headers['content-type'];
  return header === undefined ? undefined : header.split(';')[0]!.trim();
}

const invalid = (reason: string, detail: unknown = { reason }) => registryError('MANIFEST_INVALID', detail, {}, `manifest invalid: ${reason}`);

function isDescriptor(value: unknown): value is Descriptor {
  const d = value as Descriptor;
  return typeof d === 'object' && d !== null && typeof d.mediaType === 'string' && typeof d.digest === 'string' && isDigest(d.digest)
    && typeof d.size === 'number' && Number.isSafeInteger(d.size) && d.size >= 0;
}

/** Checks the document's shape and returns what storage keeps beside it. */
export function parseManifest(bytes: Buffer, header: string | undefined): ManifestMeta {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw invalid(`not JSON (${(error as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid('not a JSON object');
  if (doc.schemaVersion !== 2) throw invalid(`schemaVersion must be 2, not ${JSON.stringify(doc.schemaVersion)}`);
  const field = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  if (field !== undefined && header !== undefined && header !== field && header !== 'application/json') {
    throw invalid(`the mediaType field (${field}) differs from Content-Type (${header})`);
  }
  const mediaType = field ?? (header !== 'application/json' ? header : undefined) ?? (Array.isArray(doc.manifests) ? MediaType.OciIndex : MediaType.OciManifest);
  const isImage = IMAGE_MANIFEST_TYPES.includes(mediaType);
  if (!isImage && !INDEX_TYPES.includes(mediaType)) throw invalid(`unsupported media type ${mediaType}`, { mediaType });
  if (isImage) {
    if (!isDescriptor(doc.config)) throw invalid('config must be a descriptor (mediaType, sha256 or sha512 digest, size)');
    if (!Array.isArray(doc.layers) || !doc.layers.every(isDescriptor)) throw invalid('layers must be an array of descriptors');
  } else if (!Array.isArray(doc.manifests) || !doc.manifests.every(isDescriptor)) {
    throw invalid('manifests must be an array of descriptors');
  }
  if (doc.subject !== undefined && !isDescriptor(doc.subject)) throw invalid('subject must be a descriptor');
  if (doc.annotations !== undefined && (typeof doc.annotations !== 'object' || doc.annotations === null)) throw invalid('annotations must be an object');
  const artifactType = typeof doc.artifactType === 'string' ? doc.artifactType : isImage ? (doc.config as Descriptor).mediaType : undefined;
  return {
    mediaType,
    ...(doc.subject !== undefined ? { subject: (doc.subject as Descriptor).digest } : {}),
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(doc.annotations !== undefined ? { annotations: doc.annotations as Record<string, string> } : {}),
  };
}

/** Every blob (image) or manifest (index) the document names must be in the repository. */
async function checkReferences(ctx: RequestContext, name: string, doc: Record<string, unknown>, mediaType: string): Promise<void> {
  if (IMAGE_MANIFEST_TYPES.includes(mediaType)) {
    const blobs = [doc.config as Descriptor, ...(doc.layers as Descriptor[])]
      .filter((d) => !FOREIGN_LAYER_TYPES.has(d.mediaType) && !(d.urls && d.urls.length > 0));
    for (const descriptor of blobs) {
      try {
        await ctx.storage.statBlob(name, descriptor.digest);
      } catch (error) {
        if (error instanceof BlobUnknownError) throw registryError('MANIFEST_BLOB_UNKNOWN', { digest: descriptor.digest }, {}, `manifest blob unknown: ${descriptor.digest}`);
        throw error;
      }
    }
    return;
  }
  for (const child of doc.manifests as Descriptor[]) {
    try {
      await ctx.storage.getManifest(name, child.digest);
    } catch (error) {
      if (error instanceof ManifestUnknownError) throw registryError('MANIFEST_BLOB_UNKNOWN', { digest: child.digest }, {}, `manifest unknown: ${child.digest}`);
      throw error;
    }
  }
}
