// Issue 12 row 5 and the kill -9 points: interrupted work cleans up after
// itself.  Before: a `build` killed during a RUN left its step container in
// `ps -a` until `prune`; a `run --rm` whose client was killed left its
// container (exited, not removed) until some other command came along.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BERTH_BIN, ok, removeAll } from '../_berth.js';
import { berthRoot, tempDir } from '../_helpers.js';

const killed = suite('kill -9: the next command recovers, nothing is left');
killed.before(async () => { await ok(['pull', 'busybox'], { timeoutMs: 300_000 }); });
killed.after(removeAll);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const containersDir = () => path.join(berthRoot(), 'containers');
const containerDirs = () => (fs.existsSync(containersDir()) ? fs.readdirSync(containersDir()) : []);
const tmpFiles = () => (fs.existsSync(path.join(berthRoot(), 'tmp')) ? fs.readdirSync(path.join(berthRoot(), 'tmp')) : []);

// Each child's 'close', listened for from the start: a command can finish on
// its own between the marker and the kill, and a listener added after its
// 'close' would wait forever (the event loop empties; uvu exits early).
const closedOf = new WeakMap<ChildProcess, Promise<unknown>>();

/** Spawns berth; resolves once `marker` (a string in its output, or a predicate) is seen, bounded in time. */
async function spawnUntil(args: string[], marker: string | (() => boolean), timeoutMs = 60_000): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--', BERTH_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  closedOf.set(child, new Promise((r) => child.once('close', r)));
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + timeoutMs;
  while (!(typeof marker === 'string' ? output.includes(marker) : marker())) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`berth ${args.join(' ')}: no marker within ${timeoutMs} ms (exit ${child.exitCode}): ${output}`);
    }
    await sleep(20);
  }
  return child;
}

async function kill9(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  await closedOf.get(child);
}

killed('build killed during a RUN: the next command removes its step container', async () => {
  const dir = tempDir('ctx-');
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\nRUN printf "step-%s\\n" started; sleep 30\n');
  const build = await spawnUntil(['build', '-t', 'killed-build', dir], 'step-started');
  assert.is(containerDirs().length, 1, 'the step container is there while the build runs');
  await kill9(build);
  assert.is((await ok(['ps', '-aq'])).trim(), '', 'ps -a shows nothing');
  assert.equal(containerDirs(), [], 'no container dir left');
  fs.rmSync(dir, { recursive: true, force: true });
});

killed('build killed during a COPY: the next command removes its step container', async () => {
  const dir = tempDir('ctx-');
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\nCOPY big /big\n');
  fs.writeFileSync(path.join(dir, 'big'), Buffer.alloc(300 << 20, 1));
  const build = await spawnUntil(['build', '-t', 'killed-copy', dir], () => containerDirs().some((id) => fs.existsSync(path.join(containersDir(), id, 'owner.json'))));
  await kill9(build);
  await ok(['ps', '-a']);
  assert.equal(containerDirs(), [], 'no container dir left');
  assert.equal(tmpFiles(), [], 'no work file left');
  fs.rmSync(dir, { recursive: true, force: true });
});

killed('run --rm whose client is killed: removed when it exits, by the monitor, with no other command', async () => {
  const run = await spawnUntil(['run', '--rm', 'busybox', 'sh', '-c', 'echo ready; sleep 2'], 'ready');
  assert.is(containerDirs().length, 1);
  await kill9(run);
  const deadline = Date.now() + 30_000;
  while (containerDirs().length > 0 && Date.now() < deadline) await sleep(100);
  assert.equal(containerDirs(), [], 'the monitor\'s exit hook removed it');
});

killed('commit killed while writing the layer: no partial blob after the next command', async () => {
  const id = (await ok(['run', '-d', 'busybox', 'sh', '-c', 'dd if=/dev/urandom of=/big bs=1M count=150 2>/dev/null; echo done; sleep 300'])).trim();
  for (let i = 0; i < 300 && !(await ok(['logs', id])).includes('done'); i++) await sleep(100);
  const commit = await spawnUntil(['commit', id, 'killed-commit'], () => tmpFiles().some((f) => f.startsWith('blob-')));
  await kill9(commit);
  assert.ok(tmpFiles().some((f) => f.startsWith('blob-')), 'the killed commit left its partial blob');
  await ok(['ps', '-a']);
  assert.equal(tmpFiles(), [], 'swept');
  assert.not.match(await ok(['images']), /killed-commit/);
  // commit freezes a running container while it reads it: the next command thawed it
  assert.is((await ok(['exec', id, 'echo', 'alive'], { timeoutMs: 20_000 })).trim(), 'alive');
  await ok(['rm', '-f', id]);
});

killed('rm -f killed midway: the next command finishes the removal', async () => {
  const id = (await ok(['run', '-d', 'busybox', 'sleep', '300'])).trim();
  const record = path.join(containersDir(), id, 'container.json');
  // the record goes first: kill rm as soon as it is gone, before the layer and directory
  const rm = await spawnUntil(['rm', '-f', id], () => !fs.existsSync(record));
  await kill9(rm);
  assert.is((await ok(['ps', '-aq'])).trim(), '');
  assert.equal(containerDirs(), [], 'no container dir left');
});

killed('the temp file of an atomic write cut short by kill -9 is swept by the next command', async () => {
  const id = (await ok(['create', 'busybox', 'true'])).trim();
  const dead = spawn('true');
  await new Promise((r) => dead.once('close', r));
  const stale = [path.join(containersDir(), id, `.container.json.${dead.pid}.deadbeef.tmp`), path.join(berthRoot(), `.references.json.${dead.pid}.0badcafe.tmp`)];
  for (const f of stale) fs.writeFileSync(f, '{"half":');
  await ok(['ps', '-a']);
  for (const f of stale) assert.not.ok(fs.existsSync(f), `${path.basename(f)} swept`);
  await ok(['rm', id]);
});

killed.run();
