// What every suite shares: the bench's own state roots (one per storage
// driver, under <root>/bench/<pid>, so the user's containers and images are
// never touched), the bench image, native and in-container runs of the
// workloads, interleaved repetition, and the cleanup that undoes all of it,
// also after an interrupt.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { Engine, type BenchEvent, type Listener, type CreateOptions, statePaths, resolveSettings, childEnv, NATIVE_BUILD, type PortDriver, type DriverName, processAlive } from '../engine/index.js';
import { ratioOf, summarize, type Figure } from './figures.js';
import type { Comparison, Skipped, SuiteName } from './report.js';

export const WORKLOADS = ['linpack', 'stream', 'random', 'disk', 'tcp', 'nop'] as const;
export type Workload = (typeof WORKLOADS)[number];
export const BENCH_IMAGE = 'berth-bench:latest';
/** where the workloads sit inside the bench image */
export const IN_IMAGE = (w: Workload) => `/bin/bench-${w}`;
export const NATIVE = (w: Workload) => path.join(NATIVE_BUILD, 'bench', `bench-${w}`);

export type Metrics = Record<string, number>;

export interface RepeatedVariant {
  readonly name: string;
  readonly run: () => Promise<Metrics>;
}

export interface ContainerRun extends Omit<CreateOptions, 'image' | 'cmd'> {
  readonly image?: string;
  readonly cmd: readonly string[];
}

export class BenchContext {
  readonly comparisons: Comparison[] = [];
  readonly skipped: Skipped[] = [];
  /** the bench's own directory: <root>/bench/<pid>; removed at the end */
  readonly home: string;
  /** host-side scratch (native disk runs, bind volume sources) */
  readonly work: string;
  private readonly engines = new Map<string, Promise<Engine>>();
  private readonly children = new Set<ChildProcess>();
  private readonly cleanups: Array<() => Promise<void> | void> = [];
  private lastProgress = '';

  constructor(
    userRoot: string | undefined,
    readonly quick: boolean,
    readonly signal: AbortSignal,
    private readonly onEvent: Listener<BenchEvent>,
  ) {
    this.home = path.join(benchesDir(userRoot), String(process.pid));
    this.work = path.join(this.home, 'work');
    fs.mkdirSync(this.work, { recursive: true, mode: 0o700 });
  }

  /** What `suite` is doing now; `at` says which round of how many (round 0: the warm-up). */
  progress(suite: SuiteName, what: string, at?: { round: number; rounds: number }): void {
    const line = `[${suite}] ${what}`;
    if (line !== this.lastProgress) this.onEvent({ type: 'bench', suite, text: what, ...at });
    this.lastProgress = line;
  }

  checkAborted(): void {
    this.signal.throwIfAborted();
  }

  /** An engine on the bench's root for this storage driver (bench image imported); the proxy port driver shares the overlay root. */
  engine(driver: DriverName = 'overlay', portDriver: PortDriver = 'kernel'): Promise<Engine> {
    const key = `${driver}/${portDriver}`;
    let opened = this.engines.get(key);
    if (!opened) {
      opened = (async () => {
        const engine = await Engine.open({ root: path.join(this.home, driver), storageDriver: driver, portDriver, bridge: benchBridge() });
        if (!engine.listImages().some((i) => i.tags.includes(BENCH_IMAGE))) {
          await engine.importImage(benchTar(), { ref: BENCH_IMAGE, message: 'berth bench workloads' });
        }
        return engine;
      })();
      this.engines.set(key, opened);
    }
    return opened;
  }

