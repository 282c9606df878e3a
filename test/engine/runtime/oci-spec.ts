// The config.json builder: its Docker defaults checked as data, the pure
// helpers the native runtime shares, and the whole spec proven valid by
// running it under runc.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildOciSpec, capabilityName, capabilityNumber, DEFAULT_DEV_SYMLINKS, mountFlags, type BuildSpecInput,
} from '../../../src/engine/runtime/oci-spec.js';
import { cgroupFor, listCgroups, removeCgroup, cgroupHost } from '../../../src/engine/runtime/cgroups.js';
import { MS } from '../../../src/engine/sys.js';
import { tempDir } from '../../_helpers.js';
import { busyboxRootfs, canRunRunc, runcRun } from './_runc-bundle.js';
import { resolveSettings } from '../../../src/engine/settings.js';

/** this test run's cgroups, from its settings (the runner's BERTH_CGROUP_PARENT) */
const engineCgroups = cgroupHost(resolveSettings());

const base: BuildSpecInput = {
  id: 'c0ffee0123456789abcdef',
  rootfs: '/var/lib/berth/storage/overlay/c0ffee/merged',
  args: ['sh', '-c', 'echo hello'],
  env: ['PATH=/bin', 'HOME=/root'],
  user: { uid: 0, gid: 0, additionalGids: [0] },
};

const spec = suite('oci-spec: buildOciSpec');

spec('has the OCI version, root, process and Docker\'s default hostname', () => {
  const s = buildOciSpec(base);
  assert.is(s.ociVersion, '1.0.2');
  assert.equal(s.root, { path: base.rootfs, readonly: false });
  assert.is(s.hostname, 'c0ffee012345');
  assert.equal(s.process.args, ['sh', '-c', 'echo hello']);
  assert.is(s.process.cwd, '/');
  assert.is(s.process.terminal, false);
  assert.is(s.process.noNewPrivileges, true);
  assert.equal(s.process.user, { uid: 0, gid: 0, additionalGids: [0] });
  assert.is(buildOciSpec({ ...base, readonlyRootfs: true, hostname: 'web' }).root.readonly, true);
  assert.is(buildOciSpec({ ...base, hostname: 'web' }).hostname, 'web');
});

spec('grants Docker\'s 14 capabilities, none inheritable', () => {
  const caps = buildOciSpec(base).process.capabilities;
  const expected = ['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP',
    'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE'].map((c) => `CAP_${c}`).sort();
  assert.equal([...caps.bounding].sort(), expected);
  assert.equal([...caps.effective].sort(), expected);
  assert.equal([...caps.permitted].sort(), expected);
  assert.equal(caps.inheritable, []);
  assert.not.ok(caps.bounding.includes('CAP_SYS_ADMIN'));
});

