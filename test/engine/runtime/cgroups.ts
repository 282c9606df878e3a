// Real cgroups, real processes: each limit is shown to be enforced by the
// kernel, not just written.  The runner fails this file if any cgroup is
// left under its BERTH_CGROUP_PARENT.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  cgroupFor, cgroupHost, cgroupOf, cgroupVersion, createCgroup, listCgroups, readCgroup, removeCgroup,
  type Cgroup, type CgroupHost,
} from '../../../src/engine/runtime/cgroups.js';
import { v1Hierarchies } from '../../../src/engine/runtime/cgroup-v1.js';
import { rejects } from '../../_helpers.js';
import { runInCgroup } from './_cgroup-helpers.js';
import { resolveSettings } from '../../../src/engine/settings.js';

/** this test run's cgroups, from its settings (the runner's BERTH_CGROUP_PARENT) */
const engineCgroups = cgroupHost(resolveSettings());

const MiB = 1024 * 1024;
const made: Cgroup[] = [];
function make(id: string, limits = {}, host?: CgroupHost): Cgroup {
  const cg = createCgroup(id, limits, host ?? engineCgroups);
  made.push(cg);
  return cg;
}
const file = (cg: Cgroup, name: string) => {
  const dir = cg.paths.find((d) => fs.existsSync(path.join(d, name)));
  assert.ok(dir, `no ${name} in ${cg.paths.join(', ')}`);
  return fs.readFileSync(path.join(dir!, name), 'utf8').trim();
};

const basics = suite('cgroups: create, list, remove');
basics.after(async () => { for (const cg of made.splice(0)) await removeCgroup(cg); });

basics('detects the version of this machine and caches it', () => {
  const expected = fs.existsSync('/sys/fs/cgroup/cgroup.controllers') ? 2 : 1;
  assert.is(cgroupVersion(), expected);
  assert.equal(cgroupHost(resolveSettings()), engineCgroups);
  assert.is(engineCgroups.parent, process.env.BERTH_CGROUP_PARENT, 'the parent is the settings\' (the runner\'s BERTH_CGROUP_PARENT)');
});

basics('creates one directory per hierarchy under the parent, and lists it', () => {
  const cg = make('basic-1');
  assert.is(cg.ociPath, `/${engineCgroups.parent}/basic-1`);
  assert.ok(cg.paths.length >= 1);
  for (const dir of cg.paths) {
    assert.ok(fs.statSync(dir).isDirectory(), dir);
    assert.ok(dir.endsWith(`/${engineCgroups.parent}/basic-1`), dir);
  }
  for (const procs of cg.procsFiles) assert.ok(fs.existsSync(procs), procs);
  assert.equal(listCgroups(engineCgroups), ['basic-1']);
  assert.equal(cgroupFor('basic-1', engineCgroups), cg);
});

basics('a process that writes its pid to procsFiles is in the cgroup', async () => {
  const cg = make('basic-join');
  const result = await runInCgroup(cg, 'cat /proc/$$/cgroup');
  assert.is(result.code, 0, result.stderr);
  const where = [...result.stdout.matchAll(/^\d+:([^:]*):(.*)$/gm)].map((m) => m[2]);
  assert.ok(where.includes(cg.ociPath), result.stdout);
  assert.ok(cgroupOf('self').size > 0);
});

basics('cpuset gets cpus and mems from its parent, or no task could join (v1)', () => {
  if (cgroupVersion() !== 1) return;
  const cg = make('basic-cpuset');
  const cpuset = cg.paths.find((d) => fs.existsSync(path.join(d, 'cpuset.cpus')));
  if (!cpuset) return;
  for (const name of ['cpuset.cpus', 'cpuset.mems']) {
    assert.is.not(fs.readFileSync(path.join(cpuset, name), 'utf8').trim(), '', name);
    assert.is.not(fs.readFileSync(path.join(path.dirname(cpuset), name), 'utf8').trim(), '', `parent ${name}`);
  }
});

