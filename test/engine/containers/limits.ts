// Limits are enforced by the kernel, and berth reports what happened.
import * as assert from 'uvu/assert';
import type { Engine } from '../../../src/engine/engine.js';
import { engineSuite } from '../../_engine.js';
import { eventually } from '../../_helpers.js';
import { readCgroup, cgroupFor, cgroupHost } from '../../../src/engine/runtime/cgroups.js';
import { resolveSettings } from '../../../src/engine/settings.js';

/** this test run's cgroups, from its settings (the runner's BERTH_CGROUP_PARENT) */
const engineCgroups = cgroupHost(resolveSettings());

const { test: limits, engine: opened } = engineSuite('limits');
let engine: Engine;
limits.before(() => {
  engine = opened();
});

limits('a memory hog is OOM-killed and inspect says so', async () => {
  // dd allocates its whole block size up front: 100M under a 32M limit.
  const result = await engine.run({ image: 'busybox', cmd: ['sh', '-c', 'dd if=/dev/zero of=/dev/null bs=100M count=1 && echo survived'], memory: 32 * 1024 * 1024 });
  assert.not.match(result.stdout, /survived/, 'the shell saw dd killed, or was killed itself');
  assert.ok(result.exitCode === 137 || result.exitCode === 0, `exit ${result.exitCode}`);
  const record = await engine.inspect(result.id);
  assert.is(record.state.oomKilled, true);
  await engine.remove(result.id);
});

limits('a fork bomb stops at the pids limit', async () => {
  // The inner shell forks until the kernel refuses (ash then exits); its
  // sleeps stay, reparented to pid 1, which exec'd a sleep of its own.
  const c = await engine.create({ image: 'busybox', cmd: ['sh', '-c', 'sh -c "for i in \\$(seq 1 60); do sleep 30 & done"; exec sleep 30'], pidsLimit: 20 });
  await engine.start(c.id);
  let log = '';
  await eventually(async () => {
    log = '';
    for await (const entry of engine.logs(await engine.inspect(c.id))) log += entry.log;
    return log.includes("can't fork");
  }, 10_000, 'the kernel to refuse a fork');
  const stats = readCgroup(cgroupFor(c.id, engineCgroups));
  assert.is(stats.pidsLimit, 20);
  assert.ok(stats.pids >= 15 && stats.pids <= 20, `between 15 and 20 processes, saw ${stats.pids}`);
  await engine.remove(c.id, { force: true });
});

limits('--cpus writes a CFS quota the kernel applies', async () => {
  const id = (await engine.create({ image: 'busybox', cmd: ['sleep', '30'], cpus: 0.5 })).id;
  await engine.start(id);
  const stats = readCgroup(cgroupFor(id, engineCgroups));
  assert.ok(stats.memoryUsage >= 0);
  const fs = await import('node:fs');
  const cg = cgroupFor(id, engineCgroups);
  const quota = cg.version === 2
    ? fs.readFileSync(`${cg.paths[0]}/cpu.max`, 'utf8').trim()
    : fs.readFileSync(`${cg.paths.find((p) => /\/cpu[,/]|\/cpu,cpuacct\//.test(p + '/'))}/cpu.cfs_quota_us`, 'utf8').trim();
  assert.match(quota, /^50000/);
  await engine.remove(id, { force: true });
});

limits.run();
