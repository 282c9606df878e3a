// CVE-2019-5736 (issue 11 row 1): a process in a container must never reach a
// host helper's binary through /proc/PID/exe, /proc/PID/fd or
// /proc/PID/map_files.  The attack runs against a *copy* of the package (bin/,
// dist/src, native/build, node_modules linked) in a temp dir: PACKAGE_ROOT
// follows dist/, so the copy's berth runs the copy's berth-exec and
// berth-monitor, and the installed ones are never at risk.
//
// The probe (native/probes/exe-overwrite.c) is the container's process: it
// watches for berth-exec (while `berth exec victim true` runs over and over)
// and for the monitor's health probes (--health-interval 100ms), keeps any fd
// it can get on them, and once the helper has exec'd reopens it O_WRONLY to
// write a script that would write "pwned" into a canary file on the host.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { berth, ok } from '../_berth.js';
import { eventually, outsideDir } from '../_helpers.js';
import { PACKAGE_ROOT } from '../../src/engine/sys.js';

const test = suite('security: a container cannot rewrite the host helpers (CVE-2019-5736)');

const HELPERS = ['berth-exec', 'berth-monitor', 'berth-proxy'];
const PROBE_MS = 30_000;
const EXEC_ROUNDS = 40;
const EXEC_BUDGET_MS = 25_000;

let copy = '';
let outside = '';

/** The copied package's berth, against the test's BERTH_ROOT. */
const berthCopy = (args: readonly string[]) => berth(args, { bin: path.join(copy, 'bin', 'berth.js') });
const okCopy = (args: readonly string[]) => ok(args, { bin: path.join(copy, 'bin', 'berth.js') });

