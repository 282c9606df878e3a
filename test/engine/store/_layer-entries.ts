// Reads a stored gzip layer back with tar-stream, for asserting on its
// entries (names, types, link targets, modes).
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import type { ImageStore, Image } from '../../../src/engine/store/images.js';

export interface LayerEntry {
  readonly name: string;
  readonly type: string;
  readonly mode: number;
  readonly linkname?: string;
  readonly data?: Buffer;
}

/** Entries of a tar (plain or gzip) in a buffer; file contents kept for files up to `keepUpTo` bytes. */
export async function tarEntries(data: Buffer, keepUpTo = 64 * 1024): Promise<Map<string, LayerEntry>> {
  const plain = data[0] === 0x1f && data[1] === 0x8b ? zlib.gunzipSync(data) : data;
  return readTar(Readable.from([plain]), keepUpTo);
}

/** Entries of an image's layer (bottom first, index 0 by default), streamed from the blob store. */
export async function layerEntries(store: ImageStore, image: Image, index = 0, keepUpTo = 64 * 1024): Promise<Map<string, LayerEntry>> {
  const layer = store.layers(image)[index]!;
  return readTar(store.blobs.stream(layer.digest).pipe(zlib.createGunzip()), keepUpTo);
}

async function readTar(source: Readable, keepUpTo: number): Promise<Map<string, LayerEntry>> {
  const entries = new Map<string, LayerEntry>();
  const extract = tar.extract();
  source.pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) if (entry.header.size <= keepUpTo) chunks.push(Buffer.from(chunk as Uint8Array));
    const name = entry.header.name.replace(/^\.\//, '').replace(/\/$/, '');
    entries.set(name, {
      name,
      type: entry.header.type,
      mode: entry.header.mode,
      linkname: entry.header.linkname || undefined,
      data: entry.header.type === 'file' && entry.header.size <= keepUpTo ? Buffer.concat(chunks) : undefined,
    });
  }
  return entries;
}
