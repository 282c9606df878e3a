// cpu: the matrix multiply natively, in a container, and in a container
// limited to half a CPU (--cpus 0.5), whose throughput should halve.
import { PAPER, SEED } from '../claims.js';
import { figureOf, IN_IMAGE, type BenchContext } from '../context.js';

export async function cpuSuite(ctx: BenchContext): Promise<void> {
  const engine = await ctx.engine();
  const [n, reps, rounds] = ctx.quick ? [384, 8, 2] : [768, 8, 7];
  const args = [n, reps];
  const values = await ctx.repeat('cpu', [
    { name: 'native', run: () => ctx.native('linpack', args) },
    { name: 'container', run: () => ctx.container(engine, { cmd: [IN_IMAGE('linpack'), ...args.map(String)] }) },
    { name: 'container --cpus 0.5', run: () => ctx.container(engine, { cmd: [IN_IMAGE('linpack'), ...args.map(String)], cpus: 0.5 }) },
  ], rounds);
  const native = { label: 'native', ...figureOf(values, 'native', 'gflops', 'GFLOPS') };
  ctx.compare({
    suite: 'cpu', id: 'cpu.linpack.container', title: `matmul n=${n} GFLOPS`, better: 'higher',
    native, container: { label: 'container', ...figureOf(values, 'container', 'gflops', 'GFLOPS') },
    expected: 1, seedClaim: SEED.cpu, paperFinding: PAPER.linpack,
  });
  ctx.compare({
    suite: 'cpu', id: 'cpu.linpack.cpus-0.5', title: 'matmul GFLOPS --cpus 0.5', better: 'higher',
    native, container: { label: 'container --cpus 0.5', ...figureOf(values, 'container --cpus 0.5', 'gflops', 'GFLOPS') },
    expected: 0.5, seedClaim: SEED.cpu, paperFinding: PAPER.cpuLimit,
    note: 'the CFS quota (50 ms per 100 ms period) should halve throughput: expected ratio 0.5; when other work competes for the CPUs the native run is slowed too, and the ratio rises',
  });
  ctx.compare({
    suite: 'cpu', id: 'cpu.share.cpus-0.5', title: 'CPU-s per wall-s --cpus 0.5', better: 'lower',
    native: { label: 'native', ...figureOf(values, 'native', 'cpu_share', 'CPU') },
    container: { label: 'container --cpus 0.5', ...figureOf(values, 'container --cpus 0.5', 'cpu_share', 'CPU') },
    expected: 0.5, seedClaim: SEED.cpu, paperFinding: PAPER.cpuLimit,
    note: 'CPU time the workload got per second of wall-clock time: the limit caps it at 0.5 whatever else runs',
  });
}