spec('mounts /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys with Docker\'s options, then volumes', () => {
  const s = buildOciSpec({ ...base, mounts: [{ source: '/srv/data', destination: '/data', readonly: true }, { source: '/srv/rw', destination: '/rw' }] });
  const by = new Map(s.mounts.map((m) => [m.destination, m]));
  assert.equal(s.mounts.map((m) => m.destination), ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/data', '/rw']);
  assert.is(by.get('/proc')!.type, 'proc');
  assert.equal(by.get('/dev')!.options, ['nosuid', 'strictatime', 'mode=755', 'size=65536k']);
  assert.equal(by.get('/dev/pts')!.options, ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']);
  assert.ok(by.get('/dev/shm')!.options!.includes('size=65536k'));
  assert.is(by.get('/dev/mqueue')!.type, 'mqueue');
  assert.ok(by.get('/sys')!.options!.includes('ro'));
  assert.equal(by.get('/data'), { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'rprivate', 'ro'] });
  assert.equal(by.get('/rw')!.options, ['rbind', 'rprivate', 'rw']);
  assert.ok(buildOciSpec({ ...base, cgroupfs: true }).mounts.some((m) => m.destination === '/sys/fs/cgroup' && m.options!.includes('ro')));
});

spec('masks and write-protects Docker\'s /proc and /sys paths', () => {
  const s = buildOciSpec(base);
  for (const p of ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/proc/acpi', '/proc/scsi', '/sys/firmware']) {
    assert.ok(s.linux.maskedPaths.includes(p), p);
  }
  assert.equal(s.linux.readonlyPaths, ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
});

spec('namespaces: pid ipc uts mount cgroup, and network by mode', () => {
  const types = (network: BuildSpecInput['network']) => buildOciSpec({ ...base, network }).linux.namespaces;
  assert.equal(types('none').map((n) => n.type), ['pid', 'ipc', 'uts', 'mount', 'cgroup', 'network']);
  assert.not.ok(types('host').some((n) => n.type === 'network'));
  assert.equal(types({ netnsPath: '/run/netns/berth-1' }).at(-1), { type: 'network', path: '/run/netns/berth-1' });
  assert.throws(() => types('bridge' as never), /unknown network mode/);
});

spec('creates the default devices 0666 and lists the /dev symlinks runc would make', () => {
  const devices = buildOciSpec(base).linux.devices;
  assert.equal(devices.map((d) => `${d.path} ${d.major}:${d.minor}`), ['/dev/null 1:3', '/dev/zero 1:5', '/dev/full 1:7', '/dev/random 1:8', '/dev/urandom 1:9', '/dev/tty 5:0']);
  for (const d of devices) assert.is(d.fileMode, 0o666);
  assert.equal(DEFAULT_DEV_SYMLINKS.map((l) => `${l.path}->${l.target}`), [
    '/dev/fd->/proc/self/fd', '/dev/stdin->/proc/self/fd/0', '/dev/stdout->/proc/self/fd/1', '/dev/stderr->/proc/self/fd/2', '/dev/ptmx->pts/ptmx']);
});

spec('resources: memory with no swap, cpu quota per 100 ms, pids', () => {
  const r = buildOciSpec({ ...base, limits: { memoryBytes: 64 << 20, cpus: 1.5, pidsLimit: 50 }, cgroupsPath: '/berth/x' }).linux;
  assert.is(r.cgroupsPath, '/berth/x');
  assert.equal(r.resources.memory, { limit: 64 << 20, swap: 64 << 20 });
  assert.equal(r.resources.cpu, { quota: 150000, period: 100000 });
  assert.equal(r.resources.pids, { limit: 50 });
  assert.equal(r.resources.devices[0], { allow: false, access: 'rwm' });
  const none = buildOciSpec(base).linux;
  assert.is(none.resources.memory, undefined);
  assert.is(none.cgroupsPath, undefined);
  assert.throws(() => buildOciSpec({ ...base, limits: { memoryBytes: 10 } }), /minimum memory/);
});

spec('tty and console size', () => {
  const s = buildOciSpec({ ...base, tty: true, consoleSize: { rows: 40, cols: 120 } });
  assert.is(s.process.terminal, true);
  assert.equal(s.process.consoleSize, { height: 40, width: 120 });
});

spec('refuses input a runtime would misread', () => {
  assert.throws(() => buildOciSpec({ ...base, rootfs: 'relative/rootfs' }), /rootfs must be an absolute path/);
  assert.throws(() => buildOciSpec({ ...base, args: [] }), /no command given/);
  assert.throws(() => buildOciSpec({ ...base, cwd: 'app' }), /working directory must be an absolute path/);
  assert.throws(() => buildOciSpec({ ...base, env: ['NOEQUALS'] }), /KEY=value/);
  assert.throws(() => buildOciSpec({ ...base, mounts: [{ source: 'rel', destination: '/x' }] }), /volume source/);
  assert.throws(() => buildOciSpec({ ...base, mounts: [{ source: '/x', destination: '/' }] }), /cannot replace the root/);
  assert.throws(() => buildOciSpec({ ...base, user: { uid: -1, gid: 0 } }), /uid must be in range/);
});

spec.run();

const helpers = suite('oci-spec: capabilityNumber and mountFlags');

helpers('capability numbers follow linux/capability.h', () => {
  assert.is(capabilityNumber('CAP_CHOWN'), 0);
  assert.is(capabilityNumber('CAP_KILL'), 5);
  assert.is(capabilityNumber('CAP_SETPCAP'), 8);
  assert.is(capabilityNumber('CAP_NET_BIND_SERVICE'), 10);
  assert.is(capabilityNumber('net_raw'), 13);
  assert.is(capabilityNumber('SYS_CHROOT'), 18);
  assert.is(capabilityNumber('CAP_SYS_ADMIN'), 21);
  assert.is(capabilityNumber('CAP_MKNOD'), 27);
  assert.is(capabilityNumber('CAP_AUDIT_WRITE'), 29);
  assert.is(capabilityNumber('CAP_SETFCAP'), 31);
  assert.is(capabilityNumber('CAP_AUDIT_READ'), 37);
  assert.is(capabilityNumber('CAP_CHECKPOINT_RESTORE'), 40);
  assert.is(capabilityName(13), 'CAP_NET_RAW');
  assert.throws(() => capabilityNumber('CAP_FLY'), /unknown capability: "CAP_FLY"/);
});

helpers('the table covers every capability this kernel has (cap_last_cap)', () => {
  const last = Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  assert.ok(capabilityName(last).startsWith('CAP_'));
});

helpers('mount options become flags, data, and a separate propagation', () => {
  assert.equal(mountFlags(['nosuid', 'strictatime', 'mode=755', 'size=65536k']),
    { flags: MS.NOSUID | MS.STRICTATIME, data: 'mode=755,size=65536k', propagation: 0, bindRemount: false });
  assert.equal(mountFlags(['ro', 'nosuid', 'noexec', 'nodev']).flags, MS.RDONLY | MS.NOSUID | MS.NOEXEC | MS.NODEV);
  assert.equal(mountFlags(['rbind', 'rprivate', 'ro']), { flags: MS.BIND | MS.REC | MS.RDONLY, data: '', propagation: MS.PRIVATE | MS.REC, bindRemount: true });
  assert.equal(mountFlags(['bind', 'rw']), { flags: MS.BIND, data: '', propagation: 0, bindRemount: false });
  assert.is(mountFlags(['ro', 'rw']).flags, 0, 'a later rw undoes ro');
  assert.is(mountFlags(['noatime', 'relatime', 'nodiratime', 'sync', 'dirsync', 'lazytime']).flags,
    MS.NOATIME | MS.RELATIME | MS.NODIRATIME | MS.SYNCHRONOUS | MS.DIRSYNC | MS.LAZYTIME);
  assert.is(mountFlags(['nosuid', 'suid']).flags, 0);
  assert.is(mountFlags(['rshared']).propagation, MS.SHARED | MS.REC);
  assert.is(mountFlags(['slave']).propagation, MS.SLAVE);
  assert.is(mountFlags(['runbindable']).propagation, MS.UNBINDABLE | MS.REC);
  assert.is(mountFlags(['tmpcopyup', 'defaults']).data, '');
  assert.is(mountFlags(['newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']).data, 'newinstance,ptmxmode=0666,mode=0620,gid=5');
});

helpers.run();

const runc = suite('oci-spec: runc runs the generated config.json');
let work = '';
runc.before(() => { if (canRunRunc()) work = tempDir('runc-'); });
runc.after(async () => {
  // runc made the cgroups itself (cgroupsPath); make sure none outlive the test.
  for (const id of listCgroups(engineCgroups)) await removeCgroup(cgroupFor(id, engineCgroups));
});

let counter = 0;
async function inRunc(script: string, extra: Partial<BuildSpecInput> = {}) {
  const id = `oci-spec-${process.pid}-${counter++}`;
  const bundle = path.join(work, id);
  fs.mkdirSync(bundle, { recursive: true });
  const rootfs = busyboxRootfs(bundle);
  const config = buildOciSpec({
    ...base, id, rootfs, args: ['/bin/sh', '-c', script], env: ['PATH=/bin', 'HOME=/root'],
    hostname: 'berth-test', network: 'none', cgroupsPath: `/${engineCgroups.parent}/${id}`, ...extra,
  });
  return runcRun(bundle, path.join(work, 'runc-state'), id, config);
}

runc('prints hello as pid 1 with its own hostname, and returns the exit code', async () => {
  if (!canRunRunc()) return console.log('  (skipped: needs root, runc and busybox)');
  const result = await inRunc('echo hello; echo pid=$$; hostname; exit 3');
  assert.is(result.stderr, '');
  assert.equal(result.stdout.split('\n'), ['hello', 'pid=1', 'berth-test', '']);
  assert.is(result.code, 3);
});

runc('--net none leaves only loopback; the process has exactly the 14 capabilities', async () => {
  if (!canRunRunc()) return;
  const result = await inRunc("cat /proc/net/dev | grep ':' | wc -l; grep -E '^Cap(Bnd|Eff|Inh)' /proc/self/status; grep NoNewPrivs /proc/self/status");
  assert.is(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  assert.is(lines[0]!.trim(), '1', 'only lo');
  const expected = ['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP',
    'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE'].reduce((mask, c) => mask | (1n << BigInt(capabilityNumber(c))), 0n);
  const read = (name: string) => BigInt('0x' + /:\s+([0-9a-f]+)/.exec(lines.find((l) => l.startsWith(name))!)![1]);
  assert.is(read('CapBnd'), expected);
  assert.is(read('CapEff'), expected);
  assert.is(read('CapInh'), 0n);
  assert.match(result.stdout, /NoNewPrivs:\s+1/);
});

runc('masked paths read empty, /proc/sys is read-only, /dev has the devices and links', async () => {
  if (!canRunRunc()) return;
  const result = await inRunc([
    'echo kcore=$(cat /proc/kcore | wc -c)',
    'echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo sys-writable || echo sys-ro',
    'ls /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/pts/ptmx >/dev/null && echo devices-ok',
    'echo fd=$(ls -l /dev/fd | grep -c /proc/self/fd) ptmx=$(ls -l /dev/ptmx | grep -c pts/ptmx)',
    'touch /sys/x 2>/dev/null && echo sysfs-rw || echo sysfs-ro',
  ].join('; '));
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /kcore=0\n/);
  assert.match(result.stdout, /sys-ro/);
  assert.match(result.stdout, /devices-ok/);
  assert.match(result.stdout, /fd=1 ptmx=1/);
  assert.match(result.stdout, /sysfs-ro/);
});

runc('user, cwd, env, a read-only volume, a read-only rootfs and the memory limit all apply', async () => {
  if (!canRunRunc()) return;
  const volume = tempDir('volume-');
  fs.writeFileSync(path.join(volume, 'note'), 'from the host\n');
  fs.chmodSync(volume, 0o777); // uid 1000 must get in: only "ro" may stop its write
  const result = await inRunc([
    'id', 'pwd', 'echo GREETING=$GREETING', 'cat /data/note',
    'touch /data/new 2>/dev/null && echo volume-rw || echo volume-ro',
    'touch /rootfile 2>/dev/null && echo root-rw || echo root-ro',
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null',
    'cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null',
    'true', // one of each pair of cats fails: v1 or v2 layout
  ].join('; '), {
    user: { uid: 1000, gid: 1000, additionalGids: [1000, 27] },
    cwd: '/tmp',
    env: ['PATH=/bin', 'GREETING=hi'],
    mounts: [{ source: volume, destination: '/data', readonly: true }],
    readonlyRootfs: true,
    cgroupfs: true,
    limits: { memoryBytes: 32 << 20, pidsLimit: 20 },
  });
  assert.is(result.code, 0, result.stderr + result.stdout);
  assert.match(result.stdout, /^uid=1000 gid=1000 groups=(1000,27|27,1000)\n\/tmp\nGREETING=hi\nfrom the host\nvolume-ro\nroot-ro\n/);
  assert.match(result.stdout, new RegExp(`\\n${32 << 20}\\n20\\n$`));
});

runc.run();