basics('removeCgroup kills what still runs, leaves nothing, and can run twice', async () => {
  const cg = make('basic-leftover');
  const result = await runInCgroup(cg, 'busybox sleep 60 >/dev/null 2>&1 & busybox sleep 60 >/dev/null 2>&1 & echo started');
  assert.is(result.stdout.trim(), 'started');
  assert.ok(readCgroup(cg).pids >= 2 || cgroupVersion() === 2 || !cg.paths.some((d) => d.includes('/pids/')));
  await removeCgroup(cg);
  for (const dir of cg.paths) assert.not.ok(fs.existsSync(dir), dir);
  await removeCgroup(cg);
  assert.equal(listCgroups(engineCgroups), listCgroups(engineCgroups).filter((id) => id !== 'basic-leftover'));
});

basics('an existing cgroup of the same id is reused (a restart)', () => {
  const a = make('basic-again', { pidsLimit: 10 });
  const b = make('basic-again', { pidsLimit: 20 });
  assert.equal(a.paths, b.paths);
  assert.is(file(b, 'pids.max'), '20');
});

basics('v1 hierarchies come from mountinfo: combined, named, duplicated and escaped mounts', () => {
  const mountinfo = [
    '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
    '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
    '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
    '36 31 0:32 / /mnt/again\\040memory rw,relatime - cgroup cgroup rw,memory',
    '37 31 0:34 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,clone_children,cpuset',
    '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd',
    '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    '',
  ].join('\n');
  assert.equal(v1Hierarchies(mountinfo), [
    { mountPoint: '/sys/fs/cgroup/cpu,cpuacct', controllers: ['cpu', 'cpuacct'] },
    { mountPoint: '/sys/fs/cgroup/memory', controllers: ['memory'] },
    { mountPoint: '/sys/fs/cgroup/cpuset', controllers: ['cpuset'] },
  ]);
  assert.equal(v1Hierarchies(mountinfo, true).map((h) => h.mountPoint), [
    '/sys/fs/cgroup/cpu,cpuacct', '/sys/fs/cgroup/memory', '/sys/fs/cgroup/cpuset', '/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified']);
});

basics('a leftover runc made (every hierarchy, name=systemd and unified too) is found and removed', async () => {
  if (cgroupVersion() !== 1) return;
  const dirs = engineCgroups.hierarchies.map((h) => path.join(h, engineCgroups.parent, 'runc-made'));
  for (const dir of dirs) fs.mkdirSync(dir, { recursive: true });
  assert.ok(listCgroups(engineCgroups).includes('runc-made'));
  await removeCgroup(cgroupFor('runc-made', engineCgroups));
  for (const dir of dirs) assert.not.ok(fs.existsSync(dir), dir);
});

basics.run();

const invalid = suite('cgroups: invalid input');

invalid('an unknown or out-of-range limit is refused before anything is made', async () => {
  for (const [limits, pattern] of [
    [{ memory: 1 }, /unknown cgroup limit "memory"/],
    [{ memoryBytes: 1000 }, /minimum memory limit allowed is 6MB/],
    [{ memoryBytes: 1.5 * MiB * 10 + 0.5 }, /memory limit/],
    [{ cpus: 0 }, /range of CPUs is from 0.01/],
    [{ cpus: 10_000 }, /range of CPUs/],
    [{ cpus: Number.NaN }, /finite number/],
    [{ pidsLimit: 2.5 }, /pids limit/],
    [{ pidsLimit: '5' }, /finite number/],
  ] as const) {
    const error = await rejects((async () => createCgroup('bad-limit', limits as never, engineCgroups))(), pattern);
    assert.is((error as { kind?: string }).kind, 'invalid');
  }
  assert.equal(listCgroups(engineCgroups), []);
});

invalid('an id or parent that would escape the cgroup tree is refused', async () => {
  await rejects((async () => createCgroup('../escape', {}, engineCgroups))(), /invalid container id/);
  await rejects((async () => createCgroup('a/b', {}, engineCgroups))(), /invalid container id/);
  await rejects((async () => createCgroup('fine', {}, { ...engineCgroups, parent: '../..' }))(), /invalid cgroup parent/);
  await rejects((async () => cgroupHost({ cgroupParent: '/x' }))(), /invalid cgroup parent/);
});

