// Issue 11 row 5 (CVE-2018-15664): `cp` and `export` against a container
// that swaps a directory and a symlink to a host directory in a tight loop
// (native/probes/swap-race.c, renameat2(RENAME_EXCHANGE)).  A host-side copy
// that resolves the path and then walks it again by name follows the
// symlink on the host: copy-out reads the host's file, copy-in writes beside
// it.  Copies go through the real `berth cp`, as a user runs it.  The canary is a directory the test makes on the host, holding
// `secret`; the symlink in the container points at its host path.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import type { Engine } from '../../src/engine/engine.js';
import { NATIVE_BUILD } from '../../src/engine/sys.js';
import { engineSuite } from '../_engine.js';
import { berth } from '../_berth.js';
import { FREEZE_MARKER, freezeContainer, freezerOf } from '../../src/engine/runtime/freeze.js';
import { cgroupHost, cgroupVersion, type CgroupHost } from '../../src/engine/runtime/cgroups.js';
import { copyIn, copyOut } from '../../src/engine/containers/cp.js';
import { resolveSettings } from '../../src/engine/settings.js';

/** this test run's cgroups, from its settings (the runner's BERTH_CGROUP_PARENT) */
const engineCgroups = cgroupHost(resolveSettings());

const PROBES = path.join(NATIVE_BUILD, 'probes');
const ROUNDS = 30;
const { test, engine: opened } = engineSuite('security: cp and export against a swapping container');
let engine: Engine;
let canaryDir: string;
let work: string;
let canaryText: string;
let id: string;

test.before(async () => {
  engine = opened();
  assert.ok(fs.existsSync(path.join(PROBES, 'swap-race')), `build the probes first: make -C native (${PROBES}/swap-race missing)`);
  canaryDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-canary-'));
  canaryText = `HOST-CANARY-${process.pid}-${Date.now()}\n`;
  fs.writeFileSync(path.join(canaryDir, 'secret'), canaryText);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cp-race-'));
  const c = await engine.create({
    image: 'busybox',
    // through sh: the engine looks the command up in the image, before the bind is there
    cmd: ['sh', '-c', `mkdir -p /data && exec /probes/swap-race /data/dir /data/link ${canaryDir} 300`],
    binds: [`${PROBES}:/probes:ro`],
  });
  id = c.id;
  await engine.start(id);
  // Racing once the probe has made its files: a copy-out that finds the container's secret.
  const probe = path.join(work, 'ready');
  for (let attempt = 0; ; attempt++) {
    try {
      await cp(`${id}:/data/dir/secret`, probe);
      if (fs.readFileSync(probe, 'utf8') === 'container-secret\n' || fs.readFileSync(probe, 'utf8') === canaryText) break;
    } catch { /* not made yet, or swapped right now */ }
    if (attempt > 100) throw new Error('the swap-race probe never made /data/dir/secret');
    await new Promise((r) => setTimeout(r, 50));
  }
  fs.rmSync(probe, { force: true });
});

test.after(async () => {
  if (id) await engine.remove(id, { force: true }).catch(() => undefined);
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(canaryDir, { recursive: true, force: true });
});

function canaryUntouched(): void {
  assert.equal(fs.readdirSync(canaryDir), ['secret'], `something was written beside the host canary: ${fs.readdirSync(canaryDir).join(', ')}`);
  assert.is(fs.readFileSync(path.join(canaryDir, 'secret'), 'utf8'), canaryText, 'the host canary changed');
}

