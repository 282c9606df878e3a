// Timed operations with benchmark.js: each variant runs as a deferred async
// Benchmark in short rounds, the variants interleaved (order reversed every
// other round) so a noisy neighbour slows them all alike; the samples of all
// rounds are pooled into one figure per variant.
import Benchmark from 'benchmark';
import { timedFigure, type Figure } from './figures.js';

export interface TimedVariant {
  readonly name: string;
  readonly once: () => Promise<void> | void;
}

export interface TimingOptions {
  readonly rounds: number;
  /** seconds per variant per round (benchmark.js maxTime) */
  readonly maxTime: number;
  readonly minSamples: number;
  readonly signal: AbortSignal;
  readonly progress: (what: string, at: { round: number; rounds: number }) => void;
}

function runOne(variant: TimedVariant, options: TimingOptions): Promise<number[]> {
  let failure: unknown;
  const fn = function (deferred: { resolve(): void; benchmark: Benchmark }) {
    if (options.signal.aborted) failure ??= options.signal.reason;
    if (failure !== undefined) {
      deferred.benchmark.abort();
      deferred.resolve();
      return;
    }
    Promise.resolve()
      .then(() => variant.once())
      .then(() => deferred.resolve(), (error: unknown) => {
        failure = error;
        deferred.benchmark.abort();
        deferred.resolve();
      });
  };
  // A bound function cannot be decompiled, so benchmark.js calls it by
  // reference and its closure stays intact.
  const bench = new Benchmark(variant.name, {
    defer: true,
    fn: fn.bind(null) as unknown as Benchmark.Options['fn'],
    maxTime: options.maxTime,
    minSamples: options.minSamples,
    initCount: 1,
    delay: 0,
  });
  return new Promise((resolve, reject) => {
    const done = () => {
      if (failure !== undefined) reject(failure);
      else resolve([...bench.stats.sample]);
    };
    bench.on('complete', done);
    bench.on('abort', done);
    bench.on('error', () => reject(bench.error));
    bench.run({ async: true });
  });
}

export async function timeInterleaved(variants: readonly TimedVariant[], options: TimingOptions): Promise<Map<string, Figure>> {
  for (const v of variants) {
    options.signal.throwIfAborted();
    await v.once(); // warm-up, unmeasured
  }
  const pooled = new Map(variants.map((v) => [v.name, [] as number[]]));
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      options.signal.throwIfAborted();
      options.progress(`round ${round + 1}/${options.rounds}: ${v.name}`, { round: round + 1, rounds: options.rounds });
      pooled.get(v.name)!.push(...(await runOne(v, options)));
    }
  }
  return new Map([...pooled].map(([name, samples]) => [name, timedFigure(samples)]));
}
