// Reading and writing extended attributes without following symlinks.
// trusted.overlay.* are overlayfs' own bookkeeping (opaque, origin, redirect):
// they never go into a tar and are never taken from one, because a layer that
// could set them could make overlayfs show files from other layers.
import { sys } from '../sys.js';

export function isOverlayPrivateXattr(name: string): boolean {
  return name.startsWith('trusted.overlay.');
}

/** The file's xattrs (sorted by name), without overlayfs' private ones. */
export function readXattrs(file: string): Map<string, Buffer> {
  const xattrs = new Map<string, Buffer>();
  for (const name of sys().llistxattr(file).sort()) {
    if (isOverlayPrivateXattr(name)) continue;
    const value = sys().lgetxattr(file, name);
    if (value !== null) xattrs.set(name, value);
  }
  return xattrs;
}

export function writeXattrs(file: string, xattrs: Map<string, Buffer>): void {
  for (const [name, value] of xattrs) {
    if (isOverlayPrivateXattr(name)) continue;
    sys().lsetxattr(file, name, value);
  }
}

export function sameXattrs(a: Map<string, Buffer>, b: Map<string, Buffer>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, value] of a) {
    const other = b.get(name);
    if (!other || !other.equals(value)) return false;
  }
  return true;
}