/** `berth cp A B`; rejects with its stderr when it fails. */
async function cp(from: string, to: string): Promise<void> {
  const result = await berth(['cp', from, to], { timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(result.stderr.trim() || `berth cp exited ${result.code}`);
}

test(`${ROUNDS} copy-outs of c:/data/dir/secret never return the host's file`, async () => {
  const start = Date.now();
  let leaked = 0, copied = 0, refused = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const out = path.join(work, `out-${i}`);
    try {
      await cp(`${id}:/data/dir/secret`, out);
      const text = fs.readFileSync(out, 'utf8');
      if (text === canaryText) leaked++;
      else if (text === 'container-secret\n') copied++;
      else throw new Error(`copy-out ${i} gave unexpected text ${JSON.stringify(text)}`);
    } catch (error) {
      if (/HOST-CANARY/.test(String(error))) leaked++;
      refused++; // the path was the symlink at that moment: resolved inside the rootfs, not found
    }
    fs.rmSync(out, { recursive: true, force: true });
  }
  console.log(`  copy-out: ${copied} read the container's file, ${refused} found nothing, ${leaked} leaked`);
  assert.is(leaked, 0, `${leaked}/${ROUNDS} copy-outs read the host canary (${copied} read the container's file, ${refused} found nothing)`);
  assert.ok(copied + refused === ROUNDS);
  assert.ok(Date.now() - start < 120_000, 'bounded in time');
  canaryUntouched();
});

test(`${ROUNDS} copy-ins to c:/data/dir/ never write on the host`, async () => {
  const start = Date.now();
  let escaped = 0, written = 0, refused = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const source = path.join(work, `planted-${i}`);
    fs.writeFileSync(source, `planted by copy-in ${i}\n`);
    try {
      await cp(source, `${id}:/data/dir/`);
      written++;
    } catch {
      refused++;
    }
    if (fs.existsSync(path.join(canaryDir, `planted-${i}`))) escaped++;
  }
  console.log(`  copy-in: ${written} written, ${refused} refused, ${escaped} escaped`);
  try {
    assert.is(escaped, 0, `${escaped}/${ROUNDS} copy-ins wrote beside the host canary (${written} succeeded, ${refused} refused)`);
    assert.ok(Date.now() - start < 120_000, 'bounded in time');
    canaryUntouched();
  } finally {
    // The next test judges export alone.
    for (const name of fs.readdirSync(canaryDir)) if (name.startsWith('planted-')) fs.rmSync(path.join(canaryDir, name), { force: true });
  }
});

/** The container's rootfs as the engine mounted it (overlay or btrfs), from the kernel's mount table. */
function mountedRootfs(): string | undefined {
  const root = process.env.BERTH_ROOT ?? '';
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mountPoint = line.split(' ')[4] ?? '';
    if (mountPoint.startsWith(root + '/') && mountPoint.includes(id)) return mountPoint;
  }
  return undefined;
}

test('without the freeze too: the fd-held resolution alone never leads a copy onto the host', async () => {
  const rootfs = mountedRootfs();
  if (!rootfs) return; // a driver that mounts nothing (vfs): the engine's paths are covered above
  let leaked = 0, escaped = 0, copied = 0, written = 0;
  const errors = new Set<string>();
  for (let i = 0; i < ROUNDS; i++) {
    const out = path.join(work, `raw-out-${i}`);
    try {
      await copyOut(rootfs, '/data/dir/secret', out, id);
      const text = fs.readFileSync(out, 'utf8');
      if (text === canaryText) leaked++; else copied++;
    } catch (error) {
      errors.add((error as Error).message.replace(id, 'C').slice(0, 80)); // the name was the symlink at that moment
    }
    fs.rmSync(out, { recursive: true, force: true });
    const source = path.join(work, `raw-planted-${i}`);
    fs.writeFileSync(source, 'planted\n');
    try {
      await copyIn(rootfs, source, '/data/dir/', id, work);
      written++;
    } catch (error) {
      errors.add((error as Error).message.replace(id, 'C').slice(0, 80));
    }
    if (fs.existsSync(path.join(canaryDir, `raw-planted-${i}`))) escaped++;
  }
  console.log(`  unfrozen (${rootfs}): copy-out ${copied} read, ${leaked} leaked; copy-in ${written} written, ${escaped} escaped; errors: ${[...errors].join(' | ')}`);
  assert.is(leaked, 0, `${leaked}/${ROUNDS} unfrozen copy-outs read the host canary (${copied} read the container's file)`);
  assert.is(escaped, 0, `${escaped}/${ROUNDS} unfrozen copy-ins wrote beside the host canary (${written} written)`);
  canaryUntouched();
});

