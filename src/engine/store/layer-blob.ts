// Turns an uncompressed layer tar into a gzip blob in one pass: the tar is
// hashed on its way into gzip (its digest is the layer's diff_id, which the
// image config lists), and the gzip output is hashed on its way to disk (the
// blob digest, which the manifest lists).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { DigestStream } from './digest.js';
import type { BlobStore } from './blobs.js';
import { MediaType } from './oci.js';

export interface StoredLayer {
  /** digest of the gzip blob */
  readonly blobDigest: string;
  /** size of the gzip blob */
  readonly blobSize: number;
  /** digest of the uncompressed tar */
  readonly diffId: string;
  /** size of the uncompressed tar */
  readonly uncompressedSize: number;
  readonly mediaType: string;
}

/**
 * Stores an uncompressed tar stream as a gzip layer blob.  `extra` transforms
 * are applied to the tar before hashing (e.g. a format check).
 */
export async function putTarAsGzipLayer(blobs: BlobStore, tar: Readable, ...extra: NodeJS.ReadWriteStream[]): Promise<StoredLayer> {
  const diff = new DigestStream();
  const writer = blobs.writer();
  try {
    await pipeline([tar, ...extra, diff, zlib.createGzip(), writer]);
  } catch (error) {
    writer.abort();
    throw error;
  }
  const blob = await writer.commit();
  return { blobDigest: blob.digest, blobSize: blob.size, diffId: diff.digest, uncompressedSize: diff.size, mediaType: MediaType.OciLayerGzip };
}
