// Issue 12's soak, run by hand (not a timed test): 500 `run --rm`, then 20
// `run -d` at once and `rm -f` of all of them, through the real CLI, with the
// machine's leftovers counted before and after: mounts under the state root,
// veths and bridges, iptables rules, cgroups, processes, and files in the
// root.  Every count must come back to where it was.  (The 1 GiB log piece is
// src/bench/soak-logs.ts.)
//
//   node dist/src/bench/soak.js [--runs N] [--parallel N] [--root DIR]
//
// The state root defaults to a fresh directory under /tmp (never
// /var/lib/berth), with its own bridge and cgroup parent.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../engine/index.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const runs = Number(arg('--runs', '500'));
const parallel = Number(arg('--parallel', '20'));
const root = arg('--root', fs.mkdtempSync(path.join(os.tmpdir(), 'berth-soak-')));
const tag = path.basename(root).slice(-6).toLowerCase().replace(/[^a-z0-9]/g, 'x');
const env = { ...process.env, BERTH_ROOT: root, BERTH_BRIDGE: `bs${tag}`, BERTH_CGROUP_PARENT: `berth-soak-${tag}`, BERTH_HUB_PORT: '0', NO_COLOR: '1' };
const BIN = path.join(PACKAGE_ROOT, 'bin', 'berth.js');

function berth(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--', BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 137, stderr, stdout });
    });
  });
}

async function must(args: string[]): Promise<string> {
  const r = await berth(args);
  if (r.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

function listFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    out.push(path.relative(root, full));
    if (entry.isDirectory()) listFiles(full, out);
  }
  return out;
}

function cgroupDirs(): number {
  let n = 0;
  for (const base of ['/sys/fs/cgroup', ...fs.readdirSync('/sys/fs/cgroup').map((h) => path.join('/sys/fs/cgroup', h))]) {
    const dir = path.join(base, env.BERTH_CGROUP_PARENT);
    if (fs.existsSync(dir)) n += fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).length;
  }
  return n;
}

/** What a leak would show, scoped to this soak's own bridge, chains, cgroups and root (other berth roots may be busy). */
function counts(): Record<string, number> {
  const bridge = env.BERTH_BRIDGE;
  const chains = bridge.toUpperCase();
  return {
    'mounts under the root': fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(` ${root}/`)).length,
    'links (bridge, veths)': sh('ip', ['-o', 'link']).split('\n').filter((l) => l.includes(bridge)).length,
    'network namespaces': sh('ip', ['netns', 'list']).split('\n').filter((l) => l.startsWith(`${bridge}-`)).length,
    'iptables rules': ['nat', 'filter', 'raw'].map((t) => sh('iptables-save', ['-t', t]).split('\n').filter((l) => l.startsWith('-A') && l.includes(chains)).length).reduce((a, b) => a + b, 0),
    'cgroups under the parent': cgroupDirs(),
    'monitor processes': sh('ps', ['-eo', 'args']).split('\n').filter((l) => l.includes('berth-monitor') && l.includes(root)).length,
    'files in the state root': listFiles(root).length,
  };
}

await must(['pull', 'busybox']);
// One container first, so that what a first run makes once (the seccomp program cache, the
// image's unpacked layers) is in the "before" count as it would be on any machine in use.
await must(['run', '--rm', 'busybox', 'true']);
const before = counts();
const filesBefore = new Set(listFiles(root));
const started = Date.now();
let failed = 0;
const errors = new Map<string, number>();
for (let i = 0; i < runs; i++) {
  const r = await berth(['run', '--rm', 'busybox', 'true']);
  if (r.code !== 0) {
    failed += 1;
    const message = `${r.code}: ${r.stderr.trim().split('\n').pop()}`;
    errors.set(message, (errors.get(message) ?? 0) + 1);
  }
  if ((i + 1) % 50 === 0) process.stderr.write(`run --rm: ${i + 1}/${runs} (${failed} failed)\n`);
}
const sequentialMs = Date.now() - started;
const ids = await Promise.all(Array.from({ length: parallel }, () => must(['run', '-d', 'busybox', 'sleep', '600'])));
await must(['rm', '-f', ...ids]);
// Exit hooks (`berth system reconcile`) may still be finishing.
await new Promise((r) => setTimeout(r, 2000));
const after = counts();

console.log(`${runs} × run --rm busybox true: ${failed} failed, ${(sequentialMs / runs).toFixed(0)} ms each; then ${parallel} × run -d at once + rm -f`);
for (const [message, n] of errors) console.log(`  ${n} × ${message}`);
console.log(`${'count'.padEnd(28)}${'before'.padStart(8)}${'after'.padStart(8)}  same`);
let leaks = 0;
for (const [what, value] of Object.entries(before)) {
  const same = after[what] === value;
  if (!same) leaks += 1;
  console.log(`${what.padEnd(28)}${String(value).padStart(8)}${String(after[what]).padStart(8)}  ${same ? 'yes' : 'NO'}`);
}
await berth(['hub', 'stop']);
const added = listFiles(root).filter((f) => !filesBefore.has(f));
if (added.length) console.log(`new in the state root (${added.length}), e.g.:\n  ${added.slice(0, 8).join('\n  ')}`);
if (!process.argv.includes('--keep')) {
  fs.rmSync(root, { recursive: true, force: true });
  // The soak's own (now empty) cgroup parent, in every hierarchy.
  for (const base of ['/sys/fs/cgroup', ...fs.readdirSync('/sys/fs/cgroup').map((h) => path.join('/sys/fs/cgroup', h))]) {
    try {
      fs.rmdirSync(path.join(base, env.BERTH_CGROUP_PARENT));
    } catch {
      // not there, or not a hierarchy
    }
  }
}
process.exitCode = leaks || failed ? 1 : 0;
