// How long a berth command takes when it does next to nothing, against
// `node -e 0` in the same run: `berth --help`, `berth ps` on an empty state
// root, and the monitor's exit hook (`system reconcile ID`) for a container
// that is gone.  Every berth command loads the CLI and the engine's door, so
// these show what loading them costs (engine/lazy.ts keeps it small).  The
// four commands take turns, run after run, so that a machine's drift touches
// them alike; the medians of wall time and of CPU time (the children's user
// + system time, from /proc/self/stat) are reported, each also as a ratio to
// node's.
//
//   node dist/src/bench/cli-startup.js [runs]     (root, for `ps`: default 9 runs, at most 50)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../engine/index.js';

interface Command {
  readonly name: string;
  readonly args: readonly string[];
}

export interface CommandTiming {
  readonly name: string;
  /** medians over the runs, in milliseconds */
  readonly wallMs: number;
  readonly cpuMs: number;
  /** the exit codes seen (a command that fails is timed, and reported as failing) */
  readonly codes: readonly (number | null)[];
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU time (user + system) of this process's reaped children so far, from /proc/self/stat. */
function childrenCpuMs(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is the state (field 3 of proc(5)): cutime and cstime are fields 16 and 17
  return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
}

function timeOnce(command: Command, env: NodeJS.ProcessEnv): { wallMs: number; cpuMs: number; code: number | null } {
  const cpu = childrenCpuMs();
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, command.args, { env, stdio: 'ignore', timeout: 30_000 });
  return { wallMs: Number(process.hrtime.bigint() - start) / 1e6, cpuMs: childrenCpuMs() - cpu, code: result.status };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Times the commands in turns, `runs` times each after one warm-up turn; an empty state root is made and removed. */
export function measure(runs = 9): CommandTiming[] {
  const count = Math.max(1, Math.min(50, Math.floor(runs)));
  const bin = path.join(PACKAGE_ROOT, 'bin', 'berth.js');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-startup-'));
  const env = { ...process.env, BERTH_ROOT: root, NO_COLOR: '1' };
  const commands: Command[] = [
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: 'berth --help', args: ['--', bin, '--help'] },
  ];
  if (process.getuid?.() === 0) {
    commands.push({ name: 'berth ps (empty root)', args: ['--', bin, 'ps'] });
    commands.push({ name: 'berth system reconcile (gone)', args: ['--', bin, 'system', 'reconcile', 'f'.repeat(64)] });
  }
  try {
    const samples = commands.map(() => ({ wall: [] as number[], cpu: [] as number[], codes: [] as (number | null)[] }));
    for (let turn = 0; turn <= count; turn++) {
      commands.forEach((command, i) => {
        const once = timeOnce(command, env);
        if (turn === 0) return; // the warm-up: the page cache, and the state root's first open
        samples[i]!.wall.push(once.wallMs);
        samples[i]!.cpu.push(once.cpuMs);
        samples[i]!.codes.push(once.code);
      });
    }
    return commands.map((command, i) => ({ name: command.name, wallMs: median(samples[i]!.wall), cpuMs: median(samples[i]!.cpu), codes: [...new Set(samples[i]!.codes)] }));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** One row per command: wall and CPU medians, and each as a ratio to `node -e 0`'s. */
export function formatTimings(timings: readonly CommandTiming[]): string[] {
  const node = timings[0]!;
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : '-');
  const rows = timings.map((t) => {
    const failed = t.codes.some((c) => c !== 0) ? `  (exit ${t.codes.join(', ')})` : '';
    return `${t.name.padEnd(32)} wall ${t.wallMs.toFixed(0).padStart(5)} ms ${ratio(t.wallMs, node.wallMs).padStart(7)}   cpu ${t.cpuMs.toFixed(0).padStart(5)} ms ${ratio(t.cpuMs, node.cpuMs).padStart(7)}${failed}`;
  });
  if (process.getuid?.() !== 0) rows.push('(not root: `ps` and `system reconcile` need root, and were not timed)');
  return rows;
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  for (const row of formatTimings(measure(Number(process.argv[2] ?? 9)))) console.log(row);
}
