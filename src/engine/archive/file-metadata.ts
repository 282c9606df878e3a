// Ownership, permissions, xattrs and times of one extracted entry, in the
// order the kernel needs: chown clears setuid bits and security.capability, so
// it goes first; chmod after it; xattrs after both; times last because each
// of the others changes ctime and may touch mtime.
import fs from 'node:fs';
import { writeXattrs } from './xattrs.js';

export interface EntryMetadata {
  readonly uid: number;
  readonly gid: number;
  /** permission bits (07777) */
  readonly mode: number;
  readonly mtime: Date;
  readonly xattrs: Map<string, Buffer>;
}

/**
 * Applies metadata to a path this extraction just created.  chmod follows
 * symlinks, so it is skipped for them (Linux has no lchmod, and a symlink's
 * mode means nothing).  `setTimes` is false for directories, whose times are
 * set after their contents.
 */
export function applyMetadata(file: string, isSymlink: boolean, meta: EntryMetadata, setTimes: boolean): void {
  fs.lchownSync(file, meta.uid, meta.gid);
  if (!isSymlink) fs.chmodSync(file, meta.mode & 0o7777);
  writeXattrs(file, meta.xattrs);
  if (setTimes) fs.lutimesSync(file, meta.mtime, meta.mtime);
}
