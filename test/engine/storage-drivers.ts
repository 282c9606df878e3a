// Every storage driver carries the whole container story, not only the
// conformance suite: run, diff, commit, run the committed image, rm.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Engine } from '../../src/engine/engine.js';
import type { DriverName } from '../../src/engine/storage/driver.js';
import { berthRoot } from '../_helpers.js';

for (const driver of ['overlay', 'vfs', 'btrfs'] as DriverName[]) {
  const test = suite(`containers on ${driver}`);
  let engine: Engine;
  test.before(async () => {
    engine = await Engine.open({ root: path.join(berthRoot(), driver), storageDriver: driver });
  });
  test.after(async () => {
    for (const c of await engine.list()) await engine.remove(c.id, { force: true });
    await engine.stopHub();
    await engine.shutdown();
  });

  test('run, diff, commit and run the new image', async () => {
    assert.is(engine.storageDriver, driver);
    const changed = await engine.run({ image: 'busybox', cmd: ['sh', '-c', 'rm /etc/passwd; mkdir -p /srv/app; echo v1 > /srv/app/version'] });
    assert.is(changed.exitCode, 0, changed.stderr);
    const diff = (await engine.diff(changed.id)).map((c) => `${c.kind} ${c.path}`);
    for (const line of ['D /etc/passwd', 'A /srv/app', 'A /srv/app/version']) assert.ok(diff.includes(line), `${line} in ${diff}`);
    await engine.commit(changed.id, { reference: `committed-${driver}` });
    const check = await engine.run({ image: `committed-${driver}`, cmd: ['sh', '-c', 'cat /srv/app/version; cat /etc/passwd 2>&1'], autoRemove: true });
    assert.is(check.stdout, "v1\ncat: can't open '/etc/passwd': No such file or directory\n");
    await engine.remove(changed.id);
  });

  test('the settings file remembers the driver of a state root', async () => {
    const settings = JSON.parse(fs.readFileSync(path.join(berthRoot(), driver, 'config.json'), 'utf8'));
    assert.is(settings.storageDriver, driver);
    const again = await Engine.open({ root: path.join(berthRoot(), driver) });
    assert.is(again.storageDriver, driver);
  });

  test.run();
}
