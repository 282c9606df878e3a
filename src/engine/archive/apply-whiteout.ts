// Applying `.wh.` entries.  'delete' mode (vfs, btrfs: the directory already
// holds a full copy of the parent) removes what they name; 'overlay' mode (an
// overlay upper dir) turns them into what overlayfs reads: a 0/0 character
// device, or trusted.overlay.opaque=y on a directory.
import fs from 'node:fs';
import path from 'node:path';
import { invalid } from '../errors.js';
import { sys, S_IFCHR } from '../sys.js';
import { absPath, ensureSafeDir, lstatOrNull } from './safe-path.js';
import { OPAQUE_MARKER, OVERLAY_OPAQUE_XATTR, WHITEOUT_META_PREFIX, WHITEOUT_PREFIX } from './whiteouts.js';

export type WhiteoutMode = 'overlay' | 'delete';

export function isWhiteoutEntry(rel: string): boolean {
  return path.posix.basename(rel).startsWith(WHITEOUT_PREFIX);
}

/**
 * Empties a directory of everything below it except what this same tar
 * wrote (`written`), so an opaque marker acts first wherever it sits in the tar.
 */
function removeUnwritten(root: string, dirRel: string, written: ReadonlySet<string>): void {
  const dir = absPath(root, dirRel);
  for (const name of fs.readdirSync(dir)) {
    const childRel = dirRel === '' ? name : `${dirRel}/${name}`;
    const child = path.join(dir, name);
    if (!written.has(childRel)) fs.rmSync(child, { recursive: true, force: true });
    else if (fs.lstatSync(child).isDirectory()) removeUnwritten(root, childRel, written);
  }
}

export interface WhiteoutContext {
  readonly root: string;
  readonly mode: WhiteoutMode;
  /** paths (relative to root) this tar has written so far */
  readonly written: ReadonlySet<string>;
  readonly uid: number;
  readonly gid: number;
}

/** Applies the whiteout entry `rel` ("dir/.wh.name" or "dir/.wh..wh..opq"); `name` is the entry as the tar spells it. */
export function applyWhiteout(ctx: WhiteoutContext, rel: string, name: string): void {
  const dirRel = path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel);
  const base = path.posix.basename(rel);
  const create = ctx.mode === 'overlay';
  if (!ensureSafeDir(ctx.root, dirRel, name, create)) return; // 'delete' mode: nothing there to delete
  if (base === OPAQUE_MARKER) {
    if (ctx.mode === 'overlay') sys().lsetxattr(absPath(ctx.root, dirRel), OVERLAY_OPAQUE_XATTR, Buffer.from('y'));
    else removeUnwritten(ctx.root, dirRel, ctx.written);
    return;
  }
  if (base.startsWith(WHITEOUT_META_PREFIX)) return;
  const victim = base.slice(WHITEOUT_PREFIX.length);
  if (victim === '' || victim === '.' || victim === '..') throw invalid(`layer entry "${name}" is a whiteout of nothing`);
  const target = path.join(absPath(ctx.root, dirRel), victim);
  if (ctx.mode === 'delete') {
    fs.rmSync(target, { recursive: true, force: true });
    return;
  }
  if (lstatOrNull(target) !== null) fs.rmSync(target, { recursive: true, force: true });
  sys().mknod(target, S_IFCHR, 0, 0);
  fs.lchownSync(target, ctx.uid, ctx.gid);
}
