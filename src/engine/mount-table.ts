// What is mounted where, from the kernel's own table (/proc/self/mountinfo),
// so that mount() twice and unmount() when not mounted are both safe, and so
// that nothing is removed with `rm -rf` while something is mounted inside it
// (debootstrap's /proc, a bind of /dev: removing across those deletes host files).
import fs from 'node:fs';
import { sys, MNT_DETACH } from './sys.js';

// mountinfo escapes space, tab, newline and backslash as \ooo.
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function mountPoints(): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((line) => unescape(line.split(' ')[4]));
}

export function isMountPoint(dir: string): boolean {
  return mountPoints().includes(dir);
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.replace(/\/+$/, '');
  return mountPoints().filter((m) => m === prefix || m.startsWith(prefix + '/')).sort((a, b) => b.length - a.length);
}

/** Unmounts everything at or under `dir`; throws naming what stays mounted. */
export function unmountAllUnder(dir: string): void {
  for (const mountPoint of mountsUnder(dir)) {
    try {
      sys().umount(mountPoint, 0);
    } catch {
      try {
        sys().umount(mountPoint, MNT_DETACH);
      } catch {
        // reported below
      }
    }
  }
  const left = mountsUnder(dir);
  if (left.length) throw new Error(`still mounted under ${dir}: ${left.join(', ')} (unmount them by hand before removing it)`);
}
