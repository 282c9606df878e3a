// The filesystem driver passes the conformance suite; its debris is any temp
// file in the tree and any upload directory left after a test.
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FilesystemDriver } from '../../../../src/engine/registry/storage/drivers/filesystem.js';
import { tempDir } from '../../../_helpers.js';
import { runConformance } from './_conformance.js';

const debris = (root: string, dir = root): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
  const full = path.join(dir, e.name);
  if (e.isDirectory()) return path.relative(root, dir) === 'uploads' ? [path.relative(root, full)] : debris(root, full);
  return e.name.endsWith('.tmp') || e.name.startsWith('.') ? [path.relative(root, full)] : [];
});

runConformance({
  name: 'filesystem',
  create: () => new FilesystemDriver(tempDir('registry-')),
  leftovers: (driver) => debris(driver.root),
  destroy: (driver) => fs.rmSync(driver.root, { recursive: true, force: true }),
});

test('a temp file left by a crash between write and rename is not listed', async () => {
  const driver = new FilesystemDriver(tempDir('registry-'));
  await driver.put('/tags/latest', Buffer.from('{}'));
  fs.writeFileSync(path.join(driver.root, 'tags', '.latest.4242.0badf00d.tmp'), 'half');
  assert.equal(await driver.list('/tags'), ['/tags/latest']);
  fs.rmSync(driver.root, { recursive: true, force: true });
});
test.run();
