// The log piece of issue 12's soak, run by hand (not a timed test): a
// container logs 1 GiB, another 1 MiB, and `logs --tail 10` is timed on each,
// interleaved, through the real CLI and through the engine's reader alone
// (which is what grows with the log, if anything does).  Goal: 1 GiB within
// 2x of 1 MiB.  Also the peak RSS of the CLI on each, when /usr/bin/time is there.
//
//   node dist/src/bench/soak-logs.js [--root DIR] [--rounds N] [--keep]
//
// The state root defaults to a fresh directory under /tmp (never /var/lib/berth);
// it needs ~1.2 GB free.  The containers are removed at the end unless --keep.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readLogs, PACKAGE_ROOT } from '../engine/index.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const root = arg('--root') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'berth-soak-logs-'));
const rounds = Number(arg('--rounds') ?? 10);
const BIN = path.join(PACKAGE_ROOT, 'bin', 'berth.js');
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function berth(args: string[], timeoutMs = 600_000): { stdout: string; stderr: string; ms: number; status: number | null } {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--', BIN, '--root', root, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

function must(args: string[]): string {
  const r = berth(args);
  if (r.status !== 0) throw new Error(`berth ${args.join(' ')}: ${r.status}\n${r.stderr}`);
  return r.stdout.trim();
}

/** A container (named `name`; kept from an earlier run with --keep) that wrote `bytes` of 1 KiB lines then three marker lines. */
function logging(name: string, bytes: number): string {
  const earlier = berth(['inspect', '--format', '{{.Id}}', name]);
  if (earlier.status === 0) {
    must(['wait', name]);
    return earlier.stdout.trim();
  }
  const script = `yes "$(printf %01023d 0)" | head -c ${bytes}; echo end-1; echo end-2; echo end-3`;
  const id = must(['run', '-d', '--name', name, '--net', 'none', '--log-opt', 'max-size=4g', '--log-opt', 'max-file=1', 'busybox', 'sh', '-c', script]);
  must(['wait', id]);
  return id;
}

function peakRss(id: string): number | undefined {
  if (!TIME) return undefined;
  const r = spawnSync(TIME, ['-f', '%M', process.execPath, '--', BIN, '--root', root, 'logs', '--tail', '10', id], { encoding: 'utf8' });
  const kb = Number(r.stderr.trim().split('\n').pop());
  return Number.isFinite(kb) ? kb : undefined;
}

async function engineTail(file: string): Promise<number> {
  const started = process.hrtime.bigint();
  let n = 0;
  for await (const _ of readLogs(file, { tail: 10 })) n++;
  if (n !== 10) throw new Error(`engine tail read ${n} lines`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

process.stderr.write(`state root ${root}\nmaking a 1 GiB log and a 1 MiB log...\n`);
const made = process.hrtime.bigint();
const big = logging('soak-logs-1g', 1024 ** 3);
const small = logging('soak-logs-1m', 1024 ** 2);
process.stderr.write(`  logged in ${(Number(process.hrtime.bigint() - made) / 1e9).toFixed(1)} s\n`);
const logOf = (id: string) => path.join(root, 'containers', id, `${id}-json.log`);

const cli = { big: [] as number[], small: [] as number[] };
const engine = { big: [] as number[], small: [] as number[] };
for (let i = 0; i < rounds; i++) {
  // interleaved, the order alternating, so drift in the machine's load falls on both
  for (const which of i % 2 ? (['small', 'big'] as const) : (['big', 'small'] as const)) {
    const id = which === 'big' ? big : small;
    const r = berth(['logs', '--tail', '10', id]);
    const lines = r.stdout.split('\n').filter(Boolean);
    if (r.status !== 0 || lines.length !== 10 || lines[9] !== 'end-3') throw new Error(`logs --tail 10 ${which}: rc ${r.status}, ${lines.length} lines\n${r.stderr}`);
    cli[which].push(r.ms);
    engine[which].push(await engineTail(logOf(id)));
  }
}

const size = (id: string) => fs.statSync(logOf(id)).size;
const row = (name: string, b: number[], s: number[]) => `${name.padEnd(28)} ${median(b).toFixed(2).padStart(9)} ms ${median(s).toFixed(2).padStart(9)} ms   x${(median(b) / median(s)).toFixed(2)}`;
console.log(`logs --tail 10, median of ${rounds} interleaved rounds`);
console.log(`${''.padEnd(28)} ${`1 GiB (${(size(big) / 1e9).toFixed(2)} GB)`.padStart(12)} ${`1 MiB (${(size(small) / 1e6).toFixed(2)} MB)`.padStart(12)}   ratio (goal <= 2)`);
console.log(row('berth logs (CLI, wall)', cli.big, cli.small));
console.log(row('readLogs (engine, in-process)', engine.big, engine.small));
const rss = [peakRss(big), peakRss(small)];
if (rss[0] !== undefined && rss[1] !== undefined) console.log(`${'peak RSS of the CLI'.padEnd(28)} ${(rss[0] / 1024).toFixed(1).padStart(9)} MB ${(rss[1] / 1024).toFixed(1).padStart(9)} MB`);

if (!process.argv.includes('--keep')) {
  must(['rm', big, small]);
  if (!arg('--root')) fs.rmSync(root, { recursive: true, force: true });
}
