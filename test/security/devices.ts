// Issue 11 row 2: a container must not reach a host block device.  The
// canary is a file outside any rootfs, attached to a loop device by the test:
// a container that gets its major:minor (mknod, which Docker allows, or a node
// shipped in an image) must read nothing of it and write nothing to it.  The
// devices cgroup decides: v1 devices.allow/deny, v2 a BPF_PROG_TYPE_CGROUP_DEVICE
// program (proven here on the machine's cgroup2 mount: its own on a v2 host,
// the unified hierarchy of a hybrid one).  --device grants exactly the one
// node, with the permissions asked; --privileged grants all.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { berth, ok, removeAll } from '../_berth.js';
import { outsideDir } from '../_helpers.js';
import { cgroupHost, cgroupVersion, createCgroup, removeCgroup, type Cgroup, type CgroupHost } from '../../src/engine/runtime/cgroups.js';
import { DEVICE_RULES } from '../../src/engine/runtime/oci-defaults.js';
import { resolveSettings } from '../../src/engine/settings.js';

/** this test run's cgroups, from its settings (the runner's BERTH_CGROUP_PARENT) */
const engineCgroups = cgroupHost(resolveSettings());

const test = suite('security: devices');
const SECRET = `berth-canary-${process.pid}-${Date.now()}`;
let dir = '';
let image = '';
let loop = '';
let major = 0, minor = 0;
const canaryBytes = () => fs.readFileSync(image);
let original: Buffer;
const NONE = ['--network', 'none'];

test.before(async () => {
  dir = outsideDir('berth-devices-');
  image = path.join(dir, 'canary.img');
  const data = Buffer.alloc(64 * 1024);
  data.write(SECRET);
  fs.writeFileSync(image, data);
  original = canaryBytes();
  loop = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim();
  const rdev = fs.statSync(loop).rdev;
  major = Math.floor(rdev / 256) & 0xfff;
  minor = (rdev & 0xff) | ((Math.floor(rdev / 4096)) & ~0xff);
});

test.after(async () => {
  await removeAll().catch(() => undefined);
  await ok(['rmi', '-f', 'berth-test-devimg']).catch(() => undefined);
  if (loop) execFileSync('losetup', ['-d', loop]);
  fs.rmSync(dir, { recursive: true, force: true });
});

function assertCanaryUntouched(): void {
  assert.ok(canaryBytes().equals(original), 'the canary behind the loop device was changed');
}

/** The attack, in a shell: make the node (when asked), read it, try to write it. */
const attack = (node: string, mknod: boolean) =>
  `${mknod ? `mknod ${node} b ${major} ${minor} || echo mknod-failed; ` : ''}` +
  `head -c 64 ${node}; echo; echo read=$?; echo pwned | dd of=${node} conv=notrunc 2>&1; echo write=$?`;

