// The registry's storage on a directory tree: the semantics (driver-storage.ts)
// over the filesystem driver, in the layout of layout.ts.
import fs from 'node:fs';
import path from 'node:path';
import { DriverStorage } from './driver-storage.js';
import { FilesystemDriver } from './drivers/filesystem.js';
import { BLOBS, REPOSITORIES, UPLOADS } from './layout.js';

export class FilesystemStorage extends DriverStorage {
  constructor(readonly root: string) {
    super(new FilesystemDriver(root));
    // The top of the layout exists from the start, so the tree reads with `ls` before the first push.
    for (const dir of [BLOBS, REPOSITORIES, UPLOADS]) fs.mkdirSync(path.join(root, dir), { recursive: true });
  }
}
