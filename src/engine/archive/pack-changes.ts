// The tar of a layer's changes as a list (the naive diff of vfs and btrfs):
// A and C entries with their content and metadata, D entries as `.wh.` files.
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Change } from '../storage/driver.js';
import { tarFrom } from './tar-writer.js';
import { byCodeUnit } from './walk.js';
import { whiteoutName } from './whiteouts.js';

/** `changes` use absolute paths inside the layer ("/etc/passwd"), as Change does. */
export function packChanges(layerDir: string, changes: readonly Change[]): Readable {
  const sorted = [...changes].sort((a, b) => byCodeUnit(a.path, b.path));
  return tarFrom(async (writer) => {
    for (const change of sorted) {
      const rel = change.path.replace(/^\/+/, '');
      if (change.kind === 'D') await writer.addWhiteout(whiteoutName(rel));
      else await writer.addPath(rel, path.join(layerDir, rel));
    }
  });
}
