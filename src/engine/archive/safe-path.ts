// Turning a tar entry name into a path inside the root, refusing every way a
// hostile layer could write elsewhere: `..` that climbs out, absolute names,
// and parent directories that are symlinks (an earlier entry `evil -> /` then
// `evil/etc/x`).  Every parent component is checked with lstat, never stat.
import fs from 'node:fs';
import path from 'node:path';
import { invalid, isErrno } from '../errors.js';

/**
 * The entry's path relative to the root ("etc/passwd"; "" for the root
 * itself).  A leading "/" is stripped as tar does; a name that climbs out is refused.
 */
export function entryRelPath(name: string, what = 'layer entry'): string {
  const stripped = name.replace(/^\/+/, '');
  const clean = path.posix.normalize(stripped === '' ? '.' : stripped).replace(/\/+$/, '');
  if (clean === '..' || clean.startsWith('../')) throw invalid(`${what} "${name}" escapes the root`);
  return clean === '.' ? '' : clean;
}

export function absPath(root: string, rel: string): string {
  return rel === '' ? root : path.join(root, rel);
}

function lstatOrNull(file: string): fs.Stats | null {
  try {
    return fs.lstatSync(file);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    throw error;
  }
}

/**
 * Makes sure every directory from the root down to `dirRel` is a real
 * directory (creating missing ones, mode 0755) and none is a symlink.
 * Returns false, creating nothing, when `create` is false and one is missing.
 */
export function ensureSafeDir(root: string, dirRel: string, entryName: string, create = true): boolean {
  if (dirRel === '') return true;
  let current = root;
  for (const part of dirRel.split('/')) {
    current = path.join(current, part);
    const stats = lstatOrNull(current);
    if (stats === null) {
      if (!create) return false;
      fs.mkdirSync(current, { mode: 0o755 });
      continue;
    }
    const shown = path.relative(root, current);
    if (stats.isSymbolicLink()) throw invalid(`layer entry "${entryName}" goes through the symlink "${shown}": refusing to write through it`);
    if (!stats.isDirectory()) throw invalid(`layer entry "${entryName}" needs "${shown}" to be a directory, but it is not`);
  }
  return true;
}

export { lstatOrNull };
