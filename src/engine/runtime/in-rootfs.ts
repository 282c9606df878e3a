// Reading a file of an image's rootfs from the host, as the container would
// see it: symlinks are followed as if the rootfs were "/", so a hostile image
// whose /etc/passwd points at /etc/shadow gets <rootfs>/etc/shadow, never the
// host's.  Whatever is finally opened is checked to lie inside the rootfs.
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, invalid, isErrno } from '../errors.js';

const MAX_LINKS = 40; // the kernel's own limit for one lookup

/**
 * The host path of `inside` (a path in the container) within `rootfs`, with
 * every symlink resolved inside the rootfs and ".." stopped at its root.
 * Components that do not exist are kept as they are.
 */
export function resolveInRootfs(rootfs: string, inside: string): string {
  const root = fs.realpathSync(rootfs);
  let pending = inside.split('/').filter(Boolean);
  let current: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') { current.pop(); continue; }
    const candidate = path.join(root, ...current, part);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(candidate);
    } catch (error) {
      if (!isErrno(error, 'ENOENT') && !isErrno(error, 'ENOTDIR')) throw error;
    }
    if (stat?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw invalid(`too many levels of symbolic links resolving ${inside} in ${rootfs}`);
      const target = fs.readlinkSync(candidate);
      if (target.startsWith('/')) current = [];
      pending = [...target.split('/').filter(Boolean), ...pending];
      continue;
    }
    current.push(part);
  }
  return path.join(root, ...current);
}

/**
 * The text of a regular file of the rootfs, or undefined when it does not
 * exist there.  Refuses a fifo, device or directory (reading one would hang
 * or mislead) and anything larger than `maxBytes`.
 */
export function readRootfsFile(rootfs: string, inside: string, maxBytes = 4 * 1024 * 1024): string | undefined {
  const root = fs.realpathSync(rootfs);
  const hostPath = resolveInRootfs(root, inside);
  let fd: number;
  try {
    // NOFOLLOW: the last component cannot have become a symlink since we resolved it;
    // NONBLOCK: opening a fifo must not wait for a writer.
    fd = fs.openSync(hostPath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return undefined;
    if (isErrno(error, 'ELOOP')) throw invalid(`${inside} in the image changed into a symlink while berth read it; try again`);
    throw new BerthError('internal', `cannot open ${inside} in the image (${hostPath}): ${(error as Error).message}`, { cause: error });
  }
  try {
    // What was really opened, whatever a directory swap did in between: it must be ours.
    const opened = fs.readlinkSync(`/proc/self/fd/${fd}`);
    if (opened !== root && !opened.startsWith(root + '/')) {
      throw invalid(`${inside} in the image leads outside its root filesystem (${opened}); refusing to read it`);
    }
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw invalid(`${inside} in the image is not a regular file; refusing to read it`);
    if (stat.size > maxBytes) throw invalid(`${inside} in the image is ${stat.size} bytes, more than the ${maxBytes} berth reads`);
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}