test('export of the running, swapping container never carries the host canary, and never breaks', async () => {
  // Through `berth export -o`, as a user runs it: a walk that meets a name
  // changing under it fails (or, before the freeze, crashed berth with a tar
  // "Size mismatch" when a host file stood where the container's had been).
  const start = Date.now();
  let leaked = 0;
  const failures: string[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const file = path.join(work, `export-${i}.tar`);
    const result = await berth(['export', '-o', file, id], { timeoutMs: 60_000 });
    if (result.code !== 0) failures.push(result.stderr.trim().split('\n').slice(-3).join(' | '));
    if (fs.existsSync(file) && fs.readFileSync(file).includes(canaryText.trim())) leaked++;
    fs.rmSync(file, { force: true });
  }
  console.log(`  export: ${ROUNDS - failures.length} complete, ${failures.length} failed, ${leaked} leaked`);
  assert.is(leaked, 0, `${leaked}/${ROUNDS} exports carried the host canary's contents`);
  assert.equal(failures, [], `${failures.length}/${ROUNDS} exports of the running container failed: ${failures.slice(0, 3).join('; ')}`);
  assert.ok(Date.now() - start < 180_000, 'bounded in time');
  canaryUntouched();
});

test('the container is thawed after every copy, and still swapping', async () => {
  const freezer = freezerOf(id, engineCgroups);
  if (freezer) {
    const state = fs.readFileSync(path.join(freezer.dir, freezer.kind === 'v1' ? 'freezer.state' : 'cgroup.freeze'), 'utf8').trim();
    assert.ok(state === 'THAWED' || state === '0', `the container's cgroup is left ${state}`);
  }
  const record = await engine.inspect(id);
  assert.is(record.state.status, 'running');
  // Copies keep working and the probe keeps going: two copy-outs see both states sooner or later.
  const seen = new Set<string>();
  for (let i = 0; i < 40 && seen.size < 2; i++) {
    const out = path.join(work, `thaw-${i}`);
    try {
      await cp(`${id}:/data/dir/secret`, out);
      seen.add('file');
    } catch {
      seen.add('missing');
    }
    fs.rmSync(out, { force: true });
  }
  assert.is(seen.size, 2, 'the probe stopped swapping: the container was left frozen');
});

test('a freeze a killed berth left behind is undone by the next cp; an operator\'s own freeze is left alone', async () => {
  const freezer = freezerOf(id, engineCgroups);
  if (!freezer) return;
  const state = path.join(freezer.dir, freezer.kind === 'v1' ? 'freezer.state' : 'cgroup.freeze');
  const [frozen, thawed] = freezer.kind === 'v1' ? ['FROZEN', 'THAWED'] : ['1', '0'];
  const marker = path.join(process.env.BERTH_ROOT!, 'containers', id, FREEZE_MARKER);
  try {
    // As a berth killed mid-copy leaves it: frozen, and the marker naming a process that is gone.
    fs.writeFileSync(state, frozen);
    fs.writeFileSync(marker, '999999999 1\n');
    await cp(`${id}:/etc/hostname`, path.join(work, 'after-abandoned'));
    assert.is(fs.readFileSync(state, 'utf8').trim(), thawed, 'the abandoned freeze was undone');
    assert.not.ok(fs.existsSync(marker));
    // Frozen by someone else (no marker): cp works on it and leaves it frozen.
    fs.writeFileSync(state, frozen);
    await cp(`${id}:/etc/hostname`, path.join(work, 'while-frozen'));
    assert.ok(['FROZEN', 'FREEZING', '1'].includes(fs.readFileSync(state, 'utf8').trim()), 'an operator\'s freeze is theirs to undo');
  } finally {
    fs.writeFileSync(state, thawed);
    fs.rmSync(marker, { force: true });
  }
});

const hasRunc = ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc', '/usr/local/bin/runc'].some((p) => fs.existsSync(p));

