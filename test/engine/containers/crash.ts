// Crashes and races: kill -9 of a monitor, of the CLI in the middle of run,
// and many commands at once.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Engine } from '../../../src/engine/engine.js';
import { BERTH_BIN, ok } from '../../_berth.js';
import { eventually } from '../../_helpers.js';
import { cgroupHost, createCgroup } from '../../../src/engine/runtime/cgroups.js';
import { resolveSettings } from '../../../src/engine/settings.js';

const crash = suite('crashes and concurrency');
let engine: Engine;

crash.before(async () => {
  engine = await Engine.open();
  await engine.pull('busybox');
});
crash.after(async () => {
  for (const c of await engine.list()) await engine.remove(c.id, { force: true });
  await engine.shutdown();
});

crash('kill -9 of a container monitor shows the container as exited, and cleans up', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sleep', '60'] });
  const running = await engine.start(c.id);
  process.kill(running.state.monitorPid, 'SIGKILL');
  const after = await eventually(async () => {
    const now = await engine.inspect(c.id);
    return now.state.status === 'exited' ? now : undefined;
  }, 5000, 'the container to show as exited');
  assert.is(after.state.exitCode, 137);
  assert.match(after.state.error, /monitor was killed/);
  // Gone, or a zombie waiting for the host's init to reap it: not running either way.
  let state = 'gone';
  try {
    state = fs.readFileSync(`/proc/${running.state.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[0]!;
  } catch {
    state = 'gone';
  }
  assert.ok(state === 'gone' || state === 'Z', `the container process is not running (state ${state})`);
  await engine.remove(c.id);
});

crash('kill -9 of the CLI in the middle of run leaves a state the next command repairs', async () => {
  const child = spawn(process.execPath, ['--', BERTH_BIN, 'run', '--name', 'interrupted', 'busybox', 'sleep', '60'], { stdio: 'ignore' });
  await eventually(async () => /interrupted/.test(await ok(['ps'])), 10_000, 'the container to run');
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  // The container keeps running (its monitor owns it); it can be stopped and removed normally.
  assert.match(await ok(['inspect', '-f', '{{.State.Status}}', 'interrupted']), /running/);
  await ok(['rm', '-f', 'interrupted']);
  assert.not.match(await ok(['ps', '-a']), /interrupted/);
});

crash('a crash in the middle of start (cgroup made, record not yet running): the next command removes the cgroup', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['true'], network: 'none' });
  // What start had made when the kill -9 came: the container's cgroup.
  const cgroup = createCgroup(c.id, {}, cgroupHost(resolveSettings()));
  assert.ok(cgroup.paths.every((p) => fs.existsSync(p)));
  await ok(['ps']);
  assert.ok(cgroup.paths.every((p) => !fs.existsSync(p)), 'the stale cgroup is gone');
  await engine.remove(c.id);
});

crash('a crash between create steps leaves an orphan that the next command removes', async () => {
  const orphan = `${engine.paths.containers}/${'f'.repeat(64)}`;
  fs.mkdirSync(orphan, { recursive: true });
  await ok(['ps']);
  assert.not.ok(fs.existsSync(orphan));
});

crash('work files of a dead process are swept; a live one\'s stay', async () => {
  const dead = spawn('true');
  await new Promise((r) => dead.on('close', r));
  const stale = `${engine.paths.tmp}/blob-${dead.pid}-abc.partial`;
  const live = `${engine.paths.tmp}/blob-${process.pid}-def.partial`;
  fs.writeFileSync(stale, 'half a layer');
  fs.writeFileSync(live, 'being written');
  await ok(['ps']);
  assert.not.ok(fs.existsSync(stale), 'the dead writer\'s file is gone');
  assert.ok(fs.existsSync(live), 'a live writer keeps its file');
  fs.rmSync(live);
});

crash('kill -9 of the CLI in the middle of commit: no partial blob, no half image', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sh', '-c', 'head -c 60000000 /dev/urandom > /big'] });
  await engine.start(c.id);
  await engine.wait(c.id);
  const child = spawn(process.execPath, ['--', BERTH_BIN, 'commit', c.id, 'half:done'], { stdio: 'ignore' });
  await eventually(() => fs.readdirSync(engine.paths.tmp).some((f) => f.startsWith('blob-')) || child.exitCode !== null, 10_000, 'the commit to start writing');
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  await ok(['ps']);
  assert.equal(fs.readdirSync(engine.paths.tmp).filter((f) => f.startsWith('blob-')), []);
  // Either the commit finished before the kill (a whole image) or it left nothing.
  const images = await ok(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  if (images.includes('half:done')) assert.match(await ok(['run', '--rm', 'half:done', 'sh', '-c', 'wc -c < /big']), /60000000/);
  await engine.remove(c.id);
});

crash('twenty runs at once: distinct names, all succeed, state stays readable', async () => {
  const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => engine.run({ image: 'busybox', cmd: ['echo', String(i)], name: `par-${i}` })));
  assert.equal(runs.map((r) => r.stdout).sort(), Array.from({ length: 20 }, (_, i) => `${i}\n`).sort());
  const listed = await engine.list();
  assert.is(listed.filter((c) => c.name.startsWith('par-')).length, 20);
  await Promise.all(runs.map((r) => engine.remove(r.id)));
});

crash('parallel CLI processes never corrupt the state', async () => {
  const results = await Promise.all(Array.from({ length: 6 }, (_, i) => ok(['run', '--name', `cli-${i}`, 'busybox', 'true'])));
  assert.is(results.length, 6);
  const names = (await ok(['ps', '-a', '--format', '{{.Names}}'])).split('\n').filter((n) => n.startsWith('cli-'));
  assert.is(names.length, 6);
  await ok(['rm', ...names]);
});

crash.run();
