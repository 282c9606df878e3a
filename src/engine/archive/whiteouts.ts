// OCI layer whiteouts (image-spec layer.md) and their overlayfs forms.
//   .wh.<name>    deletes <name> from the layers below
//   .wh..wh..opq  hides everything below in its directory (an opaque directory)
// On overlayfs a whiteout is a character device 0/0 and an opaque directory
// carries trusted.overlay.opaque=y.
import type fs from 'node:fs';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** Other `.wh..wh.` names (AUFS hard-link bookkeeping) carry no meaning for us. */
export const WHITEOUT_META_PREFIX = '.wh..wh.';
export const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';

export function isOverlayWhiteout(stats: fs.Stats | fs.BigIntStats): boolean {
  return stats.isCharacterDevice() && Number(stats.rdev) === 0;
}

/** The tar name of the whiteout that deletes `rel` (a path relative to the root). */
export function whiteoutName(rel: string): string {
  const slash = rel.lastIndexOf('/');
  return slash === -1 ? WHITEOUT_PREFIX + rel : `${rel.slice(0, slash + 1)}${WHITEOUT_PREFIX}${rel.slice(slash + 1)}`;
}

export function opaqueMarkerName(dirRel: string): string {
  return dirRel === '' ? OPAQUE_MARKER : `${dirRel}/${OPAQUE_MARKER}`;
}