  /** Runs at cleanup, before the containers are removed (last registered first). */
  onCleanup(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  /**
   * The environment of a `berth` the bench runs: the bench's own bridge, given
   * explicitly.  With the user's, its reconcile would take the user's bridged
   * containers' namespaces for strays of the bench's root.
   */
  berthEnv(): NodeJS.ProcessEnv {
    return childEnv(resolveSettings({ flags: { bridge: benchBridge() } }));
  }

  /** Spawns a child the cleanup kills if it is still running. */
  spawn(command: string, args: readonly string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
      this.children.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        this.children.delete(child);
        reject(error);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        this.children.delete(child);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Starts a long-running child (a server); the cleanup kills it if it is still running. */
  background(command: string, args: readonly string[]): { readonly child: ChildProcess; stop(): Promise<void> } {
    this.checkAborted();
    const child = spawn(command, args, { stdio: 'ignore' });
    this.children.add(child);
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.once('close', () => this.children.delete(child));
    child.once('error', () => this.children.delete(child));
    return {
      child,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await closed;
      },
    };
  }

  /** A workload run natively; its JSON line. */
  async native(workload: Workload, args: readonly (string | number)[], timeoutMs = 120_000): Promise<Metrics> {
    this.checkAborted();
    const binary = NATIVE(workload);
    if (!fs.existsSync(binary)) throw new Error(`${binary} is missing: run \`make -C native bench\``);
    const result = await this.spawn(binary, args.map(String), timeoutMs);
    if (result.code !== 0) throw new Error(`bench-${workload} ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
    return parseJsonLine(result.stdout, workload);
  }

  /** A workload run in a fresh container (removed when it exits); its JSON line. */
  async container(engine: Engine, run: ContainerRun): Promise<Metrics> {
    this.checkAborted();
    const { image, cmd, ...rest } = run;
    const result = await engine.run({ network: 'none', ...rest, image: image ?? BENCH_IMAGE, cmd: [...cmd], autoRemove: true });
    if (result.exitCode !== 0) throw new Error(`${cmd.join(' ')} in a container exited ${result.exitCode}: ${(result.error || result.stderr).trim()}`);
    return parseJsonLine(result.stdout, cmd[0] ?? '');
  }

  /**
   * Runs each variant once unmeasured, then `rounds` times interleaved
   * (reversed order every other round); returns every metric's values.
   */
  async repeat(suite: SuiteName, variants: readonly RepeatedVariant[], rounds: number): Promise<Map<string, Map<string, number[]>>> {
    for (const v of variants) {
      this.progress(suite, `warm-up: ${v.name}`, { round: 0, rounds });
      await v.run();
    }
    const values = new Map(variants.map((v) => [v.name, new Map<string, number[]>()]));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const v of order) {
        this.checkAborted();
        this.progress(suite, `round ${round + 1}/${rounds}: ${v.name}`, { round: round + 1, rounds });
        const metrics = await v.run();
        const into = values.get(v.name)!;
        for (const [key, value] of Object.entries(metrics)) {
          if (typeof value === 'number') into.set(key, [...(into.get(key) ?? []), value]);
        }
      }
    }
    return values;
  }

  /** Adds a report row: container figure / native figure. */
  compare(row: Omit<Comparison, 'ratio' | 'ratioError' | 'native' | 'container'> & { native: Figure & { label: string }; container: Figure & { label: string } }): void {
    const ratio = ratioOf(row.container, row.native);
    this.comparisons.push({ ...row, ratio: ratio.value, ratioError: ratio.error });
  }

  skip(suite: SuiteName, what: string, why: string): void {
    this.skipped.push({ suite, what, why });
  }

  /** Removes everything the bench made: children, containers, loop mounts, the bench's roots and sockets. */
  async cleanup(): Promise<string[]> {
    const problems: string[] = [];
    for (const child of this.children) child.kill('SIGKILL');
    await Promise.all([...this.children].map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('close', r)))));
    for (const fn of this.cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        problems.push(String(error));
      }
    }
    for (const [key, opened] of this.engines) {
      try {
        await (await opened).discard();
      } catch (error) {
        problems.push(`${key}: ${String(error)}`);
      }
    }
    this.engines.clear();
    // Containers' exit hooks (`berth system reconcile`) may still be running on
    // these roots: let them finish, or they would recreate what we remove.
    await waitForProcessesUnder(this.home, 5000);
    try {
      fs.rmSync(this.home, { recursive: true, force: true });
      const parent = path.dirname(this.home);
      if (fs.readdirSync(parent).length === 0) fs.rmdirSync(parent);
    } catch (error) {
      problems.push(String(error));
    }
    return problems;
  }
}

/** Waits (bounded) until no process has `dir` in its command line. */
async function waitForProcessesUnder(dir: string, ms: number): Promise<void> {
  const busy = () => fs.readdirSync('/proc').some((pid) => {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) return false;
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${dir}/`);
    } catch {
      return false;
    }
  });
  for (const deadline = Date.now() + ms; busy() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
}

