// The tar of an overlay upper dir: its entries as they are, except that a
// 0/0 character device (overlayfs' whiteout) becomes a `.wh.<name>` entry and
// a directory with trusted.overlay.opaque=y gets a `.wh..wh..opq` entry right
// after it.
import type { Readable } from 'node:stream';
import { sys } from '../sys.js';
import { tarFrom } from './tar-writer.js';
import { walk } from './walk.js';
import { isOverlayWhiteout, opaqueMarkerName, OVERLAY_OPAQUE_XATTR, whiteoutName } from './whiteouts.js';

export function isOpaqueDir(abs: string): boolean {
  return sys().lgetxattr(abs, OVERLAY_OPAQUE_XATTR)?.toString() === 'y';
}

export function packOverlayUpper(upperDir: string): Readable {
  return tarFrom(async (writer) => {
    for await (const { rel, abs, stats } of walk(upperDir)) {
      if (isOverlayWhiteout(stats)) {
        await writer.addWhiteout(whiteoutName(rel), stats.mtime);
        continue;
      }
      await writer.addPath(rel, abs, stats);
      if (stats.isDirectory() && isOpaqueDir(abs)) await writer.addWhiteout(opaqueMarkerName(rel), stats.mtime);
    }
  });
}
