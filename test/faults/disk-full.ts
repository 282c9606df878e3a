// Issue 12 row 3: a full state root is a clear error, never a wedge.  Before,
// on a 50 MB tmpfs root, `run --name fill busybox dd ... count=60` exited 125
// ("write: no space left on device") leaving an empty exit.json.tmp; then ps,
// logs, rm -f, rmi and prune all failed with ENOSPC, and the container later
// showed Exited (137) though dd exited 1.  Now reconcile's and rm's writes are
// skipped with a warning on a full disk, and the monitor writes the exit file
// into blocks it reserved at start.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { berth, ok } from '../_berth.js';
import { berthRoot } from '../_helpers.js';
import { bestEffortWrites, writeFileAtomic } from '../../src/engine/fs-atomic.js';

const full = suite('disk full: a clear error, never a wedge');

const mountPoint = path.join(berthRoot(), 'small');
const root = path.join(mountPoint, 'root');
const env = { BERTH_ROOT: root };
const on = (args: string[], timeoutMs = 120_000) => berth(args, { env, timeoutMs });
const onOk = (args: string[], timeoutMs = 120_000) => ok(args, { env, timeoutMs });

/** Every file under dir (relative), for "nothing left" checks. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

full.before(async () => {
  const image = path.join(berthRoot(), 'busybox.tar');
  await ok(['pull', 'busybox'], { timeoutMs: 300_000 });
  await ok(['save', '-o', image, 'busybox']);
  fs.mkdirSync(mountPoint, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=50m', 'tmpfs', mountPoint]);
  await onOk(['load', '-i', image]); // no hub on the small root: the image comes in by load
  fs.rmSync(image);
});

full.after(async () => {
  await on(['rm', '-f', 'fill', 'hold', 'big']).catch(() => undefined);
  await on(['rmi', '-f', 'busybox']).catch(() => undefined);
  try {
    execFileSync('umount', [mountPoint]);
  } catch {
    execFileSync('umount', ['-l', mountPoint]);
  }
  fs.rmdirSync(mountPoint);
});

/** A file `record.json` holding "old\n" in a fresh dir, then the tmpfs filled up; both removed after `fn`. */
async function onFullDisk(name: string, fn: (dir: string, file: string) => void | Promise<void>): Promise<void> {
  const dir = path.join(mountPoint, name);
  fs.mkdirSync(dir);
  const file = path.join(dir, 'record.json');
  writeFileAtomic(file, 'old\n');
  const filler = path.join(mountPoint, 'filler');
  try {
    execFileSync('sh', ['-c', `dd if=/dev/zero of=${filler} bs=1M count=100 2>/dev/null || true`]);
    await fn(dir, file);
  } finally {
    fs.rmSync(filler, { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

full('an atomic write that fails for want of space leaves the old file and no temp file', () =>
  onFullDisk('atomic', (dir, file) => {
    let error: NodeJS.ErrnoException | undefined;
    try {
      writeFileAtomic(file, 'x'.repeat(1 << 20));
    } catch (e) {
      error = e as NodeJS.ErrnoException;
    }
    assert.is(error?.code, 'ENOSPC');
    assert.is(fs.readFileSync(file, 'utf8'), 'old\n', 'the old file stands');
    assert.equal(fs.readdirSync(dir), ['record.json'], 'no temp file left');
  }));

full('inside bestEffortWrites the same write is skipped, not thrown', () =>
  onFullDisk('atomic2', async (dir, file) => {
    assert.is(await bestEffortWrites(async () => writeFileAtomic(file, 'x'.repeat(1 << 20))), false);
    assert.is(fs.readFileSync(file, 'utf8'), 'old\n');
    assert.equal(fs.readdirSync(dir), ['record.json']);
  }));

full('a container that fills the root exits with its own code; ps, logs, rm -f, rmi, prune work; nothing is left', async () => {
  const run = await on(['run', '--name', 'fill', 'busybox', 'dd', 'if=/dev/urandom', 'of=/fill', 'bs=1M', 'count=60']);
  assert.match(run.stderr, /No space left on device/);
  assert.is(run.code, 1, `dd's own code (stderr: ${run.stderr})`);
  const ps = await on(['ps', '-a']);
  assert.is(ps.code, 0, ps.stderr);
  assert.match(ps.stdout, /Exited \(1\).*fill/);
  const logs = await on(['logs', 'fill']);
  assert.is(logs.code, 0, logs.stderr);
  assert.is((await onOk(['inspect', '-f', '{{.State.ExitCode}}', 'fill'])).trim(), '1', 'the real code, not 137');
  await onOk(['rm', '-f', 'fill']);
  await onOk(['rmi', 'busybox']);
  await onOk(['system', 'prune', '-f']);
  assert.is((await onOk(['ps', '-aq'])).trim(), '');
  const left = files(root).filter((f) => /\.tmp$|^containers\//.test(f));
  assert.equal(left, [], 'no container file, no temp file');
});

full('a running container on a full root: ps, logs and rm -f still work, and free the space', async () => {
  const image = path.join(berthRoot(), 'busybox2.tar');
  await ok(['save', '-o', image, 'busybox']);
  await onOk(['load', '-i', image]);
  fs.rmSync(image);
  const id = (await onOk(['run', '-d', '--name', 'hold', 'busybox', 'sh', '-c', 'dd if=/dev/zero of=/fill bs=1M count=60; echo filled; sleep 300'])).trim();
  let filled = false;
  for (let i = 0; i < 100 && !filled; i++) {
    filled = (await on(['logs', id])).stdout.includes('filled') || fs.statfsSync(mountPoint).bavail === 0;
    if (!filled) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(filled, 'the root is full');
  const ps = await on(['ps']);
  assert.is(ps.code, 0, ps.stderr);
  assert.match(ps.stdout, /Up .*hold/);
  assert.is((await on(['logs', 'hold'])).code, 0);
  await onOk(['rm', '-f', 'hold']);
  assert.ok(fs.statfsSync(mountPoint).bavail > 0, 'space is back');
  await onOk(['rmi', 'busybox']);
  await onOk(['system', 'prune', '-f']);
  assert.equal(files(root).filter((f) => /\.tmp$|^containers\//.test(f)), []);
});

full('commit that runs out of space: a clear error, rc 1, no partial blob (row 4)', async () => {
  const image = path.join(berthRoot(), 'busybox3.tar');
  await ok(['save', '-o', image, 'busybox']);
  await onOk(['load', '-i', image]);
  fs.rmSync(image);
  await onOk(['run', '--name', 'big', 'busybox', 'dd', 'if=/dev/urandom', 'of=/big', 'bs=1M', 'count=30']);
  const commit = await on(['commit', 'big', 'bigimg']);
  assert.is(commit.code, 1, commit.stderr);
  assert.match(commit.stderr, /^Error: no space left on device while writing layer of container [0-9a-f]{12}: free space in /);
  assert.not.match(commit.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(fs.readdirSync(path.join(root, 'tmp')), [], 'no partial blob');
  await onOk(['rm', '-f', 'big']);
  await onOk(['rmi', 'busybox']);
});

full.run();