/** Figures of one metric across the rounds of a `repeat`. */
export function figureOf(values: Map<string, Map<string, number[]>>, variant: string, metric: string, unit: string): Figure {
  const list = values.get(variant)?.get(metric);
  if (!list?.length) throw new Error(`no ${metric} figures for ${variant}`);
  return summarize(list, unit);
}

export function parseJsonLine(stdout: string, what: string): Metrics {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`${what} printed no JSON line: ${stdout.slice(0, 200)}`);
  return JSON.parse(line) as Metrics;
}

/** The bench image's single layer: the static workloads and the directories they use. */
export function benchTar(extra?: { name: string; bytes: number }): Readable {
  const pack = tar.pack();
  const entries = async () => {
    const dir = (name: string, mode = 0o755) => new Promise<void>((r, j) => pack.entry({ name, type: 'directory', mode }, (e) => (e ? j(e) : r())));
    for (const d of ['bin/', 'dev/', 'proc/', 'sys/', 'etc/', 'data/']) await dir(d);
    await dir('tmp/', 0o1777);
    for (const w of WORKLOADS) {
      const body = fs.readFileSync(NATIVE(w));
      await new Promise<void>((r, j) => pack.entry({ name: `bin/bench-${w}`, mode: 0o755 }, body, (e) => (e ? j(e) : r())));
    }
    if (extra) {
      // A repeated 4 KiB random block: real bytes to copy up, cheap to gzip.
      const block = crypto.randomBytes(4096);
      const stream = pack.entry({ name: extra.name, mode: 0o644, size: extra.bytes });
      for (let written = 0; written < extra.bytes; written += block.length) {
        if (!stream.write(block)) await new Promise((r) => stream.once('drain', () => r(null)));
      }
      await new Promise<void>((r, j) => stream.end((e?: Error | null) => (e ? j(e) : r())));
    }
    pack.finalize();
  };
  entries().catch((error: Error) => pack.destroy(error));
  return pack as unknown as Readable;
}

/** Where the bench keeps its homes, one per bench process: `<state root>/bench`. */
function benchesDir(userRoot: string | undefined): string {
  return path.join(statePaths(resolveSettings({ flags: { root: userRoot } }).root).root, 'bench');
}

/** Removes bench homes whose process died (a kill -9): their containers, loop mounts, roots. */
export async function sweepStaleBenches(userRoot: string | undefined): Promise<void> {
  const parent = benchesDir(userRoot);
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid || processAlive(pid)) continue;
    const home = path.join(parent, name);
    // the dead bench's engines ran on its own bridge: the bridge setting says so, for them alone
    for (const driver of ['overlay', 'btrfs', 'vfs'] as const) {
      if (!fs.existsSync(path.join(home, driver))) continue;
      await (await Engine.open({ root: path.join(home, driver), storageDriver: driver, bridge: benchBridge(pid) })).discard();
    }
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** The bench's own bridge (and so its own chains and subnet), never the user's. */
export function benchBridge(pid = process.pid): string {
  return `bbench${pid.toString(36)}`.slice(0, 15);
}


export const hostInfo = () => ({ kernel: os.release(), cpus: os.availableParallelism(), memoryBytes: os.totalmem() });
