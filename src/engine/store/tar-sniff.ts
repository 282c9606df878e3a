// Recognising what a user hands to `import`: gzip or plain tar (by magic
// bytes, as Docker does), with clear refusals for the compressions berth does
// not read and for data that is not a tar at all.
import { Readable, Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { invalid } from '../errors.js';

const MAGIC: Array<{ name: string; bytes: number[]; hint: string }> = [
  { name: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], hint: 'xz -d' },
  { name: 'bzip2', bytes: [0x42, 0x5a, 0x68], hint: 'bunzip2' },
  { name: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd], hint: 'zstd -d' },
];
const GZIP = [0x1f, 0x8b];

const startsWith = (head: Buffer, bytes: number[]) => head.length >= bytes.length && bytes.every((b, i) => head[i] === b);

/**
 * Looks at the first bytes of `input` and returns the stages that turn it
 * into an uncompressed, checked tar: [body, gunzip?, tar check].
 */
export async function uncompressedTarStages(input: Readable): Promise<{ compression: 'gzip' | 'none'; stages: NodeJS.ReadWriteStream[]; body: Readable }> {
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = Buffer.alloc(0);
  while (head.length < 6) {
    const next = await iterator.next();
    if (next.done) break;
    head = Buffer.concat([head, Buffer.from(next.value)]);
  }
  for (const magic of MAGIC) {
    if (startsWith(head, magic.bytes)) {
      input.destroy();
      throw invalid(`${magic.name}-compressed tarballs are not supported: decompress it first (${magic.hint}), or use gzip`);
    }
  }
  // Replays the bytes already read, then the rest, pulling only on demand.
  const body = Readable.from((async function* () {
    try {
      if (head.length) yield head;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      input.destroy();
    }
  })(), { objectMode: false });
  const gzip = startsWith(head, GZIP);
  return { compression: gzip ? 'gzip' : 'none', body, stages: [...(gzip ? [zlib.createGunzip()] : []), new TarCheck()] };
}

/** Passes data through, failing unless it begins with a tar header (or an empty archive's zero block). */
export class TarCheck extends Transform {
  private head = Buffer.alloc(0);
  private checked = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.checked) {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < 512) return callback();
      this.checked = true;
      if (!isTarBlock(this.head.subarray(0, 512))) return callback(notATar());
      chunk = this.head;
      this.head = Buffer.alloc(0);
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.checked ? null : notATar());
  }
}

const notATar = () => invalid('the input is not a tar archive (nor a gzip-compressed one)');

/** A valid header (its checksum matches) or an all-zero end-of-archive block. */
function isTarBlock(block: Buffer): boolean {
  if (block.every((b) => b === 0)) return true;
  const stored = parseInt(block.subarray(148, 156).toString('latin1').replace(/\0.*$/, '').trim(), 8);
  if (Number.isNaN(stored)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === stored;
}
