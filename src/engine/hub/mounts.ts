// Making sure a directory has nothing mounted under it before it is removed:
// debootstrap mounts /proc and /sys (and sometimes binds /dev nodes) inside
// its target, and `rm -rf` across a live bind mount would delete the host's
// files.
import { sys, MNT_DETACH } from '../sys.js';
import fs from 'node:fs';

/** Mount points at or under `dir`, deepest first, from /proc/self/mountinfo. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.replace(/\/+$/, '');
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((p) => p === prefix || p.startsWith(prefix + '/'))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts everything under `dir`; throws naming what stays mounted. */
export function unmountAllUnder(dir: string): void {
  for (const mountPoint of mountsUnder(dir)) {
    try {
      sys().umount(mountPoint, 0);
    } catch {
      try { sys().umount(mountPoint, MNT_DETACH); } catch { /* reported below */ }
    }
  }
  const left = mountsUnder(dir);
  if (left.length) throw new Error(`still mounted under ${dir}: ${left.join(', ')} (unmount them by hand before removing it)`);
}
