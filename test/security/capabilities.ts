// A default container's capability sets are Docker's (runc's): the 14 default
// capabilities bounding, permitted and effective for root, inheritable and
// ambient empty (issue 11: the native runtime had CapInh = the bounding set).
// The same for `exec`, a health probe, a non-root user, and --runtime runc.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ok, removeAll } from '../_berth.js';
import { eventually } from '../_helpers.js';

const test = suite("security: capability sets are Docker's");

/** Docker 25's default set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP. */
const DOCKER_DEFAULT = '00000000a80425fb';
const NONE = '0000000000000000';
const ROOT = { CapInh: NONE, CapPrm: DOCKER_DEFAULT, CapEff: DOCKER_DEFAULT, CapBnd: DOCKER_DEFAULT, CapAmb: NONE };
const USER = { CapInh: NONE, CapPrm: NONE, CapEff: NONE, CapBnd: DOCKER_DEFAULT, CapAmb: NONE };

function caps(status: string): Record<string, string> {
  return Object.fromEntries([...status.matchAll(/^(Cap\w+):\s+([0-9a-f]+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

test.before(async () => {
  await ok(['pull', 'busybox']);
});

test.after(async () => {
  await removeAll();
});

for (const runtime of ['native', 'runc']) {
  test(`${runtime}: run as root: CapInh 0, CapAmb 0, CapPrm = CapEff = CapBnd = ${DOCKER_DEFAULT}`, async () => {
    assert.equal(caps(await ok(['run', '--rm', '--runtime', runtime, 'busybox', 'grep', 'Cap', '/proc/1/status'])), ROOT);
  });

  test(`${runtime}: run -u 1000: only the bounding set`, async () => {
    assert.equal(caps(await ok(['run', '--rm', '--runtime', runtime, '-u', '1000', 'busybox', 'grep', 'Cap', '/proc/self/status'])), USER);
  });

  test(`${runtime}: exec as root and as 1000`, async () => {
    const name = `caps-${runtime}`;
    await ok(['run', '-d', '--name', name, '--runtime', runtime, 'busybox', 'sleep', '600']);
    assert.equal(caps(await ok(['exec', name, 'grep', 'Cap', '/proc/self/status'])), ROOT);
    assert.equal(caps(await ok(['exec', '-u', '1000', name, 'grep', 'Cap', '/proc/self/status'])), USER);
    // pid 1 still has the same sets once something has been exec'd next to it
    assert.equal(caps(await ok(['exec', name, 'grep', 'Cap', '/proc/1/status'])), ROOT);
    await ok(['rm', '-f', name]);
  });
}

test('native: a health probe has the same sets as the container', async () => {
  await ok(['run', '-d', '--name', 'caps-probe', '--health-cmd', 'grep Cap /proc/self/status', '--health-interval', '100ms', 'busybox', 'sleep', '600']);
  const output = await eventually(async () => {
    const text = (await ok(['inspect', '-f', '{{json .State.Health.Log}}', 'caps-probe'])).trim();
    const log = text === 'null' ? [] : (JSON.parse(text) as Array<{ Output: string }>);
    return log[0]?.Output;
  }, 15_000, 'a health probe');
  assert.equal(caps(output), ROOT);
  await ok(['rm', '-f', 'caps-probe']);
});

test.run();
