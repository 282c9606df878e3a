// A btrfs filesystem for the btrfs driver.  When the state root already is on
// btrfs we use it; otherwise we make a sparse image file storage/btrfs.img
// (it takes no space until written), format it once and mount it on
// storage/btrfs with `mount -o loop`, which sets up a loop device that the
// kernel frees again on unmount (autoclear).
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, explainSystemError } from '../errors.js';
import { FS_MAGIC, sys } from '../sys.js';
import { isMountPoint } from '../mount-table.js';
import { runCommand } from './run-command.js';
import { temporaryName } from './temporary-name.js';

/** Sparse: a big ceiling costs nothing until layers are written. */
export const LOOPBACK_IMAGE_BYTES = 20 * 1024 ** 3;

function isBtrfs(dir: string): boolean {
  return sys().statfsType(dir) === FS_MAGIC.BTRFS;
}

async function makeImage(image: string): Promise<void> {
  // Formatted under a temporary name and renamed, so a crash never leaves a half-made image.
  const building = path.join(path.dirname(image), temporaryName(path.basename(image)));
  try {
    const fd = fs.openSync(building, 'wx', 0o600);
    try {
      fs.ftruncateSync(fd, LOOPBACK_IMAGE_BYTES);
    } finally {
      fs.closeSync(fd);
    }
    await runCommand('mkfs.btrfs', ['-q', building]);
    fs.renameSync(building, image);
  } catch (error) {
    fs.rmSync(building, { force: true });
    throw error;
  }
}

/** Makes `home` a btrfs filesystem (idempotent, safe when already mounted). */
export async function ensureBtrfs(storage: string, home: string): Promise<void> {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  if (isBtrfs(home)) return;
  const image = path.join(storage, 'btrfs.img');
  if (!fs.existsSync(image)) await makeImage(image);
  if (isMountPoint(home)) throw new BerthError('conflict', `${home} is mounted but is not btrfs: unmount it first`);
  await runCommand('mount', ['-o', 'loop', image, home]);
}

/** Unmounts the loopback filesystem if this driver mounted one (the image file stays). */
export function releaseBtrfs(storage: string, home: string): void {
  if (!fs.existsSync(path.join(storage, 'btrfs.img')) || !isMountPoint(home)) return;
  try {
    sys().umount(home, 0);
  } catch (error) {
    throw new BerthError('conflict', `unmount of the btrfs loopback ${home} failed: ${explainSystemError(error)}`, { cause: error });
  }
}
