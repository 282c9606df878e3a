// Downloading one blob into the blob store.  The bytes are hashed on their way
// to a temp file and, for a layer, gunzipped and hashed on a side branch at
// the same time: the blob's digest must be the manifest's, the uncompressed
// digest the config's diff_id, and only then is the blob committed.  A blob
// that fails either check -- or a download cut short -- leaves nothing.
import { PassThrough, Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import zlib from 'node:zlib';
import { BerthError, invalid } from '../../errors.js';
import { layerCheckSink } from '../../archive/check-layer.js';
import type { BlobStore } from '../../store/blobs.js';
import { DigestStream } from '../../store/digest.js';
import { GZIP_LAYER_TYPES, MediaType, type Descriptor } from '../../store/oci.js';
import { responseError } from './errors.js';
import { displayName, pullScope, type RegistrySession, type RegistryTarget } from './session.js';

/** Plain tar layer types (stored and hashed as they are). */
export const TAR_LAYER_TYPES: readonly string[] = [MediaType.OciLayer, 'application/vnd.docker.image.rootfs.diff.tar'];

export interface FetchedLayer {
  /** the uncompressed tar's size */
  readonly uncompressedSize: number;
}

/** GETs a blob (following redirects); throws the registry's error when it is not there. */
export async function getBlob(session: RegistrySession, target: RegistryTarget, digest: string, signal?: AbortSignal): Promise<Response> {
  const response = await session.request('GET', `/v2/${target.repository}/blobs/${digest}`, { scopes: [pullScope(target.repository)], signal });
  if (!response.ok) throw await responseError(response, `blob ${digest} of ${displayName(target)}`);
  if (!response.body) throw invalid(`blob ${digest} of ${displayName(target)}: the registry sent no body`);
  return response;
}

/** Reads a small blob (a config) into memory, checking its size and digest, and stores it. */
export async function fetchSmallBlob(session: RegistrySession, target: RegistryTarget, descriptor: Descriptor, blobs: BlobStore, signal?: AbortSignal): Promise<Buffer> {
  if (blobs.has(descriptor.digest)) return blobs.read(descriptor.digest);
  const response = await getBlob(session, target, descriptor.digest, signal);
  const bytes = await readLimited(response, descriptor.size, `blob ${descriptor.digest}`);
  await blobs.put(bytes, { digest: descriptor.digest, size: descriptor.size });
  return bytes;
}

/**
 * Streams a layer into the store, checking its digest, its size and its
 * uncompressed digest (`diffId`).  `onBytes` is told the bytes received so far.
 */
export async function fetchLayer(
  session: RegistrySession, target: RegistryTarget, layer: Descriptor, diffId: string, blobs: BlobStore,
  onBytes: (received: number) => void, signal?: AbortSignal,
): Promise<FetchedLayer> {
  const gzip = GZIP_LAYER_TYPES.includes(layer.mediaType);
  if (!gzip && !TAR_LAYER_TYPES.includes(layer.mediaType)) {
    throw invalid(`layer ${layer.digest} has media type ${layer.mediaType}, which berth cannot unpack (it reads tar and tar+gzip layers)`);
  }
  const response = await getBlob(session, target, layer.digest, signal);
  const source = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
  const writer = blobs.writer();
  const blobDigest = new DigestStream();
  const diff = new DigestStream();
  // The uncompressed side: gunzip -> hash -> the layer check (the apply's refusals, at arrival).
  const side = gzip ? zlib.createGunzip() : new PassThrough();
  const sink = layerCheckSink();
  let received = 0;
  let sideError: unknown;
  const tee = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      received += chunk.length;
      if (received > layer.size) {
        return callback(invalid(`blob ${layer.digest} is larger than the ${layer.size} bytes its manifest says`));
      }
      onBytes(received);
      // A refused entry stops the download: the layer will not be stored whatever its digest.
      if (sideError instanceof BerthError) return callback(sideError as Error);
      // A broken side (bad gzip) stops being fed; the blob's digest is checked first, below.
      if (sideError !== undefined || side.destroyed || side.write(chunk)) return callback(null, chunk);
      const resume = () => { side.off('drain', resume); side.off('close', resume); callback(null, chunk); };
      side.once('drain', resume);
      side.once('close', resume);
    },
    flush(callback: TransformCallback) {
      if (!side.destroyed) side.end();
      callback();
    },
  });
  const sideDone = pipeline(side, diff, sink);
  const sideSettled = sideDone.catch((error) => { sideError = error; });
  try {
    await pipeline(source, tee, blobDigest, writer);
    await sideSettled;
  } catch (error) {
    writer.abort();
    side.destroy();
    throw error;
  }
  if (sideError instanceof BerthError) {
    writer.abort();
    throw sideError;
  }
  if (blobDigest.digest !== layer.digest) {
    writer.abort();
    throw invalid(`digest mismatch: the registry sent blob ${layer.digest} with the content of ${blobDigest.digest} (${blobDigest.size} bytes); nothing was stored`);
  }
  if (sideError !== undefined) {
    writer.abort();
    throw invalid(`layer ${layer.digest} is not a valid gzip stream: ${(sideError as Error).message}`, sideError);
  }
  if (gzip && diff.digest !== diffId) {
    writer.abort();
    throw invalid(`layer ${layer.digest}: its uncompressed digest ${diff.digest} does not match the image config's diff_id ${diffId}`);
  }
  if (!gzip && layer.digest !== diffId) {
    writer.abort();
    throw invalid(`layer ${layer.digest} is an uncompressed tar, but the image config's diff_id is ${diffId}`);
  }
  await writer.commit({ digest: layer.digest, size: layer.size });
  return { uncompressedSize: diff.size };
}

/** The body, refusing more than `limit` bytes. */
export async function readLimited(response: Response, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  if (!response.body) return Buffer.alloc(0);
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > limit) {
      await response.body.cancel().catch(() => undefined);
      throw invalid(`${what} is larger than ${limit} bytes`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}
