// Applying an uncompressed OCI layer tar onto a directory, streaming: each
// entry is written as it arrives.  Hostile names are refused (see
// safe-path.ts); directory times are set at the end, after their contents.
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import type { Header } from 'tar-stream';
import { BerthError, explainSystemError, invalid } from '../errors.js';
import { applyWhiteout, isWhiteoutEntry, type WhiteoutMode } from './apply-whiteout.js';
import { applyMetadata } from './file-metadata.js';
import { absPath, entryRelPath, ensureSafeDir } from './safe-path.js';
import { GnuSparseToPax, realEntryName } from './sparse.js';
import { xattrsFromPax } from './tar-pax.js';
import { isOverlayPrivateXattr } from './xattrs.js';
import { writeEntry, type EntryContent } from './write-entry.js';

export type { WhiteoutMode } from './apply-whiteout.js';

export interface ApplyOptions {
  /** 'overlay' for an overlay upper dir, 'delete' for a directory holding a full copy of the parent */
  readonly whiteouts: WhiteoutMode;
}

interface ApplyState {
  readonly root: string;
  readonly mode: WhiteoutMode;
  readonly written: Set<string>;
  readonly directoryTimes: Array<[string, Date]>;
  bytes: number;
}

async function drain(stream: EntryContent): Promise<void> {
  for await (const _ of stream) { /* entries other than files carry no body */ }
}

/** Records `rel` and its parents (made implicitly when the tar has no entry for them) as this tar's own. */
function markWritten(written: Set<string>, rel: string): void {
  for (let p = rel; p !== '' && !written.has(p); p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '') written.add(p);
}

async function applyEntry(state: ApplyState, tarHeader: Header, content: EntryContent): Promise<void> {
  // a GNU sparse file carries its real name in its PAX records (sparse.ts)
  const header = { ...tarHeader, name: realEntryName(tarHeader) };
  const rel = entryRelPath(header.name);
  if (rel === '') return drain(content); // "./": the root's own metadata belongs to the parent
  if (isWhiteoutEntry(rel)) {
    await drain(content);
    applyWhiteout({ root: state.root, mode: state.mode, written: state.written, uid: header.uid ?? 0, gid: header.gid ?? 0 }, rel, header.name);
    return;
  }
  const slash = rel.lastIndexOf('/');
  ensureSafeDir(state.root, slash === -1 ? '' : rel.slice(0, slash), header.name);
  const written = await writeEntry(state.root, rel, header, content);
  await drain(content);
  markWritten(state.written, rel);
  state.bytes += written.bytes;
  if (written.kind === 'hardlink' || written.kind === 'skipped') return;
  const xattrs = new Map([...xattrsFromPax(header.pax)].filter(([name]) => !isOverlayPrivateXattr(name)));
  const mtime = header.mtime ?? new Date(0);
  const file = absPath(state.root, rel);
  const meta = { uid: header.uid ?? 0, gid: header.gid ?? 0, mode: header.mode ?? 0o644, mtime, xattrs };
  applyMetadata(file, written.kind === 'symlink', meta, written.kind !== 'directory');
  if (written.kind === 'directory') state.directoryTimes.push([file, mtime]);
}

/**
 * Applies the layer `tar` onto `root` and returns the bytes of file content
 * written.  Throws BerthError 'invalid' naming the entry for a hostile entry
 * (nothing is ever written outside `root`).
 */
export async function applyLayer(root: string, tar: Readable, options: ApplyOptions): Promise<number> {
  const state: ApplyState = { root, mode: options.whiteouts, written: new Set(), directoryTimes: [], bytes: 0 };
  const extract = tarStream.extract();
  const sparse = new GnuSparseToPax();
  tar.on('error', (error) => extract.destroy(error));
  sparse.on('error', (error) => extract.destroy(error));
  tar.pipe(sparse).pipe(extract);
  try {
    for await (const entry of extract) {
      try {
        await applyEntry(state, entry.header, entry as unknown as EntryContent);
      } catch (error) {
        if (error instanceof BerthError) throw error;
        throw invalid(`layer entry "${entry.header.name}" could not be applied: ${explainSystemError(error)}`, error);
      }
    }
  } finally {
    tar.unpipe(sparse);
    sparse.unpipe(extract);
    if (!tar.readableEnded) tar.destroy();
  }
  for (const [dir, mtime] of state.directoryTimes) fs.lutimesSync(dir, mtime, mtime);
  return state.bytes;
}