test('--device is read as Docker reads it, and bad specifications are refused', async () => {
  const { parseDevice } = await import('../../src/engine/security/devices.js');
  assert.equal(parseDevice('/dev/fuse'), { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' });
  assert.equal(parseDevice('/dev/sda:/dev/xvda'), { PathOnHost: '/dev/sda', PathInContainer: '/dev/xvda', CgroupPermissions: 'rwm' });
  assert.equal(parseDevice('/dev/sda:r'), { PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'r' });
  assert.equal(parseDevice('/dev/sda:/dev/xvda:rw'), { PathOnHost: '/dev/sda', PathInContainer: '/dev/xvda', CgroupPermissions: 'rw' });
  for (const bad of ['', 'dev/sda', '/dev/sda:xvda', '/dev/sda:/dev/x:rwx', '/dev/sda:/dev/x:rr', '/a:/b:r:w']) {
    assert.throws(() => parseDevice(bad), /invalid device specification/, bad);
  }
});

test('the rules become v1 lines and a v2 program that ends where a rule matches everything', async () => {
  const { v1DeviceRule, deviceFilterProgram } = await import('../../src/engine/runtime/device-filter.js');
  assert.is(v1DeviceRule({ allow: false, access: 'rwm' }), 'a *:* rwm');
  assert.is(v1DeviceRule({ allow: true, type: 'c', major: 136, access: 'rwm' }), 'c 136:* rwm');
  assert.is(v1DeviceRule({ allow: true, type: 'b', major: 7, minor: 0, access: 'r' }), 'b 7:0 r');
  // --privileged: one rule, allow all: the program says yes at once.
  const all = deviceFilterProgram([{ allow: true, access: 'rwm' }]);
  assert.equal(all.slice(-2).map((i) => [i.code, i.imm]), [[0xb7, 1], [0x95, 0]]);
  // Docker's list: tried last rule first; the first ("a" denied) ends it, nothing unreachable after.
  const program = deviceFilterProgram(DEVICE_RULES.map((r) => ({ ...r })));
  assert.equal(program.slice(-2).map((i) => [i.code, i.imm]), [[0xb7, 0], [0x95, 0]]);
  for (const [n, i] of program.entries()) if (i.code === 0x55 || i.code === 0x5d || i.code === 0x15) assert.ok(n + 1 + i.off < program.length, `jump ${n} leaves the program`);
});

test('/sys/fs/cgroup is expanded for v1 (tmpfs, a mount per hierarchy, joint names twice, read-only) and v2', async () => {
  const { expandCgroupfs } = await import('../../src/engine/runtime/cgroup-mounts.js');
  const request = { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] };
  const v2 = expandCgroupfs([request], { version: 2, root: '/sys/fs/cgroup', hierarchies: [] });
  assert.equal(v2, [{ destination: '/sys/fs/cgroup', type: 'cgroup2', source: 'cgroup2', options: request.options }]);
  const v1 = expandCgroupfs([request], { version: 1, root: '/sys/fs/cgroup', hierarchies: [] }, [
    { mountPoint: '/sys/fs/cgroup/cpu,cpuacct', controllers: ['cpu', 'cpuacct'] },
    { mountPoint: '/sys/fs/cgroup/memory', controllers: ['memory'] },
    { mountPoint: '/sys/fs/cgroup/systemd', controllers: [], name: 'systemd' },
    { mountPoint: '/sys/fs/cgroup/unified', controllers: [] },
  ]);
  assert.equal(v1.map((m) => `${m.type ?? ''} ${m.destination} ${(m.options ?? []).filter((o) => !['nosuid', 'noexec', 'nodev', 'relatime'].includes(o)).join(',')}`), [
    'tmpfs /sys/fs/cgroup mode=755,size=64k',
    'cgroup /sys/fs/cgroup/cpu,cpuacct ro,cpu,cpuacct',
    'cgroup /sys/fs/cgroup/memory ro,memory',
    'cgroup /sys/fs/cgroup/systemd ro,none,name=systemd',
    'cgroup /sys/fs/cgroup/cpu ro,cpu,cpuacct',
    'cgroup /sys/fs/cgroup/cpuacct ro,cpu,cpuacct',
    ' /sys/fs/cgroup remount,ro,mode=755,size=64k',
  ]);
});

test('a default container can mknod a host block device, but not open it (EPERM), and the canary is untouched', async () => {
  const result = await berth(['run', '--rm', ...NONE, 'busybox', 'sh', '-c', attack('/tmp/b', true)]);
  const out = result.stdout + result.stderr;
  assert.not.match(out, 'mknod-failed', 'mknod of any block device stays allowed (Docker: b *:* m)');
  assert.not.ok(out.includes(SECRET), `the container read the host's block device:\n${out}`);
  assert.match(out, /head: \/tmp\/b: Operation not permitted/);
  assert.match(out, /Operation not permitted/);
  assertCanaryUntouched();
});

test('a block device node shipped in an image is denied to uid 1000 and to root', async () => {
  // Made in a default container (mknod is allowed) and committed: an image anyone could push to the hub.
  await ok(['run', '--name', 'shipper', ...NONE, 'busybox', 'sh', '-c', `mknod /node b ${major} ${minor} && chmod 666 /node`]);
  await ok(['commit', 'shipper', 'berth-test-devimg']);
  await ok(['rm', 'shipper']);
  for (const user of ['1000', '0']) {
    const result = await berth(['run', '--rm', ...NONE, '--user', user, 'berth-test-devimg', 'sh', '-c', `ls -l /node; ${attack('/node', false)}`]);
    const out = result.stdout + result.stderr;
    assert.match(out, new RegExp(`brw-rw-rw-.*${major}, *${minor} .*/node`), out);
    assert.not.ok(out.includes(SECRET), `uid ${user} read the host's block device through the image's node:\n${out}`);
    assert.match(out, /head: \/node: Operation not permitted/, out);
  }
  assertCanaryUntouched();
});

test('--device grants that one device with its permissions, and nothing else', async () => {
  const granted = await berth(['run', '--rm', ...NONE, '--device', loop, 'busybox', 'sh', '-c', `ls -l ${loop}; head -c 64 ${loop}; echo; mknod /tmp/other b ${major} ${minor + 1000}; head -c 1 /tmp/other; head -c 1 /dev/zero >/dev/null && echo zero-ok`]);
  const out = granted.stdout + granted.stderr;
  assert.ok(out.includes(SECRET), `--device ${loop} did not give read access:\n${out}`);
  assert.match(out, /head: \/tmp\/other: Operation not permitted/, out);
  assert.match(out, /zero-ok/);
  // Read-only, under another name: reads work, writes are refused.
  const readOnly = await berth(['run', '--rm', ...NONE, '--device', `${loop}:/dev/xvdz:r`, 'busybox', 'sh', '-c', `head -c 64 /dev/xvdz; echo; echo pwned | dd of=/dev/xvdz conv=notrunc; echo write=$?`]);
  const ro = readOnly.stdout + readOnly.stderr;
  assert.ok(ro.includes(SECRET), ro);
  assert.match(ro, /Operation not permitted/, ro);
  assert.match(ro, /write=1/, ro);
  assertCanaryUntouched();
});

test('--device of a path that is not a device fails clearly (125)', async () => {
  const result = await berth(['run', '--rm', ...NONE, '--device', '/etc/hostname', 'busybox', 'true']);
  assert.is(result.code, 125, result.stderr);
  assert.match(result.stderr, 'error gathering device information while adding custom device "/etc/hostname": not a device node');
  const bad = await berth(['run', '--rm', ...NONE, '--device', `${loop}:/dev/x:rwz`, 'busybox', 'true']);
  assert.is(bad.code, 125, bad.stderr);
  assert.match(bad.stderr, /bad mode specified: rwz/);
});

test('--privileged has every host device in /dev, and may use them', async () => {
  const result = await berth(['run', '--rm', ...NONE, '--privileged', 'busybox', 'sh', '-c', `ls -l ${loop}; head -c 64 ${loop}; echo; ls -l /dev/ptmx`]);
  const out = result.stdout + result.stderr;
  assert.ok(out.includes(SECRET), out);
  assert.match(out, /\/dev\/ptmx -> pts\/ptmx/, 'ptmx stays the container\'s own');
  assertCanaryUntouched();
});

const hasRunc = (() => { try { execFileSync('runc', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } })();

test('the same with --runtime runc: mknod + read is EPERM, --device grants it', async () => {
  if (!hasRunc) return;
  const denied = await berth(['run', '--rm', ...NONE, '--runtime', 'runc', 'busybox', 'sh', '-c', attack('/tmp/b', true)]);
  const out = denied.stdout + denied.stderr;
  assert.not.ok(out.includes(SECRET), out);
  assert.match(out, /Operation not permitted/, out);
  const granted = await berth(['run', '--rm', ...NONE, '--runtime', 'runc', '--device', loop, 'busybox', 'head', '-c', '64', loop]);
  assert.ok(granted.stdout.includes(SECRET), granted.stdout + granted.stderr);
  assertCanaryUntouched();
});

// The cgroup v2 path, on a real cgroup2 mount.  A hybrid machine's unified
// hierarchy has no controllers, but the kernel runs the BPF device hook of
// the task's cgroup there all the same.
function v2Host(): CgroupHost | undefined {
  if (cgroupVersion() === 2) return engineCgroups;
  const line = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => / - cgroup2 /.test(l));
  return line ? { version: 2, root: line.split(' ')[4]!, hierarchies: [], parent: engineCgroups.parent } : undefined;
}

function inCgroup(cg: Cgroup, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `echo $$ > ${cg.procsFiles[0]} || exit 99; ${script}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

test('cgroup v2: the BPF device program denies what the rules do not allow (EPERM), replaces itself on restart', async () => {
  const host = v2Host();
  if (!host) return;
  const { deviceFilterCount } = await import('../../src/engine/runtime/device-filter.js');
  const node = path.join(dir, 'node');
  execFileSync('mknod', [node, 'b', String(major), String(minor)]);
  const made: Cgroup[] = [];
  try {
    const cg = createCgroup('devices-v2', {}, host, DEVICE_RULES.map((r) => ({ ...r })));
    made.push(cg);
    assert.is(deviceFilterCount(cg.paths[0]!), 1);
    const denied = await inCgroup(cg, `busybox head -c 64 ${node}; echo; busybox head -c 4 /dev/zero | od -An -tx1; mknod ${dir}/c2 c 1 11 && echo mknod-ok; busybox head -c 1 ${dir}/c2`);
    assert.not.ok(denied.includes(SECRET), denied);
    assert.match(denied, `head: ${node}: Operation not permitted`);
    assert.match(denied, /00 00 00 00/); // /dev/zero is on the list
    assert.match(denied, /mknod-ok/); // c *:* m
    assert.match(denied, `head: ${dir}/c2: Operation not permitted`);
    // A restart applies the list again: one program, now with the device allowed read-only.
    const again = createCgroup('devices-v2', {}, host, [...DEVICE_RULES.map((r) => ({ ...r })), { allow: true, type: 'b', major, minor, access: 'r' }]);
    assert.is(deviceFilterCount(again.paths[0]!), 1);
    const allowed = await inCgroup(again, `busybox head -c 64 ${node}; echo; echo pwned | dd of=${node} conv=notrunc; echo write=$?`);
    assert.ok(allowed.includes(SECRET), allowed);
    assert.match(allowed, /write=1/, allowed);
    // A later deny of one access wins over an earlier allow, for any request that includes it (O_RDWR too).
    const partly = createCgroup('devices-v2', {}, host, [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 5, access: 'w' }]);
    const mixed = await inCgroup(partly, 'busybox head -c 1 /dev/zero >/dev/null && echo read-ok; (exec 3>/dev/zero) 2>/dev/null || echo write-denied; (exec 3<>/dev/zero) 2>/dev/null || echo rdwr-denied');
    assert.match(mixed, /read-ok/, mixed);
    assert.match(mixed, /write-denied/, mixed);
    assert.match(mixed, /rdwr-denied/, mixed);
  } finally {
    for (const cg of made) await removeCgroup(cg);
    if (host.root !== '/sys/fs/cgroup') try { fs.rmdirSync(path.join(host.root, engineCgroups.parent)); } catch { /* shared */ }
  }
  assertCanaryUntouched();
});

test('cgroup v2 end to end: containers get the BPF filter (a hybrid machine runs the engine on its cgroup2 mount)', async () => {
  const host = v2Host();
  if (!host) return;
  // On a v2 machine this is the engine as it always runs; on a hybrid one, BERTH_CGROUP2_ROOT makes it use the v2 code paths.
  const env = cgroupVersion() === 1 ? { BERTH_CGROUP2_ROOT: host.root } : {};
  const denied = await berth(['run', '--rm', ...NONE, 'busybox', 'sh', '-c', `${attack('/tmp/b', true)}; grep cgroup /proc/mounts; touch /sys/fs/cgroup/x`], { env });
  const out = denied.stdout + denied.stderr;
  assert.is(denied.code, 1, out);
  assert.not.ok(out.includes(SECRET), out);
  assert.match(out, /head: \/tmp\/b: Operation not permitted/, out);
  assert.match(out, /^cgroup2 \/sys\/fs\/cgroup cgroup2 ro,/m, out);
  assert.match(out, /touch: \/sys\/fs\/cgroup\/x: Read-only file system/, out);
  const granted = await berth(['run', '--rm', ...NONE, '--device', `${loop}:/dev/xvdz:r`, 'busybox', 'sh', '-c', 'head -c 64 /dev/xvdz; echo; echo pwned | dd of=/dev/xvdz conv=notrunc; echo write=$?'], { env });
  assert.ok(granted.stdout.includes(SECRET), granted.stdout + granted.stderr);
  assert.match(granted.stdout, /write=1/);
  assertCanaryUntouched();
});

test.run();
