// --privileged, --cap-add, --cap-drop, --read-only and --security-opt seen
// from inside real containers, for both runtimes, and in `inspect`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { berth, ok, removeAll } from '../_berth.js';

const flags = suite('security flags');

flags.before(async () => {
  await ok(['pull', 'busybox']);
});
flags.after(removeAll);

const capLine = (status: string, field: string) => new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1];
const DOCKER_DEFAULT = '00000000a80425fb';

for (const runtime of ['native', 'runc']) {
  flags(`${runtime}: Docker's capabilities by default; --cap-drop ALL --cap-add NET_RAW keeps one; CapInh and CapAmb empty`, async () => {
    const plain = await ok(['run', '--rm', '--net', 'none', '--runtime', runtime, 'busybox', 'cat', '/proc/self/status']);
    assert.is(capLine(plain, 'CapEff'), DOCKER_DEFAULT);
    assert.is(capLine(plain, 'CapBnd'), DOCKER_DEFAULT);
    assert.is(capLine(plain, 'CapAmb'), '0000000000000000');
    const one = await ok(['run', '--rm', '--net', 'none', '--runtime', runtime, '--cap-drop', 'ALL', '--cap-add', 'net_raw', 'busybox', 'cat', '/proc/self/status']);
    assert.is(capLine(one, 'CapEff'), (1 << 13).toString(16).padStart(16, '0'));
    assert.is(capLine(one, 'CapBnd'), (1 << 13).toString(16).padStart(16, '0'));
    // Without CAP_CHOWN, root cannot give a file away.
    const chown = await berth(['run', '--rm', '--net', 'none', '--runtime', runtime, '--cap-drop', 'CHOWN', 'busybox', 'sh', '-c', 'touch /f && chown 1:1 /f']);
    assert.is.not(chown.code, 0);
    assert.match(chown.stderr, /Operation not permitted/);
  });

  flags(`${runtime}: --read-only: the root is read-only, /dev/shm, /proc and /etc/hosts are not`, async () => {
    const result = await berth(['run', '--rm', '--runtime', runtime, '--read-only', 'busybox', 'sh', '-c',
      'touch /tmp/x 2>&1; touch /root/x 2>&1; touch /dev/shm/ok && echo shm-ok; echo 1.2.3.4 extra >> /etc/hosts && echo hosts-ok']);
    assert.is(result.code, 0, result.stderr);
    assert.match(result.stdout, /touch: \/tmp\/x: Read-only file system/);
    assert.match(result.stdout, /touch: \/root\/x: Read-only file system/);
    assert.match(result.stdout, /shm-ok/);
    assert.match(result.stdout, /hosts-ok/);
  });

  flags(`${runtime}: --privileged: all of the engine's capabilities, /proc/sys writable, no masked paths`, async () => {
    const out = await ok(['run', '--rm', '--net', 'none', '--runtime', runtime, '--privileged', 'busybox', 'sh', '-c',
      'grep CapEff /proc/self/status; mount | grep -c " /proc/sys " ; cat /proc/timer_list | head -c 40 | wc -c']);
    const [eff, roSys, timer] = out.trim().split('\n');
    assert.ok(BigInt(`0x${eff!.split(/\s+/)[1]}`) & (1n << 21n), `CAP_SYS_ADMIN in ${eff}`);
    assert.is(roSys, '0'); // not bound read-only
    assert.is(timer, '40'); // not masked by /dev/null
    const plain = await ok(['run', '--rm', '--net', 'none', '--runtime', runtime, 'busybox', 'sh', '-c', 'mount | grep -c " /proc/sys "; cat /proc/timer_list | wc -c']);
    assert.equal(plain.trim().split('\n'), ['1', '0']);
  });
}

flags('inspect shows every security setting in Docker\'s HostConfig fields', async () => {
  await ok(['create', '--name', 'secured', '--cap-add', 'NET_ADMIN', '--cap-drop', 'mknod', '--read-only', '--security-opt', 'no-new-privileges', 'busybox', 'true']);
  const host = JSON.parse(await ok(['inspect', '-f', '{{json .HostConfig}}', 'secured']));
  assert.equal(host.CapAdd, ['CAP_NET_ADMIN']);
  assert.equal(host.CapDrop, ['CAP_MKNOD']);
  assert.is(host.ReadonlyRootfs, true);
  assert.is(host.Privileged, false);
  assert.equal(host.SecurityOpt, ['no-new-privileges=true']);
  assert.equal(host.Devices, []);
  await ok(['create', '--name', 'plain', 'busybox', 'true']);
  const plain = JSON.parse(await ok(['inspect', '-f', '{{json .HostConfig}}', 'plain']));
  assert.is(plain.CapAdd, null);
  assert.is(plain.SecurityOpt, null);
  assert.is(plain.Privileged, false);
});

flags('bad flags are refused at create with 125, naming the flag', async () => {
  const before = await ok(['ps', '-aq']);
  for (const [args, pattern] of [
    [['--cap-add', 'FLY'], /invalid CapAdd: unknown capability: "FLY"/],
    [['--security-opt', 'bogus'], /invalid --security-opt bogus/],
    [['--security-opt', 'seccomp=/no/such.json'], /opening seccomp profile \(\/no\/such.json\) failed/],
    [['--device', 'not-a-path'], /invalid device specification/],
  ] as const) {
    const result = await berth(['run', '--rm', ...args, 'busybox', 'true']);
    assert.is(result.code, 125, args.join(' '));
    assert.match(result.stderr, pattern);
  }
  assert.is(await ok(['ps', '-aq']), before, 'no container was created by a refused run');
});

flags.run();