invalid.run();

const limits = suite('cgroups: limits the kernel enforces');
limits.after.each(async () => { for (const cg of made.splice(0)) await removeCgroup(cg); });

limits('a process past the memory limit is OOM-killed, and readCgroup says so', async () => {
  const cg = make('mem-oom', { memoryBytes: 16 * MiB });
  const before = readCgroup(cg);
  assert.is(before.memoryLimit, 16 * MiB);
  assert.is(before.oomKilled, false);
  if (cg.version === 1 && fs.existsSync(cg.paths.find((d) => d.includes('memory')) + '/memory.memsw.limit_in_bytes')) {
    assert.is(file(cg, 'memory.memsw.limit_in_bytes'), String(16 * MiB));
  }
  // dd allocates its 64 MiB block and fills it from /dev/zero: four times the limit.
  const result = await runInCgroup(cg, 'exec busybox dd if=/dev/zero of=/dev/null bs=64M count=1');
  assert.is(result.signal, 'SIGKILL', `dd should be killed, got code ${result.code}: ${result.stderr}`);
  const after = readCgroup(cg);
  assert.ok(after.oomKilled, JSON.stringify(after));
  assert.ok(after.oomKills >= 1);
});

limits('a process under the memory limit runs and is not called OOM-killed', async () => {
  const cg = make('mem-ok', { memoryBytes: 64 * MiB });
  const result = await runInCgroup(cg, 'busybox dd if=/dev/zero of=/dev/null bs=4M count=4 2>/dev/null; echo ok');
  assert.is(result.stdout.trim(), 'ok');
  const stats = readCgroup(cg);
  assert.is(stats.oomKilled, false);
  assert.ok(stats.cpuUsageNs > 0, JSON.stringify(stats));
});

limits('fork fails beyond the pids limit', async () => {
  const cg = make('pids', { pidsLimit: 4 });
  assert.is(file(cg, 'pids.max'), '4');
  // sh + 3 sleeps = 4 tasks; the 4th sleep cannot fork, and dash gives up.
  const result = await runInCgroup(cg, 'for i in 1 2 3 4 5 6 7 8; do busybox sleep 60 >/dev/null 2>&1 & done; echo all-forked');
  assert.not.match(result.stdout, /all-forked/);
  assert.match(result.stderr, /fork/i);
  const stats = readCgroup(cg);
  assert.is(stats.pidsLimit, 4);
  assert.is(stats.pids, 3, 'the three sleeps that did start');
});

limits('pidsLimit -1 means unlimited, as in Docker', () => {
  const cg = make('pids-unlimited', { pidsLimit: -1 });
  assert.is(file(cg, 'pids.max'), 'max');
  assert.is(readCgroup(cg).pidsLimit, null);
});

limits('cpus is written as a CFS quota per 100 ms period', () => {
  const cg = make('cpu-values', { cpus: 0.5 });
  if (cg.version === 2) {
    assert.is(file(cg, 'cpu.max'), '50000 100000');
  } else {
    assert.is(file(cg, 'cpu.cfs_period_us'), '100000');
    assert.is(file(cg, 'cpu.cfs_quota_us'), '50000');
  }
});

limits('a busy loop under cpus=0.1 gets about a tenth of a CPU', async () => {
  const cg = make('cpu-busy', { cpus: 0.1 });
  const started = Date.now();
  await runInCgroup(cg, "busybox timeout 1 sh -c 'while :; do :; done'");
  const wall = (Date.now() - started) * 1e6;
  const used = readCgroup(cg).cpuUsageNs;
  assert.ok(wall >= 0.9e9, `ran ${wall / 1e6} ms`);
  assert.ok(used > 0 && used < 0.4e9, `used ${used / 1e6} ms of CPU in ${wall / 1e6} ms: the quota was not enforced`);
});

limits.run();

