// berth-exec enters a running container: namespaces, user, env, exit codes,
// signal forwarding.  The container is a real busybox one run by berth-monitor.
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually } from '../../_helpers.js';
import { cleanup, DEFAULT_CAPS, ENV, EXEC, start, waitExit, type Container } from './_monitor-helpers.js';

interface Result { code: number | null; stdout: string; stderr: string }

/** Runs berth-exec to its end (killed after 10 s). */
function exec(args: string[], onSpawn?: (pid: number) => void): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(EXEC, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    if (onSpawn) onSpawn(child.pid!);
  });
}

function into(c: Container, argv: string[], extra: string[] = []): string[] {
  const caps = DEFAULT_CAPS.flatMap((n) => ['--cap', String(n)]);
  const env = ENV.flatMap((e) => ['--env', e]);
  return ['--pid', String(c.pid), '--ns', 'pid,mount,uts,ipc,net,cgroup', ...caps, ...env, ...extra, '--', ...argv];
}

const test = suite('berth-exec');
let box: Container | undefined;
test.before(async () => {
  box = await start({ args: ['sleep', '1000'], hostname: 'inside' });
  assert.match(box.ready, /^ok \d+$/);
});
test.after(async () => {
  if (box) process.kill(box.pid, 'SIGKILL');
  if (box) await waitExit(box);
  await cleanup();
});

test('runs hostname and ps in the container\'s namespaces', async () => {
  const host = await exec(into(box!, ['hostname']));
  assert.is(host.code, 0, host.stderr);
  assert.is(host.stdout, 'inside\n');
  const ps = await exec(into(box!, ['ps', '-o', 'pid,comm']));
  assert.is(ps.code, 0, ps.stderr);
  const rows = ps.stdout.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  assert.equal(rows.find((r) => r[0] === '1')?.[1], 'sleep');
  assert.ok(rows.every((r) => Number(r[0]) < 20), ps.stdout);
});

test('returns the exit code of the process', async () => {
  const r = await exec(into(box!, ['sh', '-c', 'exit 7']));
  assert.is(r.code, 7);
});

test('applies uid, gid, groups, cwd and env', async () => {
  const r = await exec(into(box!, ['sh', '-c', 'id -u; id -G; pwd; echo $FOO'], ['--uid', '1000', '--gid', '1000', '--group', '2000', '--cwd', '/tmp', '--env', 'FOO=bar']));
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '1000\n1000 2000\n/tmp\nbar\n');
});

test('not found is 127, not executable is 126, with Docker\'s messages', async () => {
  const missing = await exec(into(box!, ['no-such-command']));
  assert.is(missing.code, 127);
  assert.match(missing.stderr, /exec: "no-such-command": executable file not found in \$PATH/);
  const denied = await exec(into(box!, ['/etc/passwd']));
  assert.is(denied.code, 126);
  assert.match(denied.stderr, /exec: "\/etc\/passwd": permission denied/);
});

test('a process that cannot be entered is 125 and the message names the syscall and path', async () => {
  const r = await exec(['--pid', '999999999', '--ns', 'mount', '--', 'true']);
  assert.is(r.code, 125);
  assert.is(r.stderr, 'berth-exec: open `/proc/999999999/ns/mnt`: No such file or directory\n');
  const usage = await exec(['--', 'true']);
  assert.is(usage.code, 125);
  assert.match(usage.stderr, /usage: berth-exec/);
});

test('forwards SIGTERM to the process and reports a signal as 128+n', async () => {
  let pid = 0;
  const running = exec(into(box!, ['sh', '-c', 'trap "exit 9" TERM; echo ready; while :; do sleep 0.05; done']), (p) => { pid = p; });
  await eventually(() => pid, 2000, 'spawn');
  await new Promise((r) => setTimeout(r, 300));
  process.kill(pid, 'SIGTERM');
  assert.is((await running).code, 9);
  let pid2 = 0;
  const killed = exec(into(box!, ['sleep', '100']), (p) => { pid2 = p; });
  await new Promise((r) => setTimeout(r, 300));
  process.kill(pid2, 'SIGTERM');
  assert.is((await killed).code, 128 + 15);
});

test.run();