/** bin/, dist/src, native/build copied; node_modules and the other top-level folders linked. */
function copyPackage(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-copy-'));
  fs.cpSync(path.join(PACKAGE_ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
  fs.cpSync(path.join(PACKAGE_ROOT, 'dist', 'src'), path.join(dir, 'dist', 'src'), { recursive: true });
  fs.cpSync(path.join(PACKAGE_ROOT, 'native', 'build'), path.join(dir, 'native', 'build'), { recursive: true });
  fs.copyFileSync(path.join(PACKAGE_ROOT, 'package.json'), path.join(dir, 'package.json'));
  for (const entry of fs.readdirSync(PACKAGE_ROOT)) {
    if (['bin', 'dist', 'native', 'package.json', '.git'].includes(entry)) continue;
    fs.symlinkSync(path.join(PACKAGE_ROOT, entry), path.join(dir, entry));
  }
  return dir;
}

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const hashes = () => Object.fromEntries(HELPERS.map((h) => [h, sha256(path.join(copy, 'native', 'build', h))]));

test.before(async () => {
  await ok(['pull', 'busybox']); // the installed berth starts the hub; the copy shares the state root
  copy = copyPackage();
  outside = outsideDir('berth-exe-overwrite-');
});

test.after(async () => {
  await berthCopy(['rm', '-f', 'victim', 'tracer', 'sealed']).catch(() => undefined);
  // the monitor's exit hook runs the copy's berth: let it finish before the copy goes
  await new Promise((r) => setTimeout(r, 1000));
  if (copy) fs.rmSync(copy, { recursive: true, force: true });
  if (outside) fs.rmSync(outside, { recursive: true, force: true });
});

interface Report { iterations: number; seen: number; opened: number; denied: number; writable: number; written: number; targets: string[] }

/** Runs the probe in container `name` (with `flags`) while `berth exec name true` runs over and over. */
async function attack(name: string, flags: readonly string[], probeMs: number, budgetMs: number): Promise<{ report: Report; codes: number[]; logs: string }> {
  const canary = path.join(outside, 'canary');
  const probes = path.join(copy, 'native', 'build', 'probes');
  assert.ok(fs.existsSync(path.join(probes, 'exe-overwrite')), 'make -C native builds the probe');
  await okCopy(['run', '-d', '--name', name, '-v', `${probes}:/probes:ro`, '--health-cmd', 'true', '--health-interval', '100ms', ...flags,
    // through sh: the engine looks the command up in the image, not in its volumes
    'busybox', 'sh', '-c', 'exec /probes/exe-overwrite "$@"', 'probe', String(probeMs), canary, '/tmp/stop']);
  await eventually(async () => (await berthCopy(['logs', name])).stdout.includes('ready'), 10_000, 'the probe to start');
  const started = Date.now();
  const codes: number[] = [];
  for (let i = 0; i < EXEC_ROUNDS && Date.now() - started < budgetMs; i++) {
    codes.push((await berthCopy(['exec', name, 'true'])).code);
    if (fs.readFileSync(canary, 'utf8') !== 'canary\n') break; // the payload ran on the host: no need to go on
  }
  await berthCopy(['exec', name, 'touch', '/tmp/stop']);
  await eventually(async () => (await berthCopy(['inspect', '-f', '{{.State.Running}}', name])).stdout.trim() === 'false', probeMs + 15_000, 'the probe to finish');
  const logs = (await berthCopy(['logs', name])).stdout;
  const line = logs.split('\n').reverse().find((l) => l.startsWith('{"iterations"'));
  assert.ok(line, `the probe reports: ${logs}`);
  const report = JSON.parse(line!) as Report;
  console.log(`  exe-overwrite ${name}: ${codes.length} execs, probe ${JSON.stringify(report)}`);
  await okCopy(['rm', '-f', name]);
  return { report, codes, logs };
}

test('the probe never gets a writable fd on berth-exec or the monitor; binaries and canary unchanged', async () => {
  const canary = path.join(outside, 'canary');
  fs.writeFileSync(canary, 'canary\n');
  const before = hashes();
  const { report, codes, logs } = await attack('victim', [], PROBE_MS, EXEC_BUDGET_MS);
  assert.equal(hashes(), before, 'the copied helper binaries are unchanged');
  assert.is(fs.readFileSync(canary, 'utf8'), 'canary\n', 'the canary outside the rootfs is untouched');
  assert.is(report.written, 0, `the probe wrote a helper: ${logs}`);
  assert.is(report.writable, 0, `the probe got a writable fd: ${logs}`);
  assert.is(report.opened, 0, `the probe opened a helper through /proc (non-dumpable): ${logs}`);
  assert.ok(codes.every((c) => c === 0), `every berth exec ran: ${codes.join(',')}`);
  assert.ok(report.iterations > 0);
});

test('--cap-add SYS_PTRACE (non-dumpable no longer hides the helpers): only the sealed memfd is reached, and it cannot be written', async () => {
  const canary = path.join(outside, 'canary');
  fs.writeFileSync(canary, 'canary\n');
  const before = hashes();
  const { report, logs } = await attack('tracer', ['--cap-add', 'SYS_PTRACE'], 15_000, 12_000);
  assert.equal(hashes(), before, 'the copied helper binaries are unchanged');
  assert.is(fs.readFileSync(canary, 'utf8'), 'canary\n', 'the canary outside the rootfs is untouched');
  // (a sealed memfd may even open O_WRONLY: F_SEAL_WRITE refuses the write itself)
  assert.is(report.written, 0, `the probe wrote a helper: ${logs}`);
  const hostFiles = report.targets.filter((t) => t.includes(copy));
  assert.equal(hostFiles, [], `no /proc link leads to the host's binaries: ${logs}`);
});

test('the helpers run from a sealed memfd: /proc/PID/exe is no host file', async () => {
  await okCopy(['run', '-d', '--name', 'sealed', 'busybox', 'sleep', '60']);
  const pidfile = (await okCopy(['inspect', '-f', '{{.State.Pid}}', 'sealed'])).trim();
  const running = (helper: string) => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith(path.join(copy, 'native', 'build', helper));
    } catch {
      return false;
    }
  });
  const monitors = running('berth-monitor');
  assert.ok(monitors.length > 0, `a monitor of the copy runs (container pid ${pidfile})`);
  for (const pid of monitors) {
    assert.match(fs.readlinkSync(`/proc/${pid}/exe`), /^\/memfd:berth-monitor \(deleted\)$/);
    assert.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), /^Name:\s+berth-monitor$/m);
    assert.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), /^CapInh:\s+0+$/m);
  }
  // berth-exec's parent stays while its child runs: sealed as well. It starts
  // from the host file and re-execs from the memfd before it joins anything, so
  // the check is on the helpers that have entered the container's mount namespace.
  const containerMnt = fs.readlinkSync(`/proc/${pidfile}/ns/mnt`);
  const inside = (pid: string) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/ns/mnt`) === containerMnt;
    } catch {
      return false;
    }
  };
  const slow = berthCopy(['exec', 'sealed', 'sleep', '3']);
  const execs = await eventually(() => { const p = running('berth-exec').filter(inside); return p.length ? p : undefined; }, 5000, 'berth-exec to enter the container');
  for (const pid of execs) assert.match(fs.readlinkSync(`/proc/${pid}/exe`), /^\/memfd:berth-exec \(deleted\)$/);
  assert.is((await slow).code, 0);
  await okCopy(['rm', '-f', 'sealed']);
});

test.run();
