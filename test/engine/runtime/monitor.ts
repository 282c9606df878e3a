// berth-monitor with real containers: namespaces, log, exit file, attach,
// tty, signals, exec failures and setup errors.  Each test runs busybox in a
// rootfs under BERTH_ROOT and leaves nothing behind.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, outsideDir } from '../../_helpers.js';
import { MS } from '../../../src/engine/sys.js';
import { CGROUP_ROOT, cgroupVersion } from '../../../src/engine/runtime/cgroups.js';
import {
  attach, busyboxRootfs, cleanup, frames, isAlive, logText, monitorGone, readLog, run, start, waitExit, DEFAULT_CAPS,
} from './_monitor-helpers.js';

const basics = suite('berth-monitor: a container runs and ends');
basics.after.each(cleanup);

basics('stdout and stderr go to the json log with their stream names; the exit file has the code', async () => {
  const { c, exit } = await run({ args: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
  assert.match(c.ready, /^ok \d+$/);
  assert.is(exit.exitCode, 3);
  assert.is(exit.signal, 0);
  assert.is(exit.error, '');
  assert.match(exit.finishedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  assert.is(logText(c, 'stdout'), 'out\n');
  assert.is(logText(c, 'stderr'), 'err\n');
  for (const line of readLog(c)) assert.match(line.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  const [monitorPid, containerPid] = fs.readFileSync(c.pidfile, 'utf8').trim().split(' ').map(Number);
  assert.is(monitorPid, c.monitor.pid);
  assert.is(containerPid, c.pid);
  assert.not.ok(fs.existsSync(c.socket), 'the socket is removed at the end');
});

basics('control characters and quotes are escaped in the log', async () => {
  const { c } = await run({ args: ['printf', 'a"b\\\\c\\t\\001\\n'] });
  const raw = fs.readFileSync(c.log, 'utf8');
  assert.ok(raw.includes('"log":"a\\"b\\\\c\\t\\u0001\\n"'), raw);
  assert.is(logText(c), 'a"b\\c\t\x01\n');
});

basics('the process is pid 1 with its own hostname and sees no host process', async () => {
  const { c, exit } = await run({ args: ['sh', '-c', 'echo $$; hostname; ps -o pid,comm'], hostname: 'box1' });
  assert.is(exit.exitCode, 0, logText(c));
  const lines = logText(c).trim().split('\n');
  assert.is(lines[0], '1');
  assert.is(lines[1], 'box1');
  const pids = lines.slice(3).map((l) => Number(l.trim().split(/\s+/)[0]));
  assert.ok(pids.length >= 1 && pids.every((p) => p < 10), `only the container's processes: ${lines.join(' | ')}`);
});

basics('without CAP_SYS_ADMIN mount fails; lo is up', async () => {
  assert.not.ok(DEFAULT_CAPS.includes(21));
  const { c, exit } = await run({ args: ['sh', '-c', 'mount -t tmpfs none /mnt && echo mounted; ping -c1 -W2 127.0.0.1 >/dev/null && echo ping-ok'] });
  assert.is(exit.exitCode, 0, logText(c));
  assert.not.match(logText(c, 'stdout'), /mounted/);
  assert.match(logText(c, 'stderr'), /permission denied|operation not permitted/i, logText(c));
  assert.match(logText(c, 'stdout'), /ping-ok/);
});

basics('uid, gid and supplementary groups are applied; a non-root user has no capabilities', async () => {
  const { c, exit } = await run({ args: ['sh', '-c', 'id -u; id -g; id -G; grep CapEff /proc/self/status'], uid: 1000, gid: 1000, groups: [1000, 2000] });
  assert.is(exit.exitCode, 0, logText(c));
  const [uid, gid, groups, capEff] = logText(c).trim().split('\n');
  assert.is(uid, '1000');
  assert.is(gid, '1000');
  assert.equal(groups.split(' ').sort(), ['1000', '2000']);
  assert.match(capEff, /0000000000000000/);
});

basics('a killed process gets 128+signal and the signal in the exit file', async () => {
  const c = await start({ args: ['sleep', '100'] });
  process.kill(c.pid, 'SIGKILL');
  const exit = await waitExit(c);
  assert.is(exit.signal, 9);
  assert.is(exit.exitCode, 137);
});

basics.run();

const attaching = suite('berth-monitor: attach socket');
attaching.after.each(cleanup);

attaching('a client gets stdout and stderr as 8-byte frames', async () => {
  const c = await start({ args: ['sh', '-c', 'echo out; echo err >&2'], waitAttach: true });
  const client = await attach(c);
  await waitExit(c);
  await client.closed;
  const got = frames(client.data());
  assert.equal(got.filter((f) => f.stream === 1).map((f) => f.text).join(''), 'out\n');
  assert.equal(got.filter((f) => f.stream === 2).map((f) => f.text).join(''), 'err\n');
});

attaching('wait_attach holds the process until a client connects', async () => {
  const c = await start({ args: ['echo', 'started'], waitAttach: true });
  assert.match(c.ready, /^ok \d+$/);
  await new Promise((r) => setTimeout(r, 300));
  assert.is(logText(c), '', 'nothing ran before the client');
  assert.ok(isAlive(c.pid));
  const client = await attach(c);
  await waitExit(c);
  await client.closed;
  assert.is(logText(c), 'started\n');
});

attaching('stdin comes from clients; with stdin_once a client EOF closes it', async () => {
  const c = await start({ args: ['sh', '-c', 'cat; echo done'], stdin: true, stdinOnce: true, waitAttach: true });
  const watcher = await attach(c);
  const writer = await attach(c);
  writer.socket.end('hello\nworld\n');
  const exit = await waitExit(c);
  await watcher.closed;
  assert.is(exit.exitCode, 0);
  assert.is(logText(c), 'hello\nworld\ndone\n');
  assert.is(frames(watcher.data()).map((f) => f.text).join(''), 'hello\nworld\ndone\n');
});

attaching('ctrl-p ctrl-q detaches only that client and is not forwarded', async () => {
  const c = await start({ args: ['sh', '-c', 'while read line; do echo "got $line"; done'], stdin: true, waitAttach: true });
  const stays = await attach(c);
  const leaves = await attach(c);
  leaves.socket.write(Buffer.from('a\x10b\n\x10\x11c\n'));
  await leaves.closed;
  await eventually(() => logText(c).includes('got a\x10b'), 5000, 'the first line');
  stays.socket.write('z\n');
  await eventually(() => logText(c).includes('got z'), 5000, 'the line from the client that stayed');
  assert.not.match(logText(c), /got c/, 'nothing after the detach keys was forwarded');
  assert.not.match(logText(c), /\x11/);
  assert.ok(!stays.socket.destroyed, 'the other client is still attached');
  process.kill(c.pid, 'SIGKILL');
  await waitExit(c);
});

attaching('a later client that never reads does not block the container (it is dropped)', async () => {
  const c = await start({ args: ['sh', '-c', 'head -c 20000000 /dev/zero; echo end >&2'], waitAttach: true });
  const primary = await attach(c);
  const lazy = await attach(c);
  lazy.socket.pause();
  const exit = await waitExit(c, 20_000);
  assert.is(exit.exitCode, 0);
  assert.match(logText(c, 'stderr'), /end/);
  await primary.closed;
  lazy.socket.destroy();
});

attaching('the wait_attach client gets every byte: while it does not read, the container waits (backpressure)', async () => {
  const c = await start({ args: ['sh', '-c', 'head -c 20000000 /dev/zero; exit 3'], waitAttach: true });
  const primary = await attach(c);
  primary.socket.pause();
  await new Promise((r) => setTimeout(r, 1000));
  assert.not.ok(fs.existsSync(c.exit), 'the container is held while its client does not read');
  primary.socket.resume();
  const exit = await waitExit(c, 60_000);
  await primary.closed;
  assert.is(exit.exitCode, 3);
  let payload = 0;
  const data = primary.data();
  for (let off = 0; off + 8 <= data.length; off += 8 + data.readUInt32BE(off + 4)) payload += data.readUInt32BE(off + 4);
  assert.is(payload, 20_000_000);
});

attaching('with a tty the process sees a /dev/pts terminal and clients get raw output', async () => {
  const c = await start({ args: ['sh', '-c', 'tty; stty size; echo done'], tty: true, waitAttach: true });
  const client = await attach(c);
  const exit = await waitExit(c);
  await client.closed;
  assert.is(exit.exitCode, 0, logText(c));
  const raw = client.data().toString();
  assert.match(raw, /^\/dev\/pts\/\d+\r\n24 80\r\ndone\r\n$/);
  assert.is(logText(c), raw);
  assert.ok(readLog(c).every((l) => l.stream === 'stdout'));
});

attaching('with a tty, client input reaches the process', async () => {
  const c = await start({ args: ['sh', '-c', 'read x; echo "x=$x"'], tty: true, stdin: true, waitAttach: true });
  const client = await attach(c);
  client.socket.write('hi\r');
  await waitExit(c);
  await client.closed;
  assert.match(client.data().toString(), /x=hi/);
});

attaching.run();

const signals = suite('berth-monitor: signals and exit');
signals.after.each(cleanup);

signals('SIGTERM to the monitor is forwarded to the container', async () => {
  const c = await start({ args: ['sh', '-c', 'trap "echo got TERM; exit 3" TERM; echo ready; while true; do sleep 0.05; done'] });
  await eventually(() => logText(c).includes('ready'), 5000, 'the trap');
  process.kill(c.monitor.pid!, 'SIGTERM');
  const exit = await waitExit(c);
  assert.is(exit.exitCode, 3);
  assert.match(logText(c), /got TERM/);
});

signals('exit_cmd runs, detached, after the exit file is written', async () => {
  const c = await start({ args: ['sh', '-c', 'exit 4'], exitCmd: (dir) => ['/bin/sh', '-c', 'cat "$1" > "$2"', 'sh', path.join(dir, 'exit.json'), path.join(dir, 'copy.json')] });
  const exit = await waitExit(c);
  const copy = await eventually(() => fs.existsSync(path.join(c.dir, 'copy.json')) && fs.readFileSync(path.join(c.dir, 'copy.json'), 'utf8'), 5000, 'exit_cmd');
  assert.equal(JSON.parse(copy as string), exit);
});

signals.run();

const failures = suite('berth-monitor: failures are reported, never half-started');
failures.after.each(cleanup);

failures('a command that is not found exits 127 with Docker\'s message', async () => {
  const { c, exit } = await run({ args: ['no-such-command'] });
  assert.match(c.ready, /^ok \d+$/);
  assert.is(exit.exitCode, 127);
  assert.is(exit.error, 'exec: "no-such-command": executable file not found in $PATH');
  const { exit: byPath } = await run({ args: ['/no/such/file'] });
  assert.is(byPath.exitCode, 127);
  assert.is(byPath.error, 'exec: "/no/such/file": no such file or directory');
});

failures('a file that cannot be executed exits 126 with permission denied', async () => {
  const { exit } = await run({ args: ['/etc/passwd'] });
  assert.is(exit.exitCode, 126);
  assert.is(exit.error, 'exec: "/etc/passwd": permission denied');
});

failures('a setup error is the ready line, names the syscall and the path, and leaves no exit file', async () => {
  const c = await start({ args: ['true'], extraMounts: [['/no-such-source', '/mnt/data', '', MS.BIND, '']] });
  assert.is(c.ready, 'error mount `/no-such-source` to `/mnt/data`: No such file or directory');
  assert.is(c.pid, 0);
  assert.is(await monitorGone(c), 1);
  assert.not.ok(fs.existsSync(c.exit));
  assert.not.ok(fs.existsSync(c.socket));
  const bad = await start({ args: ['true'], cgroups: ['/sys/fs/cgroup/pids/no-such-group/cgroup.procs'] });
  assert.is(bad.ready, 'error open `/sys/fs/cgroup/pids/no-such-group/cgroup.procs`: No such file or directory');
  assert.is(await monitorGone(bad), 1);
});

failures('a mount target that is a symlink to / stays inside the rootfs', async () => {
  const rootfs = busyboxRootfs();
  const outside = outsideDir();
  const link = path.join(rootfs, 'escape');
  fs.symlinkSync('/', link);
  try {
    const target = `/escape${outside}/sub`;
    const { c, exit } = await run({ args: ['sh', '-c', `grep -c " ${outside}/sub tmpfs" /proc/mounts`], extraMounts: [['tmpfs', target, 'tmpfs', 0, 'size=1m']] });
    assert.is(exit.exitCode, 0, logText(c));
    assert.is(logText(c), '1\n', 'the tmpfs is inside the container');
    assert.not.ok(fs.existsSync(path.join(outside, 'sub')), 'nothing was created on the host');
    assert.ok(fs.existsSync(path.join(rootfs, outside, 'sub')), 'the target was made inside the rootfs');
  } finally {
    fs.unlinkSync(link);
    fs.rmSync(path.join(rootfs, outside.split('/')[1]), { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

failures.run();

const placement = suite('berth-monitor: cgroups, binds and command mode');
placement.after.each(cleanup);

placement('the process joins the cgroup and, with a cgroup namespace, sees itself at its root', async () => {
  // v1: a cgroup in the pids hierarchy, seen as "N:pids:/"; v2: one in the
  // unified tree, seen as "0::/".  Without the namespace the line would name
  // the parent and the test's cgroup.
  const v2 = cgroupVersion() === 2;
  const dir = path.join(v2 ? CGROUP_ROOT : path.join(CGROUP_ROOT, 'pids'), process.env.BERTH_CGROUP_PARENT!, `monitor-${process.pid}`);
  const line = v2 ? 'grep ^0:: /proc/self/cgroup' : 'grep :pids: /proc/self/cgroup';
  fs.mkdirSync(dir, { recursive: true });
  let pid = 0;
  try {
    const c = await start({ args: ['sh', '-c', `${line}; read x`], cgroups: [path.join(dir, 'cgroup.procs')], stdin: true, waitAttach: true });
    pid = c.pid;
    const client = await attach(c);
    await eventually(() => logText(c).includes('\n'), 5000, 'the cgroup line');
    assert.ok(fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').includes(String(c.pid)));
    assert.match(logText(c), v2 ? /^0::\/\n$/ : /^\d+:pids:\/\n$/);
    client.socket.end('\n');
    await waitExit(c);
  } finally {
    // A failed assertion leaves the shell reading: end it, or the cgroup never empties and hides the failure.
    if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
    await eventually(() => { try { fs.rmdirSync(dir); return true; } catch { return false; } }, 5000, 'the cgroup to empty');
  }
});

placement('a read-only bind of a host file and of a directory', async () => {
  const host = outsideDir();
  try {
    fs.writeFileSync(path.join(host, 'config'), 'from host\n');
    const script = 'cat /etc/app.conf; ls /data; echo x > /data/new && echo writable';
    const { c, exit } = await run({ args: ['sh', '-c', script], extraMounts: [
      [path.join(host, 'config'), '/etc/app.conf', '', MS.BIND, ''],
      [host, '/data', '', MS.BIND | MS.REC | MS.RDONLY, ''],
    ] });
    assert.is(exit.exitCode, 1, logText(c));
    assert.match(logText(c, 'stdout'), /^from host\nconfig\n$/);
    assert.match(logText(c, 'stderr'), /Read-only file system/);
  } finally {
    fs.rmSync(host, { recursive: true, force: true });
  }
});

placement('masked and read-only paths', async () => {
  // /proc/kcore is in the masked list but missing on some kernels: skipped, not an error
  const script = 'wc -c < /proc/timer_list; ls /sys/firmware | wc -l; touch /sys/firmware/x || echo ro-dir; echo 1 > /proc/sys/kernel/hostname || echo ro';
  const { c, exit } = await run({ args: ['sh', '-c', script] });
  assert.is(exit.exitCode, 0, logText(c));
  assert.match(logText(c, 'stdout'), /^0\n0\nro-dir\nro\n$/, logText(c));
});

placement('command mode runs the argv on the host with the same plumbing', async () => {
  const { c, exit } = await run({ mode: 'command', args: ['/bin/sh', '-c', 'echo "pid $$"; echo oops >&2; exit 5'] });
  assert.is(exit.exitCode, 5);
  assert.is(Number(/pid (\d+)/.exec(logText(c, 'stdout'))![1]), c.pid);
  assert.is(logText(c, 'stderr'), 'oops\n');
});

placement('command mode with a tty gives the process a host pty as its controlling terminal', async () => {
  const c = await start({ mode: 'command', args: ['/bin/sh', '-c', 'tty; stty size'], tty: true, waitAttach: true });
  const client = await attach(c);
  const exit = await waitExit(c);
  await client.closed;
  assert.is(exit.exitCode, 0, logText(c));
  assert.match(client.data().toString(), /^\/dev\/pts\/\d+\r\n24 80\r\n$/);
});

placement.run();
