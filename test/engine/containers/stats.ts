// `stats` readings agree with what /proc says about the same processes.
import fs from 'node:fs';
import * as assert from 'uvu/assert';
import type { Engine } from '../../../src/engine/engine.js';
import { engineSuite } from '../../_engine.js';
import { berth, ok } from '../../_berth.js';
import { eventually } from '../../_helpers.js';
import { cgroupFor, cgroupHost } from '../../../src/engine/runtime/cgroups.js';
import { resolveSettings } from '../../../src/engine/settings.js';

/** this test run's cgroups, from its settings (the runner's BERTH_CGROUP_PARENT) */
const engineCgroups = cgroupHost(resolveSettings());

const { test, engine: opened } = engineSuite('stats');
let engine: Engine;
test.before(() => {
  engine = opened();
});

const TICKS = 100; // USER_HZ, the unit of /proc/<pid>/stat times, is 100 on Linux

/** CPU seconds of a process and its children-so-far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime + stime
}

test('a busy container\'s CPU % matches /proc over the same interval (within 10%)', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sh', '-c', 'while :; do :; done'], network: 'none' });
  const running = await engine.start(c.id);
  await new Promise((r) => setTimeout(r, 300));
  const before = cpuSeconds(running.state.pid);
  const started = performance.now();
  const [stats] = await engine.stats([c.id], 2000);
  const procPercent = ((cpuSeconds(running.state.pid) - before) / ((performance.now() - started) / 1000)) * 100;
  assert.ok(stats, 'a reading');
  assert.ok(Math.abs(stats!.cpuPercent - procPercent) <= Math.max(10, procPercent * 0.1), `stats ${stats!.cpuPercent.toFixed(1)}% vs /proc ${procPercent.toFixed(1)}%`);
  assert.ok(stats!.cpuPercent > 50, `a busy loop uses most of a core: ${stats!.cpuPercent}`);
  await engine.remove(c.id, { force: true });
});

test('a memory hog\'s usage matches the resident memory /proc reports (within 10%)', async () => {
  // awk keeps a 40 MB string resident, then sleeps.
  const c = await engine.create({ image: 'busybox', cmd: ['awk', 'BEGIN { s = sprintf("%40000000s", ""); print "held"; fflush(); system("sleep 60") }'], network: 'none', memory: 512 * 1024 * 1024 });
  const running = await engine.start(c.id);
  await eventually(async () => {
    let log = '';
    for await (const entry of engine.logs(running)) log += entry.log;
    return log.includes('held');
  }, 15_000, 'the hog to hold its memory');
  const [stats] = await engine.stats([c.id], 200);
  // Every process of the container, as the cgroup counts them all.
  const pids = fs.readFileSync(cgroupFor(c.id, engineCgroups).procsFiles[0]!, 'utf8').split('\n').filter(Boolean);
  const rss = pids.reduce((sum, pid) => sum + Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024, 0);
  assert.ok(Math.abs(stats!.memoryUsage - rss) <= rss * 0.1, `stats ${stats!.memoryUsage} vs VmRSS ${rss}`);
  assert.is(stats!.memoryLimit, 512 * 1024 * 1024);
  await engine.remove(c.id, { force: true });
});

test('the CLI prints Docker\'s columns with --no-stream and JSON lines with --format json', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sleep', '60'], name: 'quiet' });
  await engine.start(c.id);
  const table = await ok(['stats', '--no-stream']);
  assert.match(table, /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS\n/);
  assert.match(table, /quiet\s+\d+\.\d\d%\s+\S+ \/ \S+\s+\d+\.\d\d%/);
  const json = JSON.parse((await ok(['stats', '--no-stream', '--format', 'json', 'quiet'])).trim());
  assert.is(json.Name, 'quiet');
  assert.is(json.PIDs, '1');
  const missing = await berth(['stats', '--no-stream', 'ghost']);
  assert.is(missing.code, 1);
  await engine.remove(c.id, { force: true });
});

test.run();
