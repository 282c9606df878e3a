// disk: sequential 1 MiB and random 4 KiB I/O on the host filesystem vs a
// bind volume vs a container's own filesystem on each storage driver (the
// overlay upper dir, a btrfs subvolume, a vfs copy); then the copy-up: the
// first write to a large file that sits in an image layer.
import fs from 'node:fs';
import path from 'node:path';
import { PAPER, SEED } from '../claims.js';
import { benchTar, figureOf, IN_IMAGE, type BenchContext, type RepeatedVariant } from '../context.js';
import { driverProblem, type DriverName, type Engine } from '../../engine/index.js';

const METRICS: Array<[string, string, string, string]> = [
  ['seq_write_mbs', 'seq write 1M', 'MB/s', PAPER.fioSeq],
  ['seq_read_mbs', 'seq read 1M', 'MB/s', PAPER.fioSeq],
  ['rand_read_iops', 'rand read 4K', 'IOPS', PAPER.fioVolume],
  ['rand_write_iops', 'rand write 4K', 'IOPS', PAPER.fioVolume],
];

const BIG_IMAGE = 'berth-bench-big:latest';

export async function diskSuite(ctx: BenchContext): Promise<void> {
  const [mib, seconds, rounds, bigMib] = ctx.quick ? [8, 0.4, 2, 16] : [128, 4, 5, 256];
  const hostDir = path.join(ctx.work, 'disk-host');
  const volumeDir = path.join(ctx.work, 'disk-volume');
  fs.mkdirSync(hostDir, { recursive: true });
  fs.mkdirSync(volumeDir, { recursive: true });
  const args = (dir: string) => [dir, String(mib), String(seconds)];
  const overlay = await ctx.engine('overlay');
  const drivers: Array<[DriverName, Engine]> = [['overlay', overlay]];
  for (const driver of ['btrfs', 'vfs'] as const) {
    const problem = driverProblem(driver);
    if (problem) ctx.skip('disk', driver, problem);
    else drivers.push([driver, await ctx.engine(driver)]);
  }
  const variants: RepeatedVariant[] = [
    { name: 'host fs', run: () => ctx.native('disk', args(hostDir)) },
    { name: 'bind volume', run: () => ctx.container(overlay, { cmd: [IN_IMAGE('disk'), ...args('/data')], binds: [`${volumeDir}:/data`] }) },
    ...drivers.map(([driver, engine]): RepeatedVariant => ({
      name: driver === 'overlay' ? 'overlay upper' : driver,
      run: () => ctx.container(engine, { cmd: [IN_IMAGE('disk'), ...args('/tmp')] }),
    })),
  ];
  const values = await ctx.repeat('disk', variants, rounds);
  const direct = [...values].every(([, m]) => (m.get('direct') ?? [1]).every(Boolean));
  for (const [metric, title, unit, paper] of METRICS) {
    const native = { label: 'host fs', ...figureOf(values, 'host fs', metric, unit) };
    for (const v of variants.slice(1)) {
      ctx.compare({
        suite: 'disk', id: `disk.${metric}.${v.name.replace(/ /g, '-')}`, title: `${title} ${v.name}`, better: 'higher', native,
        container: { label: v.name, ...figureOf(values, v.name, metric, unit) },
        expected: 1, seedClaim: SEED.none, paperFinding: v.name === 'bind volume' ? paper : PAPER.cowStorage,
        ...(v.name === 'btrfs' ? { note: 'btrfs lives on a loopback file on the host filesystem: its figures include the loop device' } : {}),
        ...(!direct ? { note: 'O_DIRECT was refused somewhere: buffered I/O with the cache dropped before reads' } : {}),
      });
    }
  }

  // Copy-up: the first 1-byte write into a big file from the image layer, against the same write natively.
  const bigBytes = bigMib * 2 ** 20;
  const hostBig = path.join(hostDir, 'big');
  await writeBig(hostBig, bigBytes);
  const copyVariants: RepeatedVariant[] = [{ name: 'host fs', run: () => ctx.native('disk', ['firstwrite', hostBig]) }];
  for (const [driver, engine] of drivers) {
    ctx.progress('disk', `importing a ${bigMib} MiB image for ${driver}`);
    if (!engine.listImages().some((i) => i.tags.includes(BIG_IMAGE))) {
      await engine.importImage(benchTar({ name: 'big', bytes: bigBytes }), { ref: BIG_IMAGE, message: 'berth bench copy-up' });
    }
    copyVariants.push({ name: driver, run: () => ctx.container(engine, { image: BIG_IMAGE, cmd: [IN_IMAGE('disk'), 'firstwrite', '/big'] }) });
  }
  const copy = await ctx.repeat('disk', copyVariants, ctx.quick ? 2 : 5);
  const native = { label: 'host fs', ...figureOf(copy, 'host fs', 'first_write_us', 'µs') };
  for (const [driver] of drivers) {
    ctx.compare({
      suite: 'disk', id: `disk.copy-up.${driver}`, title: `first write ${bigMib}M file ${driver}`, better: 'lower', native,
      container: { label: driver, ...figureOf(copy, driver, 'first_write_us', 'µs') },
      seedClaim: SEED.none, paperFinding: PAPER.copyUp,
      note: driver === 'overlay' ? 'overlay copies the whole file up on its first write' : driver === 'btrfs' ? 'btrfs shares extents: only the written block is copied' : 'vfs copied the whole image at create: the write itself is plain',
    });
  }
  fs.rmSync(hostBig, { force: true });
}

async function writeBig(file: string, bytes: number): Promise<void> {
  const block = Buffer.alloc(1 << 20, 0x5a);
  const fd = fs.openSync(file, 'w');
  try {
    for (let written = 0; written < bytes; written += block.length) fs.writeSync(fd, block);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
