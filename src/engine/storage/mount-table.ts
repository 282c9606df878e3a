// What is mounted where, from the kernel's own table (/proc/self/mountinfo),
// so that mount() twice and unmount() when not mounted are both safe.
import fs from 'node:fs';

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
  return mountPoints().filter((m) => m === dir || m.startsWith(dir + '/')).sort((a, b) => b.length - a.length);
}
