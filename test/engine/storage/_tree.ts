// A comparable description of a directory tree: every entry's type, mode,
// owner, content hash, symlink target, device, xattrs, mtime (seconds, as a
// tar keeps it) and the other names of its inode.  Two trees are "the same"
// when their descriptions are deeply equal.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { readXattrs, walk } from '../../../src/engine/archive/index.js';

export interface EntryDescription {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime?: number;
  sha256?: string;
  target?: string;
  rdev?: number;
  xattrs: Record<string, string>;
  hardLinks?: string[];
}

function typeOf(stats: fs.Stats): string {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'dir';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isCharacterDevice()) return 'char';
  if (stats.isBlockDevice()) return 'block';
  if (stats.isFIFO()) return 'fifo';
  return 'other';
}

export async function describeTree(root: string): Promise<Record<string, EntryDescription>> {
  const tree: Record<string, EntryDescription> = {};
  const byInode = new Map<string, string[]>();
  for await (const { rel, abs, stats } of walk(root)) {
    const entry: EntryDescription = {
      type: typeOf(stats),
      mode: stats.mode & 0o7777,
      uid: stats.uid,
      gid: stats.gid,
      xattrs: Object.fromEntries([...readXattrs(abs)].map(([name, value]) => [name, value.toString('hex')])),
    };
    if (!stats.isSymbolicLink()) entry.mtime = Math.floor(stats.mtimeMs / 1000);
    if (stats.isFile()) entry.sha256 = crypto.createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
    if (stats.isSymbolicLink()) entry.target = fs.readlinkSync(abs);
    if (stats.isCharacterDevice() || stats.isBlockDevice()) entry.rdev = stats.rdev;
    if (stats.isFile() && stats.nlink > 1) {
      const key = `${stats.dev}:${stats.ino}`;
      byInode.set(key, [...(byInode.get(key) ?? []), rel]);
      entry.hardLinks = byInode.get(key);
    }
    tree[rel] = entry;
  }
  for (const names of byInode.values()) for (const name of names) tree[name].hardLinks = [...names].sort();
  return tree;
}
