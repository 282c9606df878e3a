// Choosing a storage driver, and saying clearly when one cannot work here
// (driver-problem.ts).
import type { Paths } from '../paths.js';
import { BtrfsDriver } from './btrfs.js';
import type { DriverName, StorageDriver } from './driver.js';
import { OverlayDriver } from './overlay.js';
import { VfsDriver } from './vfs.js';

export type { Change, DriverName, StorageDriver } from './driver.js';
export { DRIVER_NAMES } from './driver.js';
export { assertDriverWorks, driverProblem } from './driver-problem.js';

export function createDriver(name: DriverName, paths: Paths): StorageDriver {
  switch (name) {
    case 'overlay': return new OverlayDriver(paths);
    case 'btrfs': return new BtrfsDriver(paths);
    case 'vfs': return new VfsDriver(paths);
  }
}
