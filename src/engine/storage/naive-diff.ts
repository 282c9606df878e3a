// Changes of a layer against its parent by comparing two full trees (vfs and
// btrfs keep a full copy per layer).  Rules follow Docker's naive diff
// (pkg/archive/changes.go): a path only in the layer is A, only in the parent
// is D (its children are not listed), and one whose type, mode, owner, size
// (not for directories), mtime, symlink target, device or xattrs differ is C.
// A directory that exists in both and holds any change is C too, which is
// what `docker diff` shows as `C /etc`.
import fs from 'node:fs';
import path from 'node:path';
import { readXattrs, sameXattrs } from '../archive/xattrs.js';
import { byCodeUnit } from '../archive/walk.js';
import { isErrno } from '../errors.js';
import type { Change } from './driver.js';

function lstatOrNull(file: string): fs.BigIntStats | null {
  try {
    return fs.lstatSync(file, { bigint: true });
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    throw error;
  }
}

function differs(oldFile: string, oldStats: fs.BigIntStats, newFile: string, newStats: fs.BigIntStats): boolean {
  if (oldStats.mode !== newStats.mode || oldStats.uid !== newStats.uid || oldStats.gid !== newStats.gid) return true;
  if (!newStats.isDirectory() && oldStats.size !== newStats.size) return true;
  if (oldStats.mtimeNs !== newStats.mtimeNs || oldStats.rdev !== newStats.rdev) return true;
  if (newStats.isSymbolicLink() && fs.readlinkSync(oldFile) !== fs.readlinkSync(newFile)) return true;
  return !sameXattrs(readXattrs(oldFile), readXattrs(newFile));
}

function readdirOrEmpty(dir: string | undefined): string[] {
  return dir === undefined ? [] : fs.readdirSync(dir);
}

/** Appends the changes inside `newDir` (the layer's `rel`) against `oldDir` (the parent's, if it has one there). */
function compareDirs(rel: string, oldDir: string | undefined, newDir: string, changes: Change[]): void {
  const newNames = fs.readdirSync(newDir).sort(byCodeUnit);
  const newSet = new Set(newNames);
  for (const name of readdirOrEmpty(oldDir)) {
    if (!newSet.has(name)) changes.push({ path: `${rel}/${name}`, kind: 'D' });
  }
  for (const name of newNames) {
    const childRel = `${rel}/${name}`;
    const newFile = path.join(newDir, name);
    const newStats = fs.lstatSync(newFile, { bigint: true });
    const oldFile = oldDir === undefined ? undefined : path.join(oldDir, name);
    const oldStats = oldFile === undefined ? null : lstatOrNull(oldFile);
    const before = changes.length;
    if (oldStats === null || oldFile === undefined) {
      changes.push({ path: childRel, kind: 'A' });
      if (newStats.isDirectory()) compareDirs(childRel, undefined, newFile, changes);
      continue;
    }
    const changed = differs(oldFile, oldStats, newFile, newStats);
    if (changed) changes.push({ path: childRel, kind: 'C' });
    if (newStats.isDirectory()) {
      compareDirs(childRel, oldStats.isDirectory() ? oldFile : undefined, newFile, changes);
      if (!changed && changes.length > before) changes.splice(before, 0, { path: childRel, kind: 'C' });
    }
  }
}

/** The changes of `layerDir` against `parentDir` (undefined: no parent, everything is A), sorted by path. */
export function naiveChanges(parentDir: string | undefined, layerDir: string): Change[] {
  const changes: Change[] = [];
  compareDirs('', parentDir, layerDir, changes);
  return changes.sort((a, b) => byCodeUnit(a.path, b.path));
}

/** Bytes of regular-file content the A and C changes hold (each inode once). */
export function changedBytes(layerDir: string, changes: readonly Change[]): number {
  const seen = new Set<string>();
  let bytes = 0;
  for (const change of changes) {
    if (change.kind === 'D') continue;
    const stats = fs.lstatSync(path.join(layerDir, change.path));
    const key = `${stats.dev}:${stats.ino}`;
    if (!stats.isFile() || seen.has(key)) continue;
    seen.add(key);
    bytes += stats.size;
  }
  return bytes;
}
