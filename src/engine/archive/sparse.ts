// GNU sparse files in layer tars.  tar-stream reads none of GNU's sparse
// formats (it would write a 1 TB sparse file as its stored data only, often
// 0 bytes), so:
//
// - old GNU 'S' entries (GNU tar's default, --format=gnu) are rewritten on
//   the way in by GnuSparseToPax: the map from the header and its extension
//   blocks becomes a PAX 0.1 record set (GNU.sparse.size, GNU.sparse.map) and
//   the entry a regular file whose data is the stored segments;
// - PAX 0.0 (repeated GNU.sparse.offset/numbytes, collected by tar-pax.ts),
//   0.1 (GNU.sparse.map) and 1.0 (the map at the start of the data, GNU tar's
//   default with --format=posix) are read from the entry's PAX records.
//
// The file is then written sparse: each segment at its offset, holes skipped,
// and truncated to the real size.  A sparse version berth does not know, or a
// map that does not add up, is refused naming the entry.
import fs from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import type { Header } from 'tar-stream';
import { invalid } from '../errors.js';
import { SPARSE_00_MAP } from './tar-pax.js';


const BLOCK = 512;
const MAX_HELD_PAX = 1024 * 1024;
const padded = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

/** A tar number field: octal text, or GNU's base-256 (first byte 0x80) for big values. */
export function tarNumber(block: Buffer, offset: number, length: number): number {
  if (block[offset]! & 0x80) {
    let value = block[offset]! & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + block[offset + i]!;
    return value;
  }
  const text = block.subarray(offset, offset + length).toString('latin1').replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function checksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i]!;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return Buffer.from(`${length}${body}`);
}

/** The `size` record of a PAX header's data, when there is one. */
function paxSize(data: Buffer): number | undefined {
  const m = /(?:^|\n)\d+ size=(\d+)\n/.exec(data.toString('latin1'));
  return m ? Number(m[1]) : undefined;
}

/** The sparse map pairs of an old GNU header (4 at 386) or extension block (21 at 0). */
function mapPairs(block: Buffer, offset: number, count: number, into: number[]): void {
  for (let i = 0; i < count; i++) {
    const at = offset + i * 24;
    if (block[at] === 0) return;
    into.push(tarNumber(block, at, 12), tarNumber(block, at + 12, 12));
  }
}

/**
 * Passes a tar through, rewriting old GNU sparse ('S') entries as PAX 0.1
 * sparse regular files (see above).  Everything else goes through unchanged
 * and without copies.
 */
export class GnuSparseToPax extends Transform {
  private partial: Buffer[] = [];
  private partialLength = 0;
  /** data bytes (padding included) to pass through as they are */
  private passing = 0;
  /** a PAX 'x' header and its data, held until the entry it belongs to is seen */
  private held: Buffer[] | null = null;
  private heldMissing = 0;
  /** an 'S' header whose extension blocks are being read */
  private sparse: { header: Buffer; map: number[] } | null = null;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      let pos = 0;
      while (pos < chunk.length) {
        if (this.passing > 0) {
          const n = Math.min(this.passing, chunk.length - pos);
          this.push(chunk.subarray(pos, pos + n));
          this.passing -= n;
          pos += n;
          continue;
        }
        if (this.heldMissing > 0) {
          const n = Math.min(this.heldMissing, chunk.length - pos);
          this.held!.push(Buffer.from(chunk.subarray(pos, pos + n)));
          this.heldMissing -= n;
          pos += n;
          continue;
        }
        const want = BLOCK - this.partialLength;
        if (this.partialLength === 0 && chunk.length - pos >= BLOCK) {
          this.onBlock(chunk.subarray(pos, pos + BLOCK));
          pos += BLOCK;
          continue;
        }
        const n = Math.min(want, chunk.length - pos);
        this.partial.push(Buffer.from(chunk.subarray(pos, pos + n)));
        this.partialLength += n;
        pos += n;
        if (this.partialLength === BLOCK) {
          const block = Buffer.concat(this.partial);
          this.partial = [];
          this.partialLength = 0;
          this.onBlock(block);
        }
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    this.releaseHeld();
    if (this.partialLength) this.push(Buffer.concat(this.partial));
    callback();
  }

  private releaseHeld(): void {
    if (!this.held) return;
    for (const b of this.held) this.push(b);
    this.held = null;
  }

