// Changes of an overlay layer: its upper dir holds exactly what changed.
//   a 0/0 character device         -> D
//   an entry the lower layers show -> C (so are the directories holding changes)
//   anything else                  -> A
//   an opaque directory            -> also D for each name the lower layers showed in it
import fs from 'node:fs';
import path from 'node:path';
import { isOpaqueDir, walk } from '../archive/index.js';
import { isOverlayWhiteout } from '../archive/whiteouts.js';
import { byCodeUnit } from '../archive/walk.js';
import type { Change } from './driver.js';
import { LowerView } from './lower-view.js';

export async function overlayChanges(upperDir: string, lowers: readonly string[]): Promise<Change[]> {
  const below = new LowerView(lowers);
  const changes = new Map<string, Change['kind']>();
  for await (const { rel, abs, stats } of walk(upperDir)) {
    if (isOverlayWhiteout(stats)) {
      changes.set(rel, 'D');
      continue;
    }
    changes.set(rel, below.exists(rel) ? 'C' : 'A');
    if (stats.isDirectory() && isOpaqueDir(abs)) {
      for (const name of below.readdir(rel)) {
        const childRel = `${rel}/${name}`;
        if (!fs.existsSync(path.join(upperDir, childRel)) && !changes.has(childRel)) changes.set(childRel, 'D');
      }
    }
  }
  return [...changes].map(([rel, kind]) => ({ path: `/${rel}`, kind })).sort((a, b) => byCodeUnit(a.path, b.path));
}

/** Bytes of regular-file content in the upper dir (each inode once). */
export async function upperBytes(upperDir: string): Promise<number> {
  const seen = new Set<string>();
  let bytes = 0;
  for await (const { stats } of walk(upperDir)) {
    const key = `${stats.dev}:${stats.ino}`;
    if (!stats.isFile() || seen.has(key)) continue;
    seen.add(key);
    bytes += stats.size;
  }
  return bytes;
}
