// Issue 11 row 7: one container must never wedge berth for everyone.  With a
// user namespace (seccomp unconfined, or --privileged) a container mounts a
// cgroup hierarchy — rooted at its own cgroup, by its cgroup namespace — and
// makes sub-cgroups there.  Removing the container's cgroup must take them
// too (deepest first, every hierarchy, as runc does), and a cgroup that still
// cannot go is that container's problem only: `ps`, `run`, `images`,
// `system prune` keep working, `rm` says what is left and what to do.
// Also: /sys/fs/cgroup inside a container is its own cgroup, read-only, with
// its limits, as Docker shows it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { berth, ok, removeAll } from '../_berth.js';
import { outsideDir } from '../_helpers.js';
import { cgroupFor, cgroupVersion, cgroupHost } from '../../src/engine/runtime/cgroups.js';
import { v1Hierarchies } from '../../src/engine/runtime/cgroup-v1.js';
import { NATIVE_BUILD } from '../../src/engine/sys.js';
import { resolveSettings } from '../../src/engine/settings.js';

/** this test run's cgroups, from its settings (the runner's BERTH_CGROUP_PARENT) */
const engineCgroups = cgroupHost(resolveSettings());

const test = suite('security: cgroup wedge');
const PROBES = path.join(NATIVE_BUILD, 'probes');
const NONE = ['--network', 'none'];
let canaryDir = '';
let canary = '';
const CANARY_TEXT = `canary ${process.pid}\n`;
/** seccomp=unconfined where berth has seccomp (the attack needs unshare(CLONE_NEWUSER)). */
let unconfined: string[] = [];
/** The hierarchy the probe mounts: pids on v1 (memory if absent), the one tree on v2. */
let controller = 'cgroup2';

test.before(async () => {
  canaryDir = outsideDir('berth-cgroup-wedge-');
  canary = path.join(canaryDir, 'canary');
  fs.writeFileSync(canary, CANARY_TEXT);
  const help = (await berth(['run', '--help'])).stdout;
  if (help.includes('--security-opt')) unconfined = ['--security-opt', 'seccomp=unconfined'];
  if (cgroupVersion() === 1) {
    const names = v1Hierarchies().flatMap((h) => h.controllers);
    controller = names.includes('pids') ? 'pids' : 'memory';
  }
});

test.after(async () => {
  await removeAll().catch(() => undefined);
  fs.rmSync(canaryDir, { recursive: true, force: true });
});

function assertCanaryUntouched(): void {
  assert.is(fs.readFileSync(canary, 'utf8'), CANARY_TEXT);
}

/** The host directory of container `id`'s cgroup in the hierarchy the probe mounts. */
function hostDir(id: string): string {
  if (cgroupVersion() === 2) return cgroupFor(id, engineCgroups).paths[0]!;
  const mount = v1Hierarchies().find((h) => h.controllers.includes(controller))!.mountPoint;
  return path.join(mount, engineCgroups.parent, id);
}

/** Every directory left for that id, in every hierarchy (what the runner's leftovers check would find). */
const leftFor = (id: string) => cgroupFor(id, engineCgroups).paths.filter((dir) => fs.existsSync(dir));

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A detached container that makes sub-cgroups a and a/b in its own cgroup from a user namespace. */
async function wedger(name: string, v2?: { env: NodeJS.ProcessEnv; root: string }): Promise<string> {
  const id = (await ok(['run', '-d', '--name', name, ...NONE, ...unconfined, '-v', `${PROBES}:/probes:ro`, 'busybox', 'sh', '-c',
    `/probes/cgroup-wedge ${v2 ? 'cgroup2' : controller} a a/b && echo wedged; exec sleep 600`], { env: v2?.env })).trim();
  await until(`${name} to make its sub-cgroups`, async () => (await berth(['logs', name])).stdout.includes('wedged'));
  const dir = v2 ? path.join(v2.root, engineCgroups.parent, id) : hostDir(id);
  assert.ok(fs.statSync(path.join(dir, 'a', 'b')).isDirectory(), 'the probe made a/b in the container\'s own cgroup');
  return id;
}

/** The commands the issue saw fail, each about something else than the wedged container. */
async function othersStillWork(): Promise<void> {
  const ps = await berth(['ps', '-a']);
  assert.is(ps.code, 0, ps.stderr);
  const run = await berth(['run', '--rm', ...NONE, 'busybox', 'echo', 'still works']);
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stdout.trim(), 'still works');
  const images = await berth(['images']);
  assert.is(images.code, 0, images.stderr);
}

test('sub-cgroups a container makes go with it: ps, run, images, prune and rm all work, nothing is left', async () => {
  const bystander = (await ok(['run', '-d', '--name', 'bystander', ...NONE, 'busybox', 'sleep', '600'])).trim();
  // One removed while running...
  const running = await wedger('wedge-running');
  const rm = await berth(['rm', '-f', 'wedge-running']);
  assert.is(rm.code, 0, rm.stderr);
  assert.not.match(rm.stderr, /WARNING/);
  assert.equal(leftFor(running), []);
  // ...one that stops, is finished by reconcile, and pruned.
  const stopped = await wedger('wedge-stopped');
  await ok(['stop', '-t', '0', 'wedge-stopped']);
  await othersStillWork();
  assert.equal(leftFor(stopped), []);
  const prune = await berth(['system', 'prune', '-f']);
  assert.is(prune.code, 0, prune.stderr);
  const ps = await ok(['ps', '--no-trunc']);
  assert.ok(ps.includes(bystander), 'the other container kept running');
  await ok(['rm', '-f', 'bystander']);
  assert.equal(leftFor(bystander), []);
  assertCanaryUntouched();
});