// cgroup v2 code paths on a real cgroup2 mount: the machine's own when it is
// pure v2, else the (controller-less) unified hierarchy of a hybrid machine.
function v2Host(): CgroupHost | undefined {
  if (cgroupVersion() === 2) return engineCgroups;
  const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const line = mountinfo.split('\n').find((l) => / - cgroup2 /.test(l));
  return line ? { version: 2, root: line.split(' ')[4]!, hierarchies: [], parent: engineCgroups.parent } : undefined;
}

const v2 = suite('cgroups v2: subtree_control, join, kill, remove');
const host = v2Host();
const words = (file: string) => fs.readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean);
let rootEnabledBefore: string[] = [];
v2.before(() => { if (host) rootEnabledBefore = words(path.join(host.root, 'cgroup.subtree_control')); });
v2.after(async () => {
  for (const cg of made.splice(0)) await removeCgroup(cg);
  if (!host || host.root === '/sys/fs/cgroup') return;
  // Put the side mount back as it was: our parent gone, root's controllers as before.
  try { fs.rmdirSync(path.join(host.root, engineCgroups.parent)); } catch { /* gone */ }
  for (const name of words(path.join(host.root, 'cgroup.subtree_control'))) {
    if (!rootEnabledBefore.includes(name)) try { fs.writeFileSync(path.join(host.root, 'cgroup.subtree_control'), `-${name}`); } catch { /* still used elsewhere */ }
  }
});

v2('creates <root>/<parent>/<id> and enables every available wanted controller on the way', () => {
  if (!host) return;
  const cg = make('v2-basic', {}, host);
  assert.is(cg.version, 2);
  assert.equal(cg.paths, [path.join(host.root, engineCgroups.parent, 'v2-basic')]);
  assert.equal(cg.procsFiles, [path.join(host.root, engineCgroups.parent, 'v2-basic', 'cgroup.procs')]);
  const wanted = ['cpuset', 'cpu', 'io', 'memory', 'pids', 'hugetlb'];
  const available = words(path.join(host.root, 'cgroup.controllers')).filter((c) => wanted.includes(c));
  for (const dir of [host.root, path.join(host.root, engineCgroups.parent)]) {
    const enabled = words(path.join(dir, 'cgroup.subtree_control'));
    for (const name of available) assert.ok(enabled.includes(name), `${name} not enabled in ${dir}/cgroup.subtree_control`);
  }
  // ...so the container's own directory has them.
  assert.equal(words(path.join(cg.paths[0]!, 'cgroup.controllers')).sort(), available.sort());
  assert.equal(listCgroups(host), ['v2-basic']);
});

v2('a limit whose controller the kernel does not offer fails clearly and makes nothing', async () => {
  if (!host) return;
  const available = words(path.join(host.root, 'cgroup.controllers'));
  if (available.includes('memory')) return; // a full v2 machine: the limits suite covers it
  const error = await rejects((async () => createCgroup('v2-nomem', { memoryBytes: 64 * MiB }, host))(),
    /cgroup v2 memory controller is not available in .*cgroup\.controllers/);
  assert.is((error as { kind?: string }).kind, 'permission');
  assert.not.ok(fs.existsSync(path.join(host.root, engineCgroups.parent, 'v2-nomem')));
});

v2('a process joins, its CPU time is counted, and removeCgroup kills it (cgroup.kill)', async () => {
  if (!host) return;
  const cg = make('v2-join', {}, host);
  const result = await runInCgroup(cg, "cat /proc/$$/cgroup; busybox sleep 60 >/dev/null 2>&1 & busybox timeout 0.3 sh -c 'while :; do :; done'");
  assert.match(result.stdout, new RegExp(`^0::${cg.ociPath}$`, 'm'));
  assert.is(fs.readFileSync(cg.procsFiles[0]!, 'utf8').trim().split('\n').length, 1, 'the sleep is still in it');
  const stats = readCgroup(cg);
  assert.ok(stats.cpuUsageNs > 0.1e9, JSON.stringify(stats));
  assert.is(stats.oomKilled, false);
  await removeCgroup(cg);
  assert.not.ok(fs.existsSync(cg.paths[0]!));
  assert.equal(listCgroups(host), listCgroups(host).filter((id) => id !== 'v2-join'));
});

v2.run();
