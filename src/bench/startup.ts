// Start-up cost of a container: `run --rm busybox true` through the engine
// API (--net none, and --net bridge for what networking adds), side by side with `runc run` on the same rootfs and with
// `unshare --fork --pid --mount --uts --ipc --net true`, plus a plain
// fork+exec of `true` as the floor.  Rounds interleave the variants so a
// noisy neighbour slows all of them alike; figures are medians, and the
// verdict is a ratio against runc measured in the same run.
//
//   node dist/src/bench/startup.js [--runs N] [--storage-driver overlay|vfs|btrfs]
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Engine } from '../engine/engine.js';
import { buildOciSpec } from '../engine/runtime/oci-spec.js';
import { defaultEnv } from '../engine/runtime/user.js';
import type { DriverName } from '../engine/storage/driver.js';

interface Variant {
  readonly name: string;
  readonly once: () => Promise<void> | void;
}

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return index > 0 && process.argv[index + 1] ? process.argv[index + 1]! : fallback;
}

function quantile(sorted: readonly number[], q: number): number {
  const index = (sorted.length - 1) * q;
  const low = Math.floor(index);
  return sorted[low]! + (sorted[Math.ceil(index)]! - sorted[low]!) * (index - low);
}

function check(result: ReturnType<typeof spawnSync>, what: string): void {
  if (result.status !== 0) throw new Error(`${what} failed (${result.status}): ${String(result.stderr)}`);
}

/** A copy of the busybox rootfs and a config.json runc can run: the same bundle berth's native runtime would get. */
async function runcBundle(engine: Engine, dir: string): Promise<{ bundle: string; runc: string | undefined }> {
  const runc = ['/usr/sbin/runc', '/usr/bin/runc'].find((p) => fs.existsSync(p));
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(rootfs, { recursive: true });
  const container = await engine.create({ image: 'busybox', cmd: ['true'] });
  await engine.copy(`${container.id}:/.`, rootfs);
  await engine.remove(container.id);
  const spec = buildOciSpec({
    id: 'bench',
    rootfs,
    args: ['true'],
    env: defaultEnv(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], { uid: 0, gid: 0, additionalGids: [], home: '/root' }, 'bench'),
    hostname: 'bench',
    user: { uid: 0, gid: 0 },
    network: 'none',
    cgroupsPath: `/${process.env.BERTH_CGROUP_PARENT || 'berth'}/bench-runc`,
  });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
  return { bundle: dir, runc };
}

async function main(): Promise<void> {
  const runs = Number(argument('--runs', '30'));
  const engine = await Engine.open({ storageDriver: argument('--storage-driver', '') as DriverName || undefined });
  await engine.pull('busybox');
  const work = fs.mkdtempSync(path.join(engine.paths.tmp, `bench-${process.pid}-`));
  const { bundle, runc } = await runcBundle(engine, work);
  const runcRoot = path.join(work, 'runc-state');
  const unshare = ['/usr/bin/unshare', '/bin/unshare'].find((p) => fs.existsSync(p));

  const variants: Variant[] = [
    { name: 'fork+exec true (floor)', once: () => check(spawnSync('/bin/true'), 'true') },
    {
      name: 'berth engine API run --rm',
      once: async () => {
        const result = await engine.run({ image: 'busybox', cmd: ['true'], network: 'none', autoRemove: true });
        if (result.exitCode !== 0) throw new Error(`berth run exited ${result.exitCode}: ${result.error}`);
      },
    },
    {
      // A bridged container running beside keeps the bridge and its chains up,
      // so this measures what one container's network costs (netns, veth,
      // address, routes, /etc files), not building the bridge each time.
      name: 'berth run --rm --net bridge',
      once: async () => {
        const result = await engine.run({ image: 'busybox', cmd: ['true'], network: 'bridge', autoRemove: true });
        if (result.exitCode !== 0) throw new Error(`berth run exited ${result.exitCode}: ${result.error}`);
      },
    },
  ];
  const holder = await engine.create({ image: 'busybox', cmd: ['sleep', '3600'], network: 'bridge' });
  await engine.start(holder.id);
  if (runc) {
    variants.push({
      name: 'runc run (same rootfs)',
      once: () => {
        const id = `bench-${crypto.randomBytes(4).toString('hex')}`;
        check(spawnSync(runc, ['--root', runcRoot, 'run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] }), 'runc run');
        spawnSync(runc, ['--root', runcRoot, 'delete', '-f', id]);
      },
    });
  }
  if (unshare) {
    variants.push({ name: 'unshare -fpmuin true', once: () => check(spawnSync(unshare, ['--fork', '--pid', '--mount', '--uts', '--ipc', '--net', 'true']), 'unshare') });
  }

  for (const v of variants) await v.once(); // warm caches once, unmeasured
  const samples = new Map(variants.map((v) => [v.name, [] as number[]]));
  process.stderr.write(`startup: ${runs} interleaved rounds, storage driver ${engine.storageDriver}\n`);
  for (let round = 0; round < runs; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const start = performance.now();
      await v.once();
      samples.get(v.name)!.push(performance.now() - start);
    }
    if ((round + 1) % 10 === 0) process.stderr.write(`  ${round + 1}/${runs}\n`);
  }

  const rows = variants.map((v) => {
    const sorted = [...samples.get(v.name)!].sort((a, b) => a - b);
    return { name: v.name, median: quantile(sorted, 0.5), p10: quantile(sorted, 0.1), p90: quantile(sorted, 0.9) };
  });
  const runcMedian = rows.find((r) => r.name.startsWith('runc'))?.median;
  console.log(`${'variant'.padEnd(28)} ${'median'.padStart(9)} ${'p10'.padStart(9)} ${'p90'.padStart(9)}  vs runc`);
  for (const row of rows) {
    const ratio = runcMedian ? `${(row.median / runcMedian).toFixed(2)}x` : '-';
    console.log(`${row.name.padEnd(28)} ${row.median.toFixed(1).padStart(7)}ms ${row.p10.toFixed(1).padStart(7)}ms ${row.p90.toFixed(1).padStart(7)}ms  ${ratio}`);
  }
  const bridge = rows.find((r) => r.name.includes('bridge'))!.median;
  const none = rows.find((r) => r.name === 'berth engine API run --rm')!.median;
  console.log(`bridge vs none: +${(bridge - none).toFixed(1)}ms per container (${(bridge / none).toFixed(2)}x)`);
  await engine.remove(holder.id, { force: true });
  fs.rmSync(work, { recursive: true, force: true });
  await engine.shutdown();
}

await main();
