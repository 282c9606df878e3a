// memory: STREAM and RandomAccess natively, in a container, and in a
// container under a memory limit (the cgroup's accounting on every page).
import { PAPER, SEED } from '../claims.js';
import { figureOf, IN_IMAGE, type BenchContext } from '../context.js';

export async function memorySuite(ctx: BenchContext): Promise<void> {
  const engine = await ctx.engine();
  const [elements, reps, log2, rounds] = ctx.quick ? [4_000_000, 3, 22, 3] : [20_000_000, 5, 25, 7];
  const limit = ctx.quick ? 512 * 2 ** 20 : 2 * 2 ** 30; // well above the arrays: accounting, not reclaim
  const stream = [IN_IMAGE('stream'), String(elements), String(reps)];
  const random = [IN_IMAGE('random'), String(log2), '4'];
  const both = async (run: (cmd: string[]) => Promise<Record<string, number>>) => ({ ...(await run(stream)), ...(await run(random)) });
  const values = await ctx.repeat('memory', [
    { name: 'native', run: async () => ({ ...(await ctx.native('stream', [elements, reps])), ...(await ctx.native('random', [log2, 4])) }) },
    { name: 'container', run: () => both((cmd) => ctx.container(engine, { cmd })) },
    { name: 'container --memory', run: () => both((cmd) => ctx.container(engine, { cmd, memory: limit })) },
  ], rounds);
  const limitLabel = `-m ${limit / 2 ** 20}m`;
  const rows: Array<[string, string, string, string]> = [
    ['copy_gbs', 'STREAM copy GB/s', 'GB/s', PAPER.streamCopy],
    ['scale_gbs', 'STREAM scale GB/s', 'GB/s', PAPER.stream],
    ['add_gbs', 'STREAM add GB/s', 'GB/s', PAPER.stream],
    ['triad_gbs', 'STREAM triad GB/s', 'GB/s', PAPER.stream],
    ['gups', 'RandomAccess GUPS', 'GUPS', PAPER.random],
  ];
  for (const [metric, title, unit, paper] of rows) {
    const native = { label: 'native', ...figureOf(values, 'native', metric, unit) };
    ctx.compare({
      suite: 'memory', id: `memory.${metric}.container`, title, better: 'higher', native,
      container: { label: 'container', ...figureOf(values, 'container', metric, unit) },
      expected: 1, seedClaim: SEED.memory, paperFinding: paper,
    });
    ctx.compare({
      suite: 'memory', id: `memory.${metric}.limit`, title: `${title} ${limitLabel}`, better: 'higher', native,
      container: { label: `container ${limitLabel}`, ...figureOf(values, 'container --memory', metric, unit) },
      expected: 1, seedClaim: SEED.memory, paperFinding: PAPER.memoryLimit,
    });
  }
}
