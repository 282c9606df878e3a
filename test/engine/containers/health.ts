// Health checks run by the container's monitor: unhealthy after the retries,
// healthy, the start period, the timeout, and the probe really inside the
// container (its pid namespace, user, env and cgroup).
import fs from 'node:fs';
import * as assert from 'uvu/assert';
import type { Engine } from '../../../src/engine/engine.js';
import type { ContainerRecord } from '../../../src/engine/containers/record.js';
import { bundleFiles } from '../../../src/engine/containers/record.js';
import { statusText } from '../../../src/cli/commands/containers.js';
import { engineSuite } from '../../_engine.js';
import { eventually } from '../../_helpers.js';

const { test, engine: opened } = engineSuite('health checks');
let engine: Engine;
test.before(() => {
  engine = opened();
});

async function healthOf(id: string, status: string, ms = 10_000): Promise<ContainerRecord> {
  return eventually(async () => {
    const record = await engine.inspect(id);
    return record.state.health?.Status === status ? record : undefined;
  }, ms, `health ${status}`);
}

test('a failing probe makes the container unhealthy after --health-retries, with a log of probes', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sleep', '60'], health: { cmd: 'echo failing; exit 1', intervalMs: 200, retries: 2 } });
  await engine.start(c.id);
  const started = await engine.inspect(c.id);
  assert.is(started.state.health?.Status, 'starting');
  assert.match(statusText(started), /\(health: starting\)$/);
  const sick = await healthOf(c.id, 'unhealthy');
  const health = sick.state.health!;
  assert.ok(health.FailingStreak >= 2, `streak ${health.FailingStreak}`);
  assert.ok(health.Log.length >= 2 && health.Log.length <= 5);
  const last = health.Log.at(-1)!;
  assert.is(last.ExitCode, 1);
  assert.is(last.Output, 'failing\n');
  assert.ok(Date.parse(last.End) >= Date.parse(last.Start));
  assert.match(statusText(sick), /^Up .* \(unhealthy\)$/);
  await eventually(async () => ((await engine.inspect(c.id)).state.health?.Log.length === 5 ? true : undefined), 5000, 'five probes in the log');
  await engine.remove(c.id, { force: true });
});

test('a passing probe runs in the container: its pid 1, user, env, cwd and cgroup', async () => {
  const c = await engine.create({
    image: 'busybox',
    cmd: ['sleep', '60'],
    user: '1000',
    env: ['PROBE=yes'],
    workingDir: '/tmp',
    health: { cmd: 'tr "\\0" " " </proc/1/cmdline; echo; id -u; echo $PROBE; pwd; [ "$(cat /proc/self/cgroup)" = "$(cat /proc/1/cgroup)" ] && echo same-cgroup', intervalMs: 200 },
  });
  await engine.start(c.id);
  const fine = await healthOf(c.id, 'healthy');
  const [cmdline, uid, env, cwd, cgroup] = fine.state.health!.Log.at(-1)!.Output.split('\n');
  assert.is(cmdline, 'sleep 60 ');
  assert.is(uid, '1000');
  assert.is(env, 'yes');
  assert.is(cwd, '/tmp');
  assert.is(cgroup, 'same-cgroup', "the probe is in the container's cgroups");
  assert.match(statusText(fine), /\(healthy\)$/);
  assert.is(fine.state.health!.FailingStreak, 0);
  await engine.remove(c.id, { force: true });
});

test('failures within the start period do not count; the status stays starting', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sleep', '60'], health: { cmd: 'exit 1', intervalMs: 200, retries: 1, startPeriodMs: 60_000 } });
  await engine.start(c.id);
  const probed = await eventually(async () => {
    const r = await engine.inspect(c.id);
    return (r.state.health?.Log.length ?? 0) >= 3 ? r : undefined;
  }, 10_000, 'three probes');
  assert.is(probed.state.health!.Status, 'starting');
  assert.is(probed.state.health!.FailingStreak, 0);
  assert.ok(probed.state.health!.Log.every((e) => e.ExitCode === 1));
  await engine.remove(c.id, { force: true });
});

test('a probe that outlives --health-timeout is killed and counts as a failure (ExitCode -1)', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sleep', '60'], health: { cmd: 'sleep 30', intervalMs: 100, timeoutMs: 300, retries: 1 } });
  await engine.start(c.id);
  const sick = await healthOf(c.id, 'unhealthy');
  const last = sick.state.health!.Log.at(-1)!;
  assert.is(last.ExitCode, -1);
  assert.match(last.Output, /Health check exceeded timeout/);
  const took = Date.parse(last.End) - Date.parse(last.Start);
  assert.ok(took >= 250 && took < 3000, `killed after ${took} ms`);
  await engine.remove(c.id, { force: true });
});

test('the health file lives in the container dir, survives the exit for inspect, and goes with rm', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sleep', '60'], health: { cmd: 'true', intervalMs: 100 } });
  await engine.start(c.id);
  await healthOf(c.id, 'healthy');
  const file = bundleFiles(engine.paths.containers, c.id).health;
  assert.ok(fs.existsSync(file));
  const stopped = await engine.kill(c.id).then(() => engine.wait(c.id));
  assert.is(stopped.state.health?.Status, 'healthy', 'the last status stays for inspect');
  await engine.remove(c.id);
  assert.not.ok(fs.existsSync(file));
});

test('no health check: no health file, no suffix; --no-healthcheck disables', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sleep', '60'], health: { disable: true } });
  assert.equal(c.config.healthcheck, { Test: ['NONE'] });
  const running = await engine.start(c.id);
  assert.is(running.state.health, undefined);
  assert.match(statusText(running), /^Up [^(]*$/);
  assert.not.ok(fs.existsSync(bundleFiles(engine.paths.containers, c.id).health));
  await engine.remove(c.id, { force: true });
});

const hasRunc = ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc', '/usr/local/bin/runc'].some((p) => fs.existsSync(p));

test('runc: the monitor runs the probe as `runc exec` on the host', async () => {
  if (!hasRunc) return;
  const c = await engine.create({ image: 'busybox', cmd: ['sleep', '60'], runtime: 'runc', health: { cmd: 'tr "\\0" " " </proc/1/cmdline', intervalMs: 200 } });
  await engine.start(c.id);
  await healthOf(c.id, 'healthy');
  // A probe can run before runc init has exec'd the command (its PID 1 is still `runc init`):
  // wait for one that sees the container's own process.
  const seen = await eventually(async () => (await engine.inspect(c.id)).state.health?.Log.some((l) => l.Output === 'sleep 60 '), 15_000, "a probe that reads the container's PID 1");
  assert.ok(seen);
  await engine.remove(c.id, { force: true });
});

test.run();
