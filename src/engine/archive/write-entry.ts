// Creating one (non-whiteout) tar entry at a path already checked to lie
// inside the root.  What is there is removed first (a directory only when the
// entry is not a directory too), so a symlink left by an earlier entry is
// replaced, never followed; file content is opened with O_NOFOLLOW.
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Header } from 'tar-stream';
import { invalid } from '../errors.js';
import { sys, S_IFBLK, S_IFCHR, S_IFIFO } from '../sys.js';
import { absPath, entryRelPath, ensureSafeDir, lstatOrNull } from './safe-path.js';
import { sparseOf, writeSparse } from './sparse.js';

const WRITE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW | fs.constants.O_EXCL;

/** Clears the way for a new entry at `file`; keeps an existing directory when the entry is one too. */
function clearFor(file: string, entryIsDirectory: boolean): fs.Stats | null {
  const existing = lstatOrNull(file);
  if (existing === null) return null;
  if (existing.isDirectory()) {
    if (entryIsDirectory) return existing;
    fs.rmSync(file, { recursive: true, force: true });
    return null;
  }
  fs.unlinkSync(file);
  return null;
}

/** An entry's body as tar-stream hands it over. */
export type EntryContent = AsyncIterable<Buffer>;

async function writeFileContent(file: string, mode: number, content: EntryContent, header: Header): Promise<number> {
  const sparse = sparseOf(header);
  const fd = fs.openSync(file, WRITE_FLAGS, mode & 0o777);
  if (sparse) {
    try {
      return await writeSparse(fd, header, sparse, content);
    } finally {
      fs.closeSync(fd);
    }
  }
  const out = fs.createWriteStream(file, { fd, autoClose: true });
  let bytes = 0;
  await pipeline(async function* counted() {
    for await (const chunk of content) {
      bytes += chunk.length;
      yield chunk;
    }
  }, out);
  return bytes;
}

/** The path inside the root that a hard link points at, refusing targets outside it or behind a symlink. */
function hardLinkTarget(root: string, header: Header): string {
  const linkname = header.linkname ?? '';
  const rel = entryRelPath(linkname, `hard link target of "${header.name}",`);
  if (rel === '') throw invalid(`layer entry "${header.name}" is a hard link to the root`);
  const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
  const target = absPath(root, rel);
  const exists = ensureSafeDir(root, parent, linkname, false) && lstatOrNull(target) !== null;
  if (!exists) throw invalid(`layer entry "${header.name}" is a hard link to "${linkname}", which is not in the layer`);
  if (fs.lstatSync(target).isDirectory()) throw invalid(`layer entry "${header.name}" is a hard link to the directory "${linkname}"`);
  return target;
}

export interface WrittenEntry {
  readonly kind: 'directory' | 'file' | 'symlink' | 'hardlink' | 'node' | 'skipped';
  readonly bytes: number;
}

/**
 * Writes the entry at `rel` (parents already checked).  Returns what it made;
 * metadata is the caller's job (except for hard links, which share their target's).
 */
export async function writeEntry(root: string, rel: string, header: Header, content: EntryContent): Promise<WrittenEntry> {
  const file = absPath(root, rel);
  const mode = header.mode ?? 0o644;
  switch (header.type) {
    case 'directory': {
      if (clearFor(file, true) === null) fs.mkdirSync(file, { mode: mode & 0o777 });
      return { kind: 'directory', bytes: 0 };
    }
    case 'file':
    case 'contiguous-file':
    case undefined:
    case null: {
      sparseOf(header); // an unknown sparse format is refused before anything is written
      clearFor(file, false);
      return { kind: 'file', bytes: await writeFileContent(file, mode, content, header) };
    }
    case 'symlink': {
      clearFor(file, false);
      fs.symlinkSync(header.linkname ?? '', file);
      return { kind: 'symlink', bytes: 0 };
    }
    case 'link': {
      const target = hardLinkTarget(root, header);
      if (target === file) return { kind: 'hardlink', bytes: 0 };
      clearFor(file, false);
      fs.linkSync(target, file);
      return { kind: 'hardlink', bytes: 0 };
    }
    case 'character-device':
    case 'block-device':
    case 'fifo': {
      clearFor(file, false);
      const type = header.type === 'fifo' ? S_IFIFO : header.type === 'block-device' ? S_IFBLK : S_IFCHR;
      sys().mknod(file, type | (mode & 0o7777), header.devmajor ?? 0, header.devminor ?? 0);
      return { kind: 'node', bytes: 0 };
    }
    default:
      return { kind: 'skipped', bytes: 0 };
  }
}
