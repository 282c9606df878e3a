// A depth-first walk of a tree: sorted names, parents before children, never
// following symlinks.  Used by the packers and the naive diff.
import fs from 'node:fs';
import path from 'node:path';

export interface WalkEntry {
  /** path relative to the walk's root, "etc/passwd" */
  readonly rel: string;
  readonly abs: string;
  readonly stats: fs.Stats;
}

export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every entry under `root` (not the root itself). */
export async function* walk(root: string, rel = ''): AsyncGenerator<WalkEntry> {
  const dir = rel === '' ? root : path.join(root, rel);
  for (const name of (await fs.promises.readdir(dir)).sort(byCodeUnit)) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const abs = path.join(dir, name);
    const stats = await fs.promises.lstat(abs);
    yield { rel: childRel, abs, stats };
    if (stats.isDirectory()) yield* walk(root, childRel);
  }
}
