// An image of one file, made with `berth import`: random bytes do not
// compress, so its one layer is as big as the data (for transfer tests).
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { ok } from './_berth.js';
import { tempDir } from './_helpers.js';

/** Imports a layer holding `/<file>` with `data` as `reference`. */
export async function importOneFileImage(reference: string, file: string, data: Buffer, timeoutMs = 300_000): Promise<void> {
  const pack = tarStream.pack();
  pack.entry({ name: file, mode: 0o644 }, data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of Readable.from(pack as unknown as AsyncIterable<Buffer>)) chunks.push(chunk as Buffer);
  const tar = path.join(tempDir(`${file}-`), `${file}.tar`);
  fs.writeFileSync(tar, Buffer.concat(chunks));
  await ok(['import', tar, reference], { timeoutMs });
}
