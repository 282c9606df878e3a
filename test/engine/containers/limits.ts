// Limits are enforced by the kernel, and berth reports what happened.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Engine } from '../../../src/engine/engine.js';
import { readCgroup, cgroupFor } from '../../../src/engine/runtime/cgroups.js';

const limits = suite('limits');
let engine: Engine;

limits.before(async () => {
  engine = await Engine.open();
});
limits.after(async () => {
  for (const c of await engine.list()) await engine.remove(c.id, { force: true });
  await engine.shutdown();
});

limits('a memory hog is OOM-killed and inspect says so', async () => {
  // tail keeps everything it reads in memory when it looks for the last line of a line-less stream.
  const result = await engine.run({ image: 'busybox', cmd: ['sh', '-c', 'head -c 200m /dev/zero | tail -c 1 >/dev/null; echo survived'], memory: 32 * 1024 * 1024 });
  assert.is(result.exitCode, 137, `exit ${result.exitCode}: ${result.stdout} ${result.stderr}`);
  const record = await engine.inspect(result.id);
  assert.is(record.state.oomKilled, true);
  await engine.remove(result.id);
});

limits('a fork bomb stops at the pids limit', async () => {
  const result = await engine.run({
    image: 'busybox',
    cmd: ['sh', '-c', 'for i in $(seq 1 60); do sleep 5 & done 2>/dev/null; sleep 0.2; ps -o pid | wc -l'],
    pidsLimit: 20,
    autoRemove: true,
  });
  const count = Number(result.stdout.trim());
  assert.ok(count <= 21, `at most 20 processes (+ header), saw ${count}: ${result.stderr.slice(0, 200)}`);
  assert.match(result.stderr, /can't fork|Resource temporarily unavailable/);
});

limits('--cpus writes a CFS quota the kernel applies', async () => {
  const id = (await engine.create({ image: 'busybox', cmd: ['sleep', '30'], cpus: 0.5 })).id;
  await engine.start(id);
  const stats = readCgroup(cgroupFor(id));
  assert.ok(stats.memoryUsage >= 0);
  const fs = await import('node:fs');
  const cg = cgroupFor(id);
  const quota = cg.version === 2
    ? fs.readFileSync(`${cg.paths[0]}/cpu.max`, 'utf8').trim()
    : fs.readFileSync(`${cg.paths.find((p) => /\/cpu[,/]|\/cpu,cpuacct\//.test(p + '/'))}/cpu.cfs_quota_us`, 'utf8').trim();
  assert.match(quota, /^50000/);
  await engine.remove(id, { force: true });
});

limits.run();
