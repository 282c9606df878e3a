// A registry's storage that must already be there, for the commands that
// work on one rather than serve it (`registry garbage-collect`).  Opening a
// directory makes the top of the layout (filesystem.ts), which is right for
// `registry serve` and wrong here: a mistyped --storage would otherwise be
// "collected" as an empty registry and left with three new directories in
// it.  So a plain path or file:// URL must be a directory that holds
// blobs/ or repositories/; other URLs (memory://, s3://) open as usual.
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, notFound } from '../../errors.js';
import { DriverStorage } from './driver-storage.js';
import { openRegistryStorage, storageDirectory } from './open.js';

export function openExistingStorage(location: string): DriverStorage {
  const dir = storageDirectory(location);
  if (dir !== undefined) {
    const hint = "give --storage the directory the registry serves (`registry serve --storage`; default <root>/registry)";
    if (!fs.existsSync(dir)) throw notFound(`no registry storage at ${dir}: no such directory (${hint})`);
    if (!fs.statSync(dir).isDirectory()) throw notFound(`no registry storage at ${dir}: not a directory (${hint})`);
    if (!['blobs', 'repositories'].some((sub) => fs.existsSync(path.join(dir, sub)))) {
      throw notFound(`no registry storage at ${dir}: it holds neither blobs/ nor repositories/ (${hint})`);
    }
  }
  const storage = openRegistryStorage(location);
  if (!(storage instanceof DriverStorage)) throw new BerthError('invalid', `${storage.description}: garbage collection works over a storage driver, and this storage has none`);
  return storage;
}
