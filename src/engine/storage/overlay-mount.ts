// Mounting one overlay layer.  The mount data must fit one page (4096 bytes
// with its NUL), and a deep image's lowerdir list of absolute paths does not.
// Docker solves it with short symlinks in l/; we instead chdir into
// storage/overlay and give paths relative to it ("<id>/diff"): no extra
// state that must be created, kept and removed with each layer, and the
// kernel resolves the paths at mount time.  process.chdir and the mount are
// both synchronous, so nothing else in this process runs in between.
import { BerthError, explainSystemError } from '../errors.js';
import { MS, sys } from '../sys.js';

const PAGE_SIZE = 4096;

// index/redirect_dir/metacopy off: changes() and diff() read the upper dir
// alone, which is complete only without metadata-only copy-ups and
// directory-rename redirects (Docker turns them off for the same reason).
const FIXED_OPTIONS = 'index=off,redirect_dir=off,metacopy=off';

export interface OverlayLayout {
  /** the driver's home, storage/overlay */
  readonly home: string;
  /** the layer's own dir names relative to home */
  readonly upper: string;
  readonly work: string;
  /** the lower layers' diff dirs relative to home, nearest first */
  readonly lowers: readonly string[];
}

function mountData(layout: OverlayLayout, prefix: string): string {
  const lowerdir = layout.lowers.map((l) => prefix + l).join(':');
  return `lowerdir=${lowerdir},upperdir=${prefix}${layout.upper},workdir=${prefix}${layout.work},${FIXED_OPTIONS}`;
}

function fits(data: string): boolean {
  return Buffer.byteLength(data) < PAGE_SIZE;
}

export function mountOverlay(layout: OverlayLayout, target: string): void {
  const absolute = mountData(layout, layout.home + '/');
  const relative = mountData(layout, '');
  try {
    if (fits(absolute)) return sys().mount('overlay', target, 'overlay', 0, absolute);
    if (!fits(relative)) {
      throw new BerthError('invalid', `overlay mount of ${target}: ${layout.lowers.length} lower layers do not fit in one page of mount options (${Buffer.byteLength(relative)} bytes); flatten the image (berth export | berth import)`);
    }
    const cwd = process.cwd();
    process.chdir(layout.home);
    try {
      sys().mount('overlay', target, 'overlay', 0, relative);
    } finally {
      process.chdir(cwd);
    }
  } catch (error) {
    if (error instanceof BerthError) throw error;
    throw new BerthError('internal', `overlay mount of ${target} failed: ${explainSystemError(error)}`, { cause: error });
  }
}

/** A layer with no parent: its diff dir, bind-mounted where the merged view would be. */
export function bindMount(source: string, target: string): void {
  try {
    sys().mount(source, target, null, MS.BIND, null);
  } catch (error) {
    throw new BerthError('internal', `bind mount of ${source} on ${target} failed: ${explainSystemError(error)}`, { cause: error });
  }
}

export function unmount(target: string): void {
  try {
    sys().umount(target, 0);
  } catch (error) {
    throw new BerthError('conflict', `unmount of ${target} failed: ${explainSystemError(error)}`, { cause: error });
  }
}
