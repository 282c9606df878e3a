// `berth bench`: runs the chosen suites on the bench's own state roots and
// bridge, collects one report, and always cleans up (also when interrupted:
// the caller aborts the signal, the running step finishes or fails, and the
// cleanup runs before this returns).
import fs from 'node:fs';
import { BenchContext, hostInfo, NATIVE, sweepStaleBenches, WORKLOADS } from './context.js';
import { SUITE_NAMES, type Report, type SuiteName } from './report.js';
import { cgroupVersion, type BenchEvent, type Listener } from '../engine/index.js';
import { startupSuite } from './suites/startup.js';
import { cpuSuite } from './suites/cpu.js';
import { memorySuite } from './suites/memory.js';
import { diskSuite } from './suites/disk.js';
import { networkSuite } from './suites/network.js';
import { storageSuite } from './suites/storage.js';
import { registrySuite } from './suites/registry.js';

const SUITES: Record<SuiteName, (ctx: BenchContext) => Promise<void>> = {
  startup: startupSuite,
  cpu: cpuSuite,
  memory: memorySuite,
  disk: diskSuite,
  network: networkSuite,
  storage: storageSuite,
  registry: registrySuite,
};

export interface BenchOptions {
  /** the user's state root (--root); the bench works under <root>/bench/<pid> */
  readonly root?: string;
  readonly quick: boolean;
  readonly suites: readonly SuiteName[];
  readonly signal: AbortSignal;
  /** what it is measuring now, as it goes (the CLI draws a row per suite) */
  readonly onEvent: Listener<BenchEvent>;
}

/** "cpu,memory" → suite names, in the suite order; throws on unknown names. */
export function parseSuites(list: string | undefined): SuiteName[] {
  if (!list) return [...SUITE_NAMES];
  const wanted = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((s) => !(SUITE_NAMES as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`unknown suite ${unknown.join(', ')}: choose from ${SUITE_NAMES.join(', ')}`);
  return SUITE_NAMES.filter((s) => wanted.includes(s));
}

export async function runBench(options: BenchOptions): Promise<Report> {
  const missing = WORKLOADS.filter((w) => !fs.existsSync(NATIVE(w)));
  if (missing.length) throw new Error(`the bench workloads are not built (${missing.map((w) => `bench-${w}`).join(', ')}): run \`make -C native bench\``);
  const started = new Date();
  let ctx: BenchContext | undefined;
  let interrupted = false;
  try {
    await sweepStaleBenches(options.root);
    ctx = new BenchContext(options.root, options.quick, options.signal, options.onEvent);
    for (const suite of options.suites) {
      if (options.signal.aborted) break;
      options.onEvent({ type: 'bench', suite, text: 'starting' });
      try {
        await SUITES[suite](ctx);
      } catch (error) {
        if (options.signal.aborted) break;
        ctx.skip(suite, 'suite', `failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    interrupted = options.signal.aborted;
    if (ctx) {
      options.onEvent({ type: 'bench', text: 'cleaning up' });
      const problems = await ctx.cleanup();
      for (const p of problems) ctx.skip(options.suites[0] ?? 'startup', 'cleanup', p);
    }
  }
  const finished = new Date();
  return {
    tool: 'berth bench',
    version: 1,
    quick: options.quick,
    suites: [...options.suites],
    started: started.toISOString(),
    finished: finished.toISOString(),
    durationSeconds: (finished.getTime() - started.getTime()) / 1000,
    host: { ...hostInfo(), cgroupVersion: cgroupVersion() },
    comparisons: ctx!.comparisons,
    skipped: ctx!.skipped,
    ...(interrupted ? { interrupted: true } : {}),
  };
}
