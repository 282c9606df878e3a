// A deep overlay whose lowerdir list of absolute paths does not fit one page
// still mounts (relative paths from storage/overlay); one too deep even for
// that fails with a message that says so.
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { statePaths } from '../../../src/engine/paths.js';
import { createDriver } from '../../../src/engine/storage/index.js';
import { berthRoot, rejects } from '../../_helpers.js';

const paths = statePaths(berthRoot());
const driver = createDriver('overlay', paths);
const idOf = (i: number) => `deep-${String(i).padStart(3, '0')}-${'x'.repeat(90)}`;
const ids: string[] = [];

test.after(async () => {
  for (const id of [...ids].reverse()) await driver.remove(id);
});

test('30 lower layers with long ids mount through relative paths', async () => {
  await driver.init();
  for (let i = 0; i < 31; i++) {
    await driver.create(idOf(i), i === 0 ? undefined : idOf(i - 1));
    ids.push(idOf(i));
    fs.writeFileSync(path.join(paths.storage, 'overlay', idOf(i), 'diff', `f${i}`), String(i));
  }
  const absoluteBytes = ids.slice(0, 30).reduce((n, id) => n + path.join(paths.storage, 'overlay', id, 'diff').length + 1, 0);
  assert.ok(absoluteBytes > 4096, `the absolute lowerdir list (${absoluteBytes} bytes) must not fit one page for this test`);
  const cwd = process.cwd();
  const top = await driver.mount(idOf(30));
  assert.is(process.cwd(), cwd, 'the working directory is restored after the mount');
  assert.is(fs.readFileSync(path.join(top, 'f0'), 'utf8'), '0');
  assert.is(fs.readFileSync(path.join(top, 'f30'), 'utf8'), '30');
  await driver.unmount(idOf(30));
});

test('an image too deep even for relative paths fails clearly', async () => {
  for (let i = 31; i < 45; i++) {
    await driver.create(idOf(i), idOf(i - 1));
    ids.push(idOf(i));
  }
  await rejects(driver.mount(idOf(44)), /44 lower layers do not fit in one page/);
});

test.run();
