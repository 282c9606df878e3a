// What a container cannot see or do: its own pid 1, hostname and mounts, no
// host processes, no CAP_SYS_ADMIN, the image's users.
import * as assert from 'uvu/assert';
import type { Engine } from '../../../src/engine/engine.js';
import { engineSuite } from '../../_engine.js';

const { test: isolation, engine: opened } = engineSuite('isolation');
let engine: Engine;
isolation.before(() => {
  engine = opened();
});

const run = (cmd: string[], extra: Record<string, unknown> = {}) => engine.run({ image: 'busybox', cmd, autoRemove: true, ...extra });

isolation('the process is pid 1 and sees only its own processes', async () => {
  const result = await run(['sh', '-c', 'echo $$; ps -o pid,comm']);
  assert.is(result.exitCode, 0, result.stderr);
  const [pid, ...ps] = result.stdout.trim().split('\n');
  assert.is(pid, '1');
  const pids = ps.slice(1).map((l) => Number(l.trim().split(/\s+/)[0]));
  assert.ok(pids.every((p) => p < 10), `only container pids, got ${pids}`);
  assert.ok(!/node|systemd|init\b/.test(result.stdout), result.stdout);
});

isolation('own hostname (the short id by default, --hostname when given)', async () => {
  const byDefault = await run(['hostname']);
  assert.is(byDefault.stdout.trim(), byDefault.id.slice(0, 12));
  const named = await run(['hostname'], { hostname: 'lab-box' });
  assert.is(named.stdout.trim(), 'lab-box');
});

isolation('mount is refused without CAP_SYS_ADMIN; /sys is read-only', async () => {
  const mount = await run(['mount', '-t', 'tmpfs', 'none', '/tmp']);
  assert.is.not(mount.exitCode, 0);
  assert.match(mount.stderr, /permission denied|Operation not permitted/i);
  const sys = await run(['sh', '-c', 'touch /sys/x 2>&1; echo $?']);
  assert.match(sys.stdout, /Read-only file system/);
});

isolation('USER by name and uid:gid, resolved from the image', async () => {
  const daemon = await run(['id'], { user: 'daemon' });
  assert.match(daemon.stdout, /uid=1\(daemon\) gid=1\(daemon\)/);
  const numeric = await run(['id', '-u'], { user: '1234:5678' });
  assert.is(numeric.stdout.trim(), '1234');
  const unknown = await engine.run({ image: 'busybox', cmd: ['id'], user: 'nobody-here', autoRemove: true }).catch((e: Error) => e);
  assert.instance(unknown, Error);
  assert.match((unknown as Error).message, /unable to find user nobody-here/);
});

isolation('env, workdir and -e from the caller', async () => {
  const result = await run(['sh', '-c', 'pwd; echo $GREETING; echo $PATH'], { env: ['GREETING=hi'], workingDir: '/tmp' });
  assert.is(result.stdout, '/tmp\nhi\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n');
});

isolation('--net none has only lo, and lo is up; --net host sees the host interfaces', async () => {
  const none = await run(['sh', '-c', 'ls /sys/class/net; ping -c 1 -W 2 127.0.0.1 >/dev/null && echo pong'], { network: 'none' });
  assert.is(none.stdout, 'lo\npong\n');
  const host = await run(['ls', '/sys/class/net'], { network: 'host' });
  assert.ok(host.stdout.trim().split('\n').length >= 1);
});

isolation('a bind volume is shared with the host, and :ro is read-only', async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(engine.paths.tmp, 'vol-'));
  fs.writeFileSync(path.join(dir, 'in.txt'), 'from host\n');
  const rw = await run(['sh', '-c', 'cat /data/in.txt; echo from container > /data/out.txt'], { binds: [`${dir}:/data`] });
  assert.is(rw.stdout, 'from host\n');
  assert.is(fs.readFileSync(path.join(dir, 'out.txt'), 'utf8'), 'from container\n');
  const ro = await run(['touch', '/data/y'], { binds: [`${dir}:/data:ro`] });
  assert.is(ro.exitCode, 1);
  assert.match(ro.stderr, /Read-only file system/);
  assert.not.ok(fs.existsSync(path.join(dir, 'y')));
  fs.rmSync(dir, { recursive: true });
});

isolation.run();
