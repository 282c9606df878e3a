// berth-monitor with real containers: namespaces, log, exit file, attach,
// tty, signals, exec failures and setup errors.  Each test runs busybox in a
// rootfs under BERTH_ROOT and leaves nothing behind.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, outsideDir } from '../../_helpers.js';
import {
  attach, busyboxRootfs, cleanup, frames, isAlive, logText, readLog, run, start, waitExit, DEFAULT_CAPS,
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
