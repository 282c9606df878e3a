// storage: what each storage driver's operations cost as the image grows:
// create a container's layer, mount it (and write a file), commit it, remove
// it.  Rows compare the largest image with the smallest on the same driver.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PAPER, SEED } from '../claims.js';
import { benchTar, IN_IMAGE, type BenchContext } from '../context.js';
import { summarize } from '../figures.js';
import { driverProblem, type DriverName, type Engine } from '../../engine/index.js';

const OPS = ['create', 'mount', 'commit', 'remove'] as const;
type Op = (typeof OPS)[number];

async function cycle(engine: Engine, image: string): Promise<Record<Op, number>> {
  const times = {} as Record<Op, number>;
  let t = performance.now();
  const record = await engine.create({ image, cmd: [IN_IMAGE('nop')], network: 'none' });
  times.create = performance.now() - t;
  try {
    t = performance.now();
    await engine.withRootfs(record, (rootfs) => fs.writeFileSync(path.join(rootfs, 'tmp', 'committed'), 'bench\n'));
    times.mount = performance.now() - t;
    t = performance.now();
    const committed = await engine.commit(record.id);
    times.commit = performance.now() - t;
    await engine.removeImage(committed.id, true);
  } finally {
    t = performance.now();
    await engine.remove(record.id, { force: true });
    times.remove = performance.now() - t;
  }
  return times;
}

export async function storageSuite(ctx: BenchContext): Promise<void> {
  const sizes = ctx.quick ? [4, 32] : [4, 64, 256];
  const rounds = ctx.quick ? 2 : 5;
  const drivers: Array<[DriverName, Engine]> = [];
  for (const driver of ['overlay', 'btrfs', 'vfs'] as const) {
    const problem = driverProblem(driver);
    if (problem) ctx.skip('storage', driver, problem);
    else drivers.push([driver, await ctx.engine(driver)]);
  }
  const imageName = (mib: number) => `berth-bench-storage:${mib}m`;
  for (const [driver, engine] of drivers) {
    for (const mib of sizes) {
      ctx.checkAborted();
      ctx.progress('storage', `importing a ${mib} MiB image for ${driver}`);
      await engine.importImage(benchTar({ name: 'payload', bytes: mib * 2 ** 20 }), { ref: imageName(mib), message: 'berth bench storage' });
    }
  }
  const samples = new Map<string, number[]>();
  const key = (driver: string, mib: number, op: Op) => `${driver}/${mib}/${op}`;
  for (let round = -1; round < rounds; round++) {
    const order = round % 2 === 0 ? drivers : [...drivers].reverse();
    for (const [driver, engine] of order) {
      for (const mib of sizes) {
        ctx.checkAborted();
        ctx.progress('storage', `${round < 0 ? 'warm-up' : `round ${round + 1}/${rounds}`}: ${driver} ${mib} MiB`, { round: round + 1, rounds });
        const times = await cycle(engine, imageName(mib));
        if (round < 0) continue;
        for (const op of OPS) samples.set(key(driver, mib, op), [...(samples.get(key(driver, mib, op)) ?? []), times[op]]);
      }
    }
  }
  const small = sizes[0]!;
  const large = sizes.at(-1)!;
  for (const [driver] of drivers) {
    for (const op of OPS) {
      ctx.compare({
        suite: 'storage', id: `storage.${driver}.${op}`, title: `${op} ${driver} ms, ${large}M vs ${small}M`, better: 'lower',
        native: { label: `${small} MiB image`, ...summarize(samples.get(key(driver, small, op))!, 'ms') },
        container: { label: `${large} MiB image`, ...summarize(samples.get(key(driver, large, op))!, 'ms') },
        seedClaim: SEED.none, paperFinding: PAPER.storage,
        note: 'reference is the same driver with the smallest image: the ratio is the growth of the cost with image size',
      });
    }
  }
  for (const [, engine] of drivers) {
    for (const mib of sizes) await engine.removeImage(imageName(mib), true).catch(() => undefined);
  }
}
