// Checking a layer tar when it arrives (pull, load, import), before the image
// is stored: the same refusals, with the same messages, as applyLayer makes
// when the layer is unpacked at the first run (safe-path.ts, write-entry.ts,
// apply-whiteout.ts, sparse.ts), decided on a model of the layer's own tree
// instead of the disk.  Streaming: entries are read as they arrive and file
// bodies are skipped, nothing is buffered.
//
// What only the unpacking can know is still checked there: a parent that is a
// symlink in a lower layer (vfs and btrfs hold the lower layers in the same
// directory), and everything about the disk.
import path from 'node:path';
import { PassThrough, Transform, Writable, type Readable, type TransformCallback } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import type { Header } from 'tar-stream';
import { BerthError, invalid } from '../errors.js';
import { isWhiteoutEntry } from './apply-whiteout.js';
import { entryRelPath } from './safe-path.js';
import { GnuSparseToPax, realEntryName, sparseOf } from './sparse.js';
import './tar-pax.js';
import { OPAQUE_MARKER, WHITEOUT_META_PREFIX, WHITEOUT_PREFIX } from './whiteouts.js';

type Kind = 'dir' | 'symlink' | 'other';

/** The layer's tree as its entries make it (the root is a directory). */
class LayerModel {
  private readonly kinds = new Map<string, Kind>();

  private kind(rel: string): Kind | undefined {
    return rel === '' ? 'dir' : this.kinds.get(rel);
  }

  private remove(rel: string): void {
    const wasDir = this.kinds.get(rel) === 'dir';
    this.kinds.delete(rel);
    if (!wasDir) return;
    const prefix = `${rel}/`;
    for (const key of this.kinds.keys()) if (key.startsWith(prefix)) this.kinds.delete(key);
  }

  private set(rel: string, kind: Kind): void {
    const existing = this.kinds.get(rel);
    if (existing === 'dir' && kind === 'dir') return;
    if (existing !== undefined) this.remove(rel);
    this.kinds.set(rel, kind);
  }

  /** ensureSafeDir: every parent a real directory (made when missing if `create`), none a symlink. */
  private ensureDir(dirRel: string, entryName: string, create = true): boolean {
    if (dirRel === '') return true;
    let current = '';
    for (const part of dirRel.split('/')) {
      current = current === '' ? part : `${current}/${part}`;
      const kind = this.kinds.get(current);
      if (kind === undefined) {
        if (!create) return false;
        this.kinds.set(current, 'dir');
        continue;
      }
      if (kind === 'symlink') throw invalid(`layer entry "${entryName}" goes through the symlink "${current}": refusing to write through it`);
      if (kind !== 'dir') throw invalid(`layer entry "${entryName}" needs "${current}" to be a directory, but it is not`);
    }
    return true;
  }

  private whiteout(rel: string, name: string): void {
    const dirRel = path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel);
    const base = path.posix.basename(rel);
    this.ensureDir(dirRel, name);
    if (base === OPAQUE_MARKER || base.startsWith(WHITEOUT_META_PREFIX)) return;
    const victim = base.slice(WHITEOUT_PREFIX.length);
    if (victim === '' || victim === '.' || victim === '..') throw invalid(`layer entry "${name}" is a whiteout of nothing`);
    this.remove(dirRel === '' ? victim : `${dirRel}/${victim}`);
  }

  /** hardLinkTarget: inside the root, not the root, not through a symlink, in the layer, not a directory. */
  private hardLink(rel: string, header: Header, name: string): void {
    const linkname = header.linkname ?? '';
    const target = entryRelPath(linkname, `hard link target of "${name}",`);
    if (target === '') throw invalid(`layer entry "${name}" is a hard link to the root`);
    const parent = target.includes('/') ? target.slice(0, target.lastIndexOf('/')) : '';
    const exists = this.ensureDir(parent, linkname, false) && this.kind(target) !== undefined;
    if (!exists) throw invalid(`layer entry "${name}" is a hard link to "${linkname}", which is not in the layer`);
    if (this.kind(target) === 'dir') throw invalid(`layer entry "${name}" is a hard link to the directory "${linkname}"`);
    if (target !== rel) this.set(rel, 'other');
  }

  entry(header: Header): void {
    const name = realEntryName(header);
    const rel = entryRelPath(name);
    if (rel === '') return;
    if (isWhiteoutEntry(rel)) return this.whiteout(rel, name);
    const slash = rel.lastIndexOf('/');
    this.ensureDir(slash === -1 ? '' : rel.slice(0, slash), name);
    switch (header.type) {
      case 'directory':
        return this.set(rel, 'dir');
      case 'symlink':
        return this.set(rel, 'symlink');
      case 'link':
        return this.hardLink(rel, header, name);
      case 'file':
      case 'contiguous-file':
      case undefined:
      case null:
        sparseOf(header);
        return this.set(rel, 'other');
      case 'character-device':
      case 'block-device':
      case 'fifo':
        return this.set(rel, 'other'); // made as today; the devices cgroup decides what they can reach
      default:
        return undefined; // skipped by the apply too
    }
  }
}

/** Reads a whole uncompressed layer tar, throwing the apply's BerthError for the first entry it would refuse. */
export async function checkLayerTar(tar: Readable): Promise<void> {
  const model = new LayerModel();
  const extract = tarStream.extract();
  const reading = pipeline(tar, new GnuSparseToPax(), extract as unknown as Writable);
  try {
    for await (const entry of extract) {
      model.entry(entry.header);
      (entry as unknown as Readable).resume();
    }
    await reading;
  } catch (error) {
    extract.destroy();
    await reading.catch(() => undefined);
    if (error instanceof BerthError) throw error;
    throw invalid(`the layer is not a valid tar archive: ${(error as Error).message}`, error);
  }
}

/**
 * The same check as a sink: write the uncompressed tar into it (e.g. the
 * gunzip side of a download); it fails with the apply's error as soon as an
 * entry is refused, and finishes when the whole tar has been checked.
 */
export function layerCheckSink(): Writable {
  const input = new PassThrough();
  const done = checkLayerTar(input);
  let failed: Error | undefined;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (failed) return callback(failed);
      if (input.write(chunk)) return callback();
      const go = () => { input.off('drain', go); callback(failed); };
      input.on('drain', go);
      done.catch(() => go());
    },
    final(callback) {
      input.end();
      done.then(() => callback(), (error: Error) => callback(error));
    },
    destroy(error, callback) {
      input.destroy();
      callback(error);
    },
  });
  done.catch((error: Error) => {
    failed = error;
    sink.destroy(error);
  });
  return sink;
}

/**
 * The check as a pass-through stage: the tar goes on unchanged (to be hashed
 * and stored) and is checked on the side; the stage fails with the apply's
 * error when an entry is refused, so the blob is never committed.
 */
export class LayerCheck extends Transform {
  private readonly sink = layerCheckSink();
  private failed: Error | undefined;

  constructor() {
    super();
    this.sink.on('error', (error: Error) => {
      this.failed ??= error;
      this.destroy(error);
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.failed) return callback(this.failed);
    if (this.sink.write(chunk)) return callback(null, chunk);
    this.sink.once('drain', () => callback(this.failed ?? null, chunk));
  }

  override _flush(callback: TransformCallback): void {
    if (this.failed) return callback(this.failed);
    this.sink.end();
    finished(this.sink).then(() => callback(), (error: Error) => callback(this.failed ?? error));
  }
}