test('--privileged makes sub-cgroups directly in its (writable) /sys/fs/cgroup: they go with it too', async () => {
  const help = (await berth(['run', '--help'])).stdout;
  if (!help.includes('--privileged')) return;
  const where = cgroupVersion() === 2 ? '/sys/fs/cgroup' : `/sys/fs/cgroup/${controller}`;
  const made = await berth(['run', '--name', 'priv-wedge', ...NONE, '--privileged', 'busybox', 'sh', '-c', `mkdir -p ${where}/x/y && echo made`]);
  assert.is(made.stdout.trim(), 'made', made.stderr);
  const id = (await ok(['inspect', '--format', '{{.Id}}', 'priv-wedge'])).trim();
  await othersStillWork();
  assert.equal(leftFor(id), []);
  await ok(['rm', 'priv-wedge']);
  assertCanaryUntouched();
});

test('a cgroup that cannot be removed is reported for its container only, and cleaned once it can', async () => {
  const id = await wedger('wedge-stuck');
  // Something on the host keeps a sub-cgroup busy: a mount on it (rmdir gives EBUSY).
  const stuck = path.join(hostDir(id), 'a');
  execFileSync('mount', ['-t', 'tmpfs', 'berth-test-busy', stuck]);
  try {
    const started = Date.now();
    const rm = await berth(['rm', '-f', 'wedge-stuck']);
    assert.is(rm.code, 0, rm.stderr);
    assert.match(rm.stderr, `WARNING: container ${id}: cannot remove cgroup ${stuck}`);
    assert.match(rm.stderr, /remove it by hand/);
    assert.ok(Date.now() - started < 20_000);
    const t0 = Date.now();
    await othersStillWork();
    const prune = await berth(['system', 'prune', '-f']);
    assert.is(prune.code, 0, prune.stderr);
    assert.ok(Date.now() - t0 < 20_000, `a stuck cgroup slowed the other commands: ${Date.now() - t0} ms`);
    assert.not.match((await ok(['ps', '-a', '--no-trunc'])), id);
  } finally {
    execFileSync('umount', [stuck]);
  }
  // The next command's reconcile finds the leftover and removes it.
  await ok(['ps']);
  assert.equal(leftFor(id), []);
  assertCanaryUntouched();
});

test('the same on a hybrid machine\'s cgroup2 mount (the v2 code path: cgroup.kill, then deepest first)', async () => {
  if (cgroupVersion() === 2) return; // the tests above are the v2 ones there
  const line = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => / - cgroup2 /.test(l));
  if (!line) return;
  const root = line.split(' ')[4]!;
  const env = { BERTH_CGROUP2_ROOT: root };
  const id = await wedger('wedge-v2', { env, root });
  const rm = await berth(['rm', '-f', 'wedge-v2'], { env });
  assert.is(rm.code, 0, rm.stderr);
  assert.not.match(rm.stderr, /WARNING/);
  assert.not.ok(fs.existsSync(path.join(root, engineCgroups.parent, id)), 'the v2 cgroup and its sub-cgroups are gone');
  await othersStillWork();
  assertCanaryUntouched();
});

async function cgroupView(runtime: string): Promise<string> {
  const script = cgroupVersion() === 2
    ? 'ls /sys/fs/cgroup; echo limit=$(cat /sys/fs/cgroup/memory.max); echo pids=$(cat /sys/fs/cgroup/pids.max); cat /proc/self/cgroup; touch /sys/fs/cgroup/x; mkdir /sys/fs/cgroup/y'
    : 'ls /sys/fs/cgroup; echo limit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes); echo pids=$(cat /sys/fs/cgroup/pids/pids.max); cat /proc/self/cgroup; touch /sys/fs/cgroup/x; mkdir /sys/fs/cgroup/memory/y';
  const result = await berth(['run', '--rm', ...NONE, '--runtime', runtime, '-m', '64m', '--pids-limit', '50', 'busybox', 'sh', '-c', script]);
  return result.stdout + result.stderr;
}

test('/sys/fs/cgroup in a container: its own cgroup, read-only, with its limits', async () => {
  const out = await cgroupView('native');
  if (cgroupVersion() === 2) {
    assert.match(out, /cgroup\.controllers/);
    assert.match(out, /^0::\/$/m); // the cgroup namespace's root is the container's cgroup
  } else {
    for (const h of v1Hierarchies()) assert.match(out, new RegExp(`^${path.basename(h.mountPoint)}$`, 'm'), out);
    for (const line of out.split('\n').filter((l) => /^\d+:[^:]*:/.test(l))) assert.match(line, /:\/$/, `not its own cgroup: ${line}`);
  }
  assert.match(out, /limit=67108864/, out);
  assert.match(out, /pids=50/, out);
  assert.match(out, /touch: \/sys\/fs\/cgroup\/x: Read-only file system/, out);
  assert.match(out, /can't create directory '\/sys\/fs\/cgroup\/.*y': Read-only file system/, out);
  assertCanaryUntouched();
});

test('the same view with --runtime runc', async () => {
  try { execFileSync('runc', ['--version'], { stdio: 'ignore' }); } catch { return; }
  const out = await cgroupView('runc');
  assert.match(out, /limit=67108864/, out);
  assert.match(out, /pids=50/, out);
  assert.match(out, /can't create directory '\/sys\/fs\/cgroup\/.*y': Read-only file system/, out);
});

test.run();
