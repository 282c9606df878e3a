// Restart policies carried out by the monitor: on-failure:N, always after a
// crash, unless-stopped and a user's stop, the Restarting state, and what is
// refused.
import * as assert from 'uvu/assert';
import type { Engine } from '../../../src/engine/engine.js';
import { statusText } from '../../../src/cli/commands/containers.js';
import { engineSuite } from '../../_engine.js';
import { eventually, rejects } from '../../_helpers.js';

const { test, engine: opened } = engineSuite('restart policies');
let engine: Engine;
test.before(() => {
  engine = opened();
});

const collect = async (gen: AsyncIterable<{ log: string }>) => {
  let text = '';
  for await (const entry of gen) text += entry.log;
  return text;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('on-failure:2 on a process that exits 1 restarts it twice, then it stays exited (1); the log continues', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sh', '-c', 'echo run; exit 1'], restart: 'on-failure:2' });
  assert.equal(c.hostConfig.restartPolicy, { name: 'on-failure', maximumRetryCount: 2 });
  await engine.start(c.id);
  const done = await engine.wait(c.id);
  assert.is(done.state.status, 'exited');
  assert.is(done.state.exitCode, 1);
  assert.is(done.restartCount, 2);
  assert.is(await collect(engine.logs(done)), 'run\nrun\nrun\n');
  await engine.remove(c.id);
});

test('on-failure does not restart a process that exits 0', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['true'], restart: 'on-failure' });
  await engine.start(c.id);
  const done = await engine.wait(c.id);
  assert.is(done.state.exitCode, 0);
  assert.is(done.restartCount, 0);
  await engine.remove(c.id);
});

test('always: a kill -9 of the container process from the host brings it back with a new pid', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sleep', '60'], restart: 'always' });
  const first = await engine.start(c.id);
  process.kill(first.state.pid, 'SIGKILL');
  const again = await eventually(async () => {
    const r = await engine.inspect(c.id);
    return r.restartCount === 1 && !r.state.restarting && r.state.pid > 0 ? r : undefined;
  }, 10_000, 'the restart');
  assert.is(again.state.status, 'running');
  assert.is.not(again.state.pid, first.state.pid);
  assert.is(again.state.monitorPid, first.state.monitorPid, 'the same monitor runs it again');
  assert.ok(Date.parse(again.state.startedAt) > Date.parse(first.state.startedAt), 'StartedAt moves to the restart');
  assert.match(statusText(again), /^Up /);
  const top = await engine.top(c.id, '-o pid,args');
  assert.ok(top.processes.some((p) => p.join(' ').includes('sleep 60')), 'the new process runs');
  // A user's kill is not a crash: it stays down.
  await engine.kill(c.id);
  const killed = await engine.wait(c.id);
  assert.is(killed.state.exitCode, 137);
  await sleep(400);
  assert.is((await engine.inspect(c.id)).state.status, 'exited');
  await engine.remove(c.id);
});

test('unless-stopped + stop stays stopped', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sleep', '60'], restart: 'unless-stopped', stopTimeout: 1 });
  await engine.start(c.id);
  const stopped = await engine.stop(c.id);
  assert.is(stopped.state.status, 'exited');
  await sleep(500);
  const later = await engine.inspect(c.id);
  assert.is(later.state.status, 'exited');
  assert.is(later.restartCount, 0);
  // start again: the policy holds again (the stop flag is gone)
  const restarted = await engine.start(c.id);
  process.kill(restarted.state.pid, 'SIGKILL');
  await eventually(async () => ((await engine.inspect(c.id)).restartCount === 1 ? true : undefined), 10_000, 'a restart after start');
  await engine.remove(c.id, { force: true });
});

test('between two runs the container shows as Restarting (code) and a stop ends it', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sh', '-c', 'exit 3'], restart: 'always' });
  await engine.start(c.id);
  const restarting = await eventually(async () => {
    const r = await engine.inspect(c.id);
    return r.state.restarting && r.restartCount >= 3 ? r : undefined;
  }, 10_000, 'the Restarting state');
  assert.is(restarting.state.status, 'running');
  assert.is(restarting.state.pid, 0);
  assert.match(statusText(restarting), /^Restarting \(3\) /);
  const stopped = await engine.stop(c.id);
  assert.is(stopped.state.status, 'exited');
  assert.is(stopped.state.exitCode, 3);
  await engine.remove(c.id);
});

test('refused: a bad policy, a count with always, --restart with --rm', async () => {
  await rejects(engine.create({ image: 'busybox', cmd: ['true'], restart: 'sometimes' }), /invalid restart policy format/);
  await rejects(engine.create({ image: 'busybox', cmd: ['true'], restart: 'always:3' }), /only be used with 'on-failure'/);
  await rejects(engine.create({ image: 'busybox', cmd: ['true'], restart: 'on-failure:x' }), /whole number/);
  await rejects(engine.create({ image: 'busybox', cmd: ['true'], restart: 'always', autoRemove: true }), /Conflicting options: --restart and --rm/);
  assert.is((await engine.list()).length, 0);
});

test.run();
