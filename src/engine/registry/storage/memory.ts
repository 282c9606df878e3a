// The registry's storage in memory, for tests and a throwaway registry: the
// semantics (driver-storage.ts) over the memory driver.  Everything is lost
// when the process ends.
import { DriverStorage } from './driver-storage.js';
import { MemoryDriver } from './drivers/memory.js';

export class MemoryStorage extends DriverStorage {
  constructor() {
    super(new MemoryDriver());
  }
}
