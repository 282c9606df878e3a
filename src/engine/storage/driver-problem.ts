// Whether a storage driver can work on this machine, and what to do when it
// cannot.  Apart from the drivers (index.ts) so that the door exports it
// without loading them: the bench asks before it opens any engine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BerthError } from '../errors.js';
import type { DriverName } from './driver.js';

function kernelHasFilesystem(fstype: string): boolean {
  const listed = fs.readFileSync('/proc/filesystems', 'utf8').split('\n').some((line) => line.split('\t').pop() === fstype);
  if (listed) return true;
  // Not loaded yet, but a module the kernel loads on first mount.
  const modules = path.join('/lib/modules', os.release(), 'kernel', 'fs', fstype);
  return fs.existsSync(modules);
}

function onPath(program: string): boolean {
  const dirs = (process.env.PATH || '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat(['/usr/sbin', '/sbin']);
  return dirs.some((dir) => {
    try {
      fs.accessSync(path.join(dir, program), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why driver `name` cannot work on this machine, or undefined when it can. */
export function driverProblem(name: DriverName): string | undefined {
  if (name === 'overlay' && !kernelHasFilesystem('overlay')) {
    return 'the overlay storage driver needs overlayfs, which this kernel lacks (not in /proc/filesystems): run `modprobe overlay`, or use --storage-driver vfs';
  }
  if (name === 'btrfs') {
    if (!kernelHasFilesystem('btrfs')) return 'the btrfs storage driver needs btrfs in the kernel (not in /proc/filesystems): run `modprobe btrfs`, or use --storage-driver overlay';
    if (!onPath('mkfs.btrfs') || !onPath('btrfs')) return 'the btrfs storage driver needs btrfs-progs (mkfs.btrfs, btrfs): run `apt-get install btrfs-progs`, or use --storage-driver overlay';
  }
  return undefined;
}

/** Throws BerthError 'permission' naming the missing kernel feature or package when driver `name` cannot work here. */
export function assertDriverWorks(name: DriverName): void {
  const problem = driverProblem(name);
  if (problem !== undefined) throw new BerthError('permission', problem);
}