test('with --runtime runc too: its cgroup (linux.cgroupsPath) freezes the same, and nothing reaches the host', async () => {
  if (!hasRunc) return;
  const c = await engine.create({
    image: 'busybox',
    runtime: 'runc',
    cmd: ['sh', '-c', `mkdir -p /data && exec /probes/swap-race /data/dir /data/link ${canaryDir} 300`],
    binds: [`${PROBES}:/probes:ro`],
  });
  try {
    await engine.start(c.id);
    assert.ok(freezerOf(c.id, engineCgroups), 'runc made the container a freezer cgroup where berth looks');
    let leaked = 0, escaped = 0, copied = 0, written = 0;
    const rounds = 15;
    for (let i = 0; i < rounds; i++) {
      const out = path.join(work, `runc-out-${i}`);
      try {
        await cp(`${c.id}:/data/dir/secret`, out);
        if (fs.readFileSync(out, 'utf8') === canaryText) leaked++; else copied++;
      } catch { /* swapped at that moment */ }
      fs.rmSync(out, { recursive: true, force: true });
      const source = path.join(work, `runc-planted-${i}`);
      fs.writeFileSync(source, 'planted\n');
      try {
        await cp(source, `${c.id}:/data/dir/`);
        written++;
      } catch { /* likewise */ }
      if (fs.existsSync(path.join(canaryDir, `runc-planted-${i}`))) escaped++;
    }
    console.log(`  runc: copy-out ${copied} read, ${leaked} leaked; copy-in ${written} written, ${escaped} escaped`);
    assert.is(leaked, 0, `${leaked}/${rounds} copy-outs from the runc container read the host canary`);
    assert.is(escaped, 0, `${escaped}/${rounds} copy-ins to the runc container wrote beside the host canary`);
    const freezer = freezerOf(c.id, engineCgroups)!;
    assert.is(fs.readFileSync(path.join(freezer.dir, freezer.kind === 'v1' ? 'freezer.state' : 'cgroup.freeze'), 'utf8').trim(), freezer.kind === 'v1' ? 'THAWED' : '0');
    canaryUntouched();
  } finally {
    await engine.remove(c.id, { force: true });
  }
});

function v2Host(): CgroupHost | undefined {
  if (cgroupVersion() === 2) return engineCgroups;
  const line = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => / - cgroup2 /.test(l));
  return line ? { version: 2, root: line.split(' ')[4]!, hierarchies: [], parent: engineCgroups.parent } : undefined;
}

test('cgroup v2: cgroup.freeze stops the container for the copy (a hybrid machine runs the engine on its cgroup2 mount)', async () => {
  const host = v2Host();
  if (!host) return;
  const env = cgroupVersion() === 1 ? { BERTH_CGROUP2_ROOT: host.root } : {};
  const run = await berth(['run', '-d', '-v', `${PROBES}:/probes:ro`, 'busybox', 'sh', '-c', `mkdir -p /data && exec /probes/swap-race /data/dir /data/link ${canaryDir} 300`], { env });
  assert.is(run.code, 0, run.stderr);
  const v2id = run.stdout.trim().split('\n').pop()!;
  try {
    const freezer = freezerOf(v2id, host);
    assert.is(freezer?.kind, 'v2', `the container's v2 cgroup has cgroup.freeze (${freezer?.dir})`);
    const events = () => fs.readFileSync(path.join(freezer!.dir, 'cgroup.events'), 'utf8');
    const thaw = await freezeContainer(v2id, host);
    assert.match(events(), /^frozen 1$/m, 'frozen once freezeContainer resolves');
    thaw();
    for (let i = 0; i < 100 && /^frozen 1$/m.test(events()); i++) await new Promise((r) => setTimeout(r, 10));
    assert.match(events(), /^frozen 0$/m, 'thawed');
    let leaked = 0, escaped = 0;
    const rounds = 10;
    for (let i = 0; i < rounds; i++) {
      const out = path.join(work, `v2-out-${i}`);
      const copied = await berth(['cp', `${v2id}:/data/dir/secret`, out], { env });
      if (copied.code === 0 && fs.readFileSync(out, 'utf8') === canaryText) leaked++;
      fs.rmSync(out, { force: true });
      const source = path.join(work, `v2-planted-${i}`);
      fs.writeFileSync(source, 'planted\n');
      await berth(['cp', source, `${v2id}:/data/dir/`], { env });
      if (fs.existsSync(path.join(canaryDir, `v2-planted-${i}`))) escaped++;
    }
    assert.is(leaked, 0, `${leaked}/${rounds} v2 copy-outs read the host canary`);
    assert.is(escaped, 0, `${escaped}/${rounds} v2 copy-ins wrote beside the host canary`);
    assert.is(fs.readFileSync(path.join(freezer!.dir, 'cgroup.freeze'), 'utf8').trim(), '0', 'left thawed');
    canaryUntouched();
  } finally {
    await berth(['rm', '-f', v2id], { env });
  }
});

test.run();