  private onBlock(block: Buffer): void {
    if (this.sparse) {
      mapPairs(block, 0, 21, this.sparse.map);
      if (block[504] === 0) this.emitSparse();
      return;
    }
    if (block.every((b) => b === 0)) {
      this.releaseHeld();
      this.push(block);
      return;
    }
    const type = String.fromCharCode(block[156]!);
    const size = tarNumber(block, 124, 12);
    if (type === 'S') {
      const map: number[] = [];
      mapPairs(block, 386, 4, map);
      this.sparse = { header: Buffer.from(block), map };
      if (block[482] === 0) this.emitSparse();
      return;
    }
    if (type === 'x' && size <= MAX_HELD_PAX && !this.held) {
      this.held = [Buffer.from(block)];
      this.heldMissing = padded(size);
      return;
    }
    // any other entry: what was held belongs to it
    const heldSize = this.held ? paxSize(Buffer.concat(this.held.slice(1))) : undefined;
    this.releaseHeld();
    this.push(block);
    const isMeta = type === 'x' || type === 'g' || type === 'L' || type === 'K';
    const dataSize = !isMeta && heldSize !== undefined ? heldSize : size;
    this.passing = type === '5' ? 0 : padded(dataSize);
  }

  /** The 'S' entry as a PAX 0.1 sparse file: [pax header][its records][regular header]; its data follows. */
  private emitSparse(): void {
    const { header, map } = this.sparse!;
    this.sparse = null;
    const realSize = tarNumber(header, 483, 12);
    const dataSize = tarNumber(header, 124, 12);
    let records = Buffer.concat([
      paxRecord('GNU.sparse.size', String(realSize)),
      paxRecord('GNU.sparse.numblocks', String(map.length / 2)),
      paxRecord('GNU.sparse.map', map.join(',')),
    ]);
    if (this.held) {
      const data = Buffer.concat(this.held.slice(1));
      const length = tarNumber(this.held[0]!, 124, 12);
      records = Buffer.concat([data.subarray(0, length), records]);
      this.held = null;
    }
    const pax = Buffer.alloc(BLOCK);
    pax.write('././@PaxHeader', 0, 'latin1');
    pax.write('0000644\0', 100, 'latin1');
    pax.write('0000000\0', 108, 'latin1');
    pax.write('0000000\0', 116, 'latin1');
    pax.write(`${records.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    pax.write('00000000000\0', 136, 'latin1');
    pax[156] = 'x'.charCodeAt(0);
    pax.write('ustar\x0000', 257, 'latin1');
    checksum(pax);
    this.push(pax);
    this.push(records);
    if (records.length % BLOCK) this.push(Buffer.alloc(BLOCK - (records.length % BLOCK)));
    const regular = Buffer.from(header);
    regular[156] = '0'.charCodeAt(0);
    regular.fill(0, 345, BLOCK); // GNU's atime/ctime/offset/sparse fields: meaningless for a regular file
    checksum(regular);
    this.push(regular);
    this.passing = padded(dataSize);
  }
}

// ---------------------------------------------------------------- reading the PAX records

export interface SparseInfo {
  /** the file's size, holes included */
  readonly realSize: number;
  /** [offset, length] pairs; undefined for PAX 1.0, whose map is at the start of the data */
  readonly map?: ReadonlyArray<readonly [number, number]>;
}

type Pax = Record<string, string | Buffer> | null | undefined;
const paxText = (pax: Pax, key: string) => (pax && pax[key] !== undefined ? String(pax[key]) : undefined);

/** The entry's real name: GNU tar puts sparse files under ./GNUSparseFile.<pid>/ and the name in GNU.sparse.name. */
export function realEntryName(header: Header): string {
  return paxText(header.pax as Pax, 'GNU.sparse.name') ?? header.name;
}

function numbers(text: string, name: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (!parts.every((p) => /^\d+$/.test(p))) throw invalid(`layer entry "${name}" has a broken sparse map`);
  return parts.map(Number);
}

function pairs(values: readonly number[], name: string): Array<[number, number]> {
  if (values.length % 2) throw invalid(`layer entry "${name}" has a broken sparse map`);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < values.length; i += 2) out.push([values[i]!, values[i + 1]!]);
  return out;
}

/** What the PAX records say about a sparse entry; undefined for an ordinary one.  Unknown versions are refused. */
export function sparseOf(header: Header): SparseInfo | undefined {
  const pax = header.pax as Pax;
  const name = realEntryName(header);
  if (!pax) return undefined;
  const major = paxText(pax, 'GNU.sparse.major');
  const minor = paxText(pax, 'GNU.sparse.minor');
  if (major !== undefined || minor !== undefined) {
    if (major !== '1' || minor !== '0') throw invalid(`layer entry "${name}" is a GNU sparse file of format ${major}.${minor}, which berth cannot unpack`);
    const real = paxText(pax, 'GNU.sparse.realsize');
    if (real === undefined || !/^\d+$/.test(real)) throw invalid(`layer entry "${name}" is a GNU sparse file without GNU.sparse.realsize`);
    return { realSize: Number(real) };
  }
  const size = paxText(pax, 'GNU.sparse.size') ?? paxText(pax, 'GNU.sparse.realsize');
  const map = paxText(pax, 'GNU.sparse.map') ?? paxText(pax, SPARSE_00_MAP);
  if (size === undefined && map === undefined) return undefined;
  if (size === undefined || !/^\d+$/.test(size) || map === undefined) throw invalid(`layer entry "${name}" is a GNU sparse file whose map or size is missing`);
  return { realSize: Number(size), map: pairs(map === '' ? [] : numbers(map, name), name) };
}

function checkMap(map: ReadonlyArray<readonly [number, number]>, info: SparseInfo, stored: number, name: string): void {
  let end = 0;
  let total = 0;
  for (const [offset, length] of map) {
    if (offset < end || offset + length > info.realSize) throw invalid(`layer entry "${name}" has a broken sparse map (segment ${offset}+${length} of a ${info.realSize}-byte file)`);
    end = offset + length;
    total += length;
  }
  if (total !== stored) throw invalid(`layer entry "${name}" has a broken sparse map: it lists ${total} bytes of data, the entry holds ${stored}`);
}

/** Reads PAX 1.0's map ("count\noffset\nlength\n..." in whole blocks) from the front of the data. */
async function readInlineMap(chunks: AsyncIterator<Buffer>, name: string): Promise<{ map: Array<[number, number]>; rest: Buffer; used: number }> {
  let text: Buffer = Buffer.alloc(0);
  for (;;) {
    const lines = text.toString('latin1').split('\n');
    const complete = lines.slice(0, -1);
    if (complete.length >= 1) {
      const count = Number(complete[0]);
      if (!/^\d+$/.test(complete[0]!) || count > 1_000_000) throw invalid(`layer entry "${name}" has a broken sparse map`);
      if (complete.length >= 1 + 2 * count) {
        const values = complete.slice(1, 1 + 2 * count);
        const consumed = complete.slice(0, 1 + 2 * count).join('\n').length + 1;
        const used = padded(consumed);
        if (text.length >= used) return { map: pairs(numbers(values.join(','), name), name), rest: text.subarray(used), used };
      }
    }
    if (text.length > 64 * 1024 * 1024) throw invalid(`layer entry "${name}" has a broken sparse map`);
    const next = await chunks.next();
    if (next.done) throw invalid(`layer entry "${name}" ends inside its sparse map`);
    text = Buffer.concat([text, next.value]);
  }
}

/**
 * Writes a sparse entry's data into the open file: each segment at its
 * offset, nothing for the holes, then the real size.  Returns the bytes of
 * data written.
 */
export async function writeSparse(fd: number, header: Header, info: SparseInfo, content: AsyncIterable<Buffer>): Promise<number> {
  const name = realEntryName(header);
  const chunks = content[Symbol.asyncIterator]();
  let map = info.map;
  let pending: Buffer = Buffer.alloc(0);
  let stored = header.size ?? 0;
  if (!map) {
    const inline = await readInlineMap(chunks, name);
    map = inline.map;
    pending = inline.rest;
    stored -= inline.used;
  }
  checkMap(map, info, stored, name);
  let written = 0;
  for (const [offset, length] of map) {
    let done = 0;
    while (done < length) {
      if (pending.length === 0) {
        const next = await chunks.next();
        if (next.done) throw invalid(`layer entry "${name}" ends before the data its sparse map lists`);
        pending = next.value;
      }
      const n = Math.min(pending.length, length - done);
      fs.writeSync(fd, pending, 0, n, offset + done);
      pending = pending.subarray(n);
      done += n;
    }
    written += length;
  }
  for (let next = await chunks.next(); !next.done; next = await chunks.next()) { /* padding only */ }
  fs.ftruncateSync(fd, info.realSize);
  return written;
}
