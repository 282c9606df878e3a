// The syscalls Node lacks (native/addon/berth_sys.c), typed.  Loaded lazily so
// that commands which never mount (`berth --version`, `berth --help`) do not
// pay for dlopen.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export interface Sys {
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount(target: string, flags: number): void;
  /** mode carries the file type bits, e.g. S_IFCHR | 0o000 for an overlay whiteout. */
  mknod(path: string, mode: number, major: number, minor: number): void;
  lsetxattr(path: string, name: string, value: Buffer): void;
  /** null when the attribute is absent or the filesystem has no xattrs. */
  lgetxattr(path: string, name: string): Buffer | null;
  llistxattr(path: string): string[];
  /** false when LOCK_NB was given and another process holds the lock. */
  flock(fd: number, operation: number): boolean;
  statfsType(path: string): number;
}

/** Root of the installed package (where native/ and dist/ live). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const NATIVE_BUILD = path.join(PACKAGE_ROOT, 'native', 'build');

let loaded: Sys | undefined;
export function sys(): Sys {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    loaded = require(path.join(NATIVE_BUILD, 'berth_sys.node')) as Sys;
  }
  return loaded;
}

// <sys/mount.h>
export const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, REMOUNT: 32, NOATIME: 1024, BIND: 4096,
  REC: 16384, PRIVATE: 1 << 18, SLAVE: 1 << 19, STRICTATIME: 1 << 24, RELATIME: 1 << 21,
  // the rest of the flags an OCI mount option can name (runtime/mount-options.ts)
  SYNCHRONOUS: 16, MANDLOCK: 64, DIRSYNC: 128, NODIRATIME: 2048, SILENT: 32768,
  UNBINDABLE: 1 << 17, SHARED: 1 << 20, LAZYTIME: 1 << 25,
} as const;
export const MNT_DETACH = 2;
// <sys/file.h>
export const LOCK = { SH: 1, EX: 2, NB: 4, UN: 8 } as const;
// <sys/stat.h>
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;
// statfs f_type magic numbers
export const FS_MAGIC = { BTRFS: 0x9123683e, OVERLAY: 0x794c7630, TMPFS: 0x01021994, EXT4: 0xef53, XFS: 0x58465342 } as const;
