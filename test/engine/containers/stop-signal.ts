// Graceful stop: --stop-signal reaches the process's trap, --stop-timeout is
// stop's grace period before SIGKILL.
import * as assert from 'uvu/assert';
import type { Engine } from '../../../src/engine/engine.js';
import { engineSuite } from '../../_engine.js';
import { eventually, rejects } from '../../_helpers.js';

const { test, engine: opened } = engineSuite('stop signal and timeout');
let engine: Engine;
test.before(() => {
  engine = opened();
});

const collect = async (gen: AsyncIterable<{ log: string }>) => {
  let text = '';
  for await (const entry of gen) text += entry.log;
  return text;
};

test('--stop-signal SIGUSR1: stop sends it, the trap finishes cleanly', async () => {
  const script = 'trap "echo got usr1; exit 0" USR1; trap "echo got term; exit 9" TERM; echo ready; while :; do sleep 0.1; done';
  const c = await engine.create({ image: 'busybox', cmd: ['sh', '-c', script], stopSignal: 'SIGUSR1' });
  assert.is(c.config.stopSignal, 'SIGUSR1');
  await engine.start(c.id);
  await eventually(async () => (await collect(engine.logs(c))).includes('ready'), 5000, 'the trap to be set');
  const started = Date.now();
  const stopped = await engine.stop(c.id);
  assert.ok(Date.now() - started < 5000, 'no wait for the timeout');
  assert.is(stopped.state.exitCode, 0);
  assert.match(await collect(engine.logs(stopped)), /got usr1/);
  await engine.remove(c.id);
});

test('--stop-timeout 1: stop kills a process that ignores the signal after 1 s', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done'], stopTimeout: 1 });
  assert.is(c.config.stopTimeout, 1);
  await engine.start(c.id);
  await eventually(async () => (await collect(engine.logs(c))).includes('ready'), 5000, 'the trap to be set');
  const started = Date.now();
  const stopped = await engine.stop(c.id);
  const took = Date.now() - started;
  assert.ok(took >= 900 && took < 5000, `stopped after ${took} ms`);
  assert.is(stopped.state.exitCode, 137);
  // stop -t still wins over the container's timeout
  await engine.start(c.id);
  await eventually(async () => (await collect(engine.logs(await engine.inspect(c.id)))).split('ready').length > 2, 5000, 'the trap to be set again');
  const quick = Date.now();
  await engine.stop(c.id, 0);
  assert.ok(Date.now() - quick < 900, 'stop -t 0 kills at once');
  await engine.remove(c.id);
});

test('a bad stop signal is refused at create', async () => {
  await rejects(engine.create({ image: 'busybox', cmd: ['true'], stopSignal: 'SIGNOPE' }), /invalid signal: SIGNOPE/);
});

test.run();
