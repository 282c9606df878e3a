// The registry suite of `berth bench` (suites/registry.ts) on its own, with
// its raw figures: berth's registry against Docker's distribution, push and
// pull of a 2×100 MB image with skopeo, 20 skopeo pulls at once of a 10 MB
// image, 200 GETs at once of its layer; interleaved rounds; min, median, max
// and the ratio of the medians berth / distribution; failures counted.
//
//   node dist/src/bench/registry.js [--storage fs|s3|both] [--rounds 5] [--mb 100] [--layers 2]
//                                   [--room 20] [--room-mb 10] [--gets 200] [--budget 600] [--quick]
import { BenchContext } from './context.js';
import { progressLine } from './report.js';
import { measureRegistries, registryBenchDefaults, type RegistryRow, type StorageKind } from './suites/registry.js';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
}

function count(name: string, fallback: number): number {
  const text = argument(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(value > 0)) throw new Error(`invalid ${name} ${JSON.stringify(text)}: expected a number above 0`);
  return value;
}

function storages(): StorageKind[] {
  const text = argument('--storage') ?? 'both';
  if (text === 'both') return ['fs', 's3'];
  if (text === 'fs' || text === 's3') return [text];
  throw new Error(`invalid --storage ${JSON.stringify(text)}: expected fs, s3 or both`);
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function print(rows: readonly RegistryRow[]): void {
  const ms = (x: number) => x.toFixed(0).padStart(6);
  console.log(`${'row'.padEnd(36)} ${'registry'.padEnd(12)} ${'min'.padStart(6)} ${'median'.padStart(6)} ${'max'.padStart(6)}  failed  ratio`);
  for (const row of rows) {
    const ratio = median(row.ms.berth) / median(row.ms.distribution);
    for (const name of ['berth', 'distribution'] as const) {
      const xs = row.ms[name];
      const label = name === 'berth' ? `${row.title} (${row.storage})` : '';
      console.log(`${label.padEnd(36)} ${name.padEnd(12)} ${ms(Math.min(...xs))} ${ms(median(xs))} ${ms(Math.max(...xs))}  ${String(row.failed[name]).padStart(6)}  ${name === 'berth' ? `${ratio.toFixed(2)}x` : ''}`);
    }
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const d = registryBenchDefaults(quick);
  const options = {
    storages: storages(), layers: count('--layers', d.layers), mb: count('--mb', d.mb), room: count('--room', d.room),
    roomMb: count('--room-mb', d.roomMb), gets: count('--gets', d.gets), rounds: count('--rounds', d.rounds),
    budgetMs: count('--budget', d.budgetMs / 1000) * 1000,
  };
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted')));
  const ctx = new BenchContext(undefined, quick, controller.signal, (event) => process.stderr.write(`${progressLine(event)}\n`));
  try {
    const rows = await measureRegistries(ctx, options);
    console.log(`berth's registry vs distribution 2.8, skopeo ${options.layers}×${options.mb} MB push/pull, ${options.room} pulls of ${options.roomMb} MB at once, ${options.gets} GETs at once; ms, ratio of medians berth/distribution`);
    print(rows);
    for (const s of ctx.skipped) console.log(`skipped ${s.what}: ${s.why}`);
  } finally {
    for (const problem of await ctx.cleanup()) console.error(`cleanup: ${problem}`);
  }
}

await main();
