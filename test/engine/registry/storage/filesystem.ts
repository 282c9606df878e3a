// The filesystem backend passes the conformance suite; its debris is any temp
// file in the tree and any upload directory left after a test.
import fs from 'node:fs';
import path from 'node:path';
import { FilesystemStorage } from '../../../../src/engine/registry/storage/filesystem.js';
import { tempDir } from '../../../_helpers.js';
import { runStorageConformance } from './_conformance.js';

const debris = (root: string, dir = root): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
  const full = path.join(dir, e.name);
  if (e.isDirectory()) return path.relative(root, dir) === 'uploads' ? [path.relative(root, full)] : debris(root, full);
  return e.name.endsWith('.tmp') || e.name.startsWith('.') ? [path.relative(root, full)] : [];
});

runStorageConformance({
  name: 'filesystem',
  create: () => new FilesystemStorage(tempDir('registry-')),
  leftovers: (storage) => debris(storage.root),
  destroy: (storage) => fs.rmSync(storage.root, { recursive: true, force: true }),
});
