// What the lower layers of an overlay show, resolved the way overlayfs does
// it (nearest layer first; a 0/0 character device hides the name in farther
// layers; an opaque directory hides the same directory in farther layers; a
// non-directory hides everything farther).  Used by overlay changes() to tell
// an added path (A) from a changed one (C), and to list what an opaque
// directory hides (D).
import fs from 'node:fs';
import path from 'node:path';
import { isOpaqueDir } from '../archive/index.js';
import { isOverlayWhiteout } from '../archive/whiteouts.js';
import { isErrno } from '../errors.js';

function lstatOrNull(file: string): fs.Stats | null {
  try {
    return fs.lstatSync(file);
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return null;
    throw error;
  }
}

export class LowerView {
  /** @param lowers the lower layers' diff dirs, nearest first */
  constructor(private readonly lowers: readonly string[]) {}

  /**
   * The lower dirs in which `rel` is visible as a directory (nearest first),
   * or 'file' when the nearest visible thing is not a directory, or null when absent.
   */
  private resolve(rel: string): string[] | 'file' | null {
    let layers = [...this.lowers];
    const parts = rel.split('/').filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      const prefix = parts.slice(0, i + 1).join('/');
      const next: string[] = [];
      for (const layer of layers) {
        const stats = lstatOrNull(path.join(layer, prefix));
        if (stats === null) continue;
        if (isOverlayWhiteout(stats)) break;
        if (!stats.isDirectory()) {
          if (next.length === 0 && i === parts.length - 1) return 'file';
          break;
        }
        next.push(layer);
        if (isOpaqueDir(path.join(layer, prefix))) break;
      }
      if (next.length === 0) return null;
      layers = next;
    }
    return layers;
  }

  exists(rel: string): boolean {
    return this.resolve(rel) !== null;
  }

  /** The names the lower layers show inside the directory `rel` (empty when it is not one). */
  readdir(rel: string): string[] {
    const layers = this.resolve(rel);
    if (layers === null || layers === 'file') return [];
    const seen = new Map<string, boolean>(); // name -> visible
    for (const layer of layers) {
      for (const name of fs.readdirSync(path.join(layer, rel))) {
        if (seen.has(name)) continue;
        seen.set(name, !isOverlayWhiteout(fs.lstatSync(path.join(layer, rel, name))));
      }
    }
    return [...seen].filter(([, visible]) => visible).map(([name]) => name);
  }
}
