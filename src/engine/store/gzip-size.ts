// Measures a gzip stream's uncompressed length without keeping it: for the
// sizes `images` shows when a manifest arrives without them.
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import zlib from 'node:zlib';

export async function countGunzippedBytes(source: Readable): Promise<number> {
  let bytes = 0;
  await pipeline(source, zlib.createGunzip(), new Writable({
    write(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback();
    },
  }));
  return bytes;
}
