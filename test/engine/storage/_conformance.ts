// The conformance suite every storage driver runs (test/engine/storage/<driver>.ts
// is a few lines calling it).  It fails when a driver leaves files or mounts behind.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDriver, type Change, type DriverName, type StorageDriver } from '../../../src/engine/storage/index.js';
import { mountsUnder } from '../../../src/engine/mount-table.js';
import { statePaths } from '../../../src/engine/paths.js';
import { sys, S_IFCHR, S_IFIFO } from '../../../src/engine/sys.js';
import { berthRoot, rejects } from '../../_helpers.js';
import { describeTree } from './_tree.js';

// Layer ids carry this mark so the suite can look for anything left of them.
const MARK = 'c0nf-';
const BASE = `${MARK}base`, CHILD = `${MARK}child`, FRESH = `${MARK}fresh`, OTHER = `${MARK}other`;

// security.capability v2, cap_setuid + cap_net_bind_service (+ep): bytes >= 0x80 check PAX binary safety.
export const CAPABILITY = Buffer.from([0x01, 0, 0, 0x02, 0x80, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

function write(root: string, rel: string, content: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), content, { mode });
}

function populateBase(root: string): void {
  write(root, 'etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
  write(root, 'etc/hostname', 'old\n');
  write(root, 'keep/a', 'a');
  write(root, 'gone/x', 'x');
  write(root, 'dir-to-file/y', 'y');
  write(root, 'opaque/old1', '1');
  write(root, 'opaque/keep', 'keep');
  write(root, 'bin/tool', '#!/bin/sh\n', 0o755);
}

/** Every kind of change the suite checks, made through the mounted child. */
function changeChild(root: string): void {
  write(root, 'etc/added', 'new');
  write(root, 'etc/hostname', 'a new hostname\n');
  fs.rmSync(path.join(root, 'etc/passwd'));
  fs.rmSync(path.join(root, 'gone'), { recursive: true });
  fs.rmSync(path.join(root, 'dir-to-file'), { recursive: true });
  write(root, 'dir-to-file', 'now a file');
  fs.rmSync(path.join(root, 'opaque'), { recursive: true });
  fs.mkdirSync(path.join(root, 'opaque'));
  write(root, 'opaque/keep', 'kept, with other content');
  write(root, 'opaque/new', 'n');
  fs.mkdirSync(path.join(root, 'new'), { mode: 0o750 });
  sys().mknod(path.join(root, 'new/fifo'), S_IFIFO | 0o640, 0, 0);
  sys().mknod(path.join(root, 'new/null'), S_IFCHR | 0o666, 1, 3);
  fs.symlinkSync('../etc/hostname', path.join(root, 'new/link'));
  write(root, 'new/hl1', 'linked');
  fs.linkSync(path.join(root, 'new/hl1'), path.join(root, 'new/hl2'));
  write(root, 'new/cap', 'a tool with a capability', 0o750);
  fs.chownSync(path.join(root, 'new/cap'), 1234, 5678);
  fs.chmodSync(path.join(root, 'new/cap'), 0o750);
  sys().lsetxattr(path.join(root, 'new/cap'), 'security.capability', CAPABILITY);
  sys().lsetxattr(path.join(root, 'new/cap'), 'user.note', Buffer.from([0xff, 0x00, 0xfe]));
}

const EXPECTED_CHANGES: Change[] = [
  { path: '/dir-to-file', kind: 'C' },
  { path: '/etc', kind: 'C' },
  { path: '/etc/added', kind: 'A' },
  { path: '/etc/hostname', kind: 'C' },
  { path: '/etc/passwd', kind: 'D' },
  { path: '/gone', kind: 'D' },
  { path: '/new', kind: 'A' },
  { path: '/new/cap', kind: 'A' },
  { path: '/new/fifo', kind: 'A' },
  { path: '/new/hl1', kind: 'A' },
  { path: '/new/hl2', kind: 'A' },
  { path: '/new/link', kind: 'A' },
  { path: '/new/null', kind: 'A' },
  { path: '/opaque', kind: 'C' },
  { path: '/opaque/keep', kind: 'C' },
  { path: '/opaque/new', kind: 'A' },
  { path: '/opaque/old1', kind: 'D' },
];

/** Removes every layer, children first (also after a failed test). */
async function removeAll(driver: StorageDriver): Promise<void> {
  for (let round = 0; round < 20 && driver.list().length > 0; round++) {
    for (const id of driver.list()) {
      if (!driver.list().some((other) => driver.parent(other) === id)) await driver.remove(id);
    }
  }
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory() || entry.name.includes(MARK))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

export function storageDriverSuite(name: DriverName): void {
  const test = suite(`storage driver: ${name}`);
  const paths = statePaths(berthRoot());
  const home = path.join(paths.storage, name);
  const driver = createDriver(name, paths);

  test.before(async () => {
    await driver.init();
    await driver.init(); // idempotent
  });

  test.after(async () => {
    await removeAll(driver);
    await driver.shutdown();
  });

  test('create, exists, parent and list', async () => {
    await driver.create(BASE);
    const base = await driver.mount(BASE);
    populateBase(base);
    await driver.unmount(BASE);
    await driver.create(CHILD, BASE);
    assert.ok(driver.exists(BASE));
    assert.ok(driver.exists(CHILD));
    assert.not.ok(driver.exists(`${MARK}missing`));
    assert.is(driver.parent(CHILD), BASE);
    assert.is(driver.parent(BASE), undefined);
    assert.equal(driver.list(), [BASE, CHILD]);
  });

  test('create refuses an existing id and an unknown parent', async () => {
    const existing = await rejects(driver.create(BASE), /already exists/, 'create of an existing id');
    assert.is((existing as { kind?: string }).kind, 'conflict');
    const missing = await rejects(driver.create(OTHER, `${MARK}missing`), /does not exist/, 'create on an unknown parent');
    assert.is((missing as { kind?: string }).kind, 'not-found');
    assert.not.ok(driver.exists(OTHER));
  });

  test('mount shows the parent content plus its own, twice at the same path', async () => {
    const child = await driver.mount(CHILD);
    assert.is(await driver.mount(CHILD), child);
    assert.is(fs.readFileSync(path.join(child, 'etc/passwd'), 'utf8'), 'root:x:0:0:root:/root:/bin/sh\n');
    write(child, 'only-in-child', 'x');
    assert.ok(fs.existsSync(path.join(child, 'only-in-child')));
    const base = await driver.mount(BASE);
    assert.not.ok(fs.existsSync(path.join(base, 'only-in-child')), 'a write in the child shows in the parent');
    fs.rmSync(path.join(child, 'only-in-child'));
    await driver.unmount(BASE);
    await driver.unmount(CHILD);
    await driver.unmount(CHILD); // a no-op when not mounted
  });

  test('changes() reports A, C and D exactly', async () => {
    changeChild(await driver.mount(CHILD));
    assert.equal(await driver.changes(CHILD), EXPECTED_CHANGES);
    const baseChanges = await driver.changes(BASE);
    assert.ok(baseChanges.every((c) => c.kind === 'A'), 'a layer without a parent only adds');
    assert.ok(baseChanges.some((c) => c.path === '/etc/passwd'));
    assert.ok((await driver.size(CHILD)) > 0);
  });

  test('diff() then applyDiff() onto a fresh layer reproduces the tree', async () => {
    await driver.create(FRESH, BASE);
    const bytes = await driver.applyDiff(FRESH, driver.diff(CHILD));
    assert.ok(bytes > 0, 'applyDiff counts the bytes it wrote');
    const expected = await describeTree(await driver.mount(CHILD));
    const actual = await describeTree(await driver.mount(FRESH));
    assert.equal(actual, expected);
    assert.is(actual['new/cap'].xattrs['security.capability'], CAPABILITY.toString('hex'));
    assert.equal(actual['new/hl1'].hardLinks, ['new/hl1', 'new/hl2']);
    assert.is(actual['new/fifo'].type, 'fifo');
    assert.is(actual['new/null'].type, 'char');
    assert.equal(await driver.changes(FRESH), EXPECTED_CHANGES);
  });

  test('remove refuses a layer with children', async () => {
    const error = await rejects(driver.remove(BASE), /parent of/, 'remove of a parent');
    assert.is((error as { kind?: string }).kind, 'conflict');
    assert.ok(driver.exists(BASE));
  });

  test('remove leaves no files or mounts behind', async () => {
    await driver.remove(FRESH);
    await driver.remove(CHILD);
    await driver.remove(BASE);
    await driver.remove(BASE); // a no-op when absent
    assert.equal(driver.list(), []);
    assert.equal(filesUnder(home), [], `files left under ${home}`);
    assert.equal(mountsUnder(home).filter((m) => m !== home), [], `mounts left under ${home}`);
  });

  test.run();
}
