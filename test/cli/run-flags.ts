// The flags of run/create/start/exec/logs/commit that the issue lists, each
// observed from inside or outside a real container.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { berth, ok, removeAll } from '../_berth.js';
import { eventually } from '../_helpers.js';

const flags = suite('run, create, start, exec, logs and commit flags');
let scratch: string;

flags.before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-flags-'));
  await ok(['pull', 'busybox']);
});
flags.after(async () => {
  await removeAll();
  fs.rmSync(scratch, { recursive: true, force: true });
});

flags('-e, --env-file, -w, -u, --hostname, --entrypoint', async () => {
  const envFile = path.join(scratch, 'env');
  fs.writeFileSync(envFile, '# a comment\nFROM_FILE=yes\n\nSHARED=file\n');
  const out = await ok(['run', '--rm', '--env-file', envFile, '-e', 'SHARED=flag', '-e', 'FROM_CALLER', '-w', '/var', '-u', 'daemon', '-h', 'flags-box',
    'busybox', 'sh', '-c', 'echo $FROM_FILE $SHARED $FROM_CALLER; pwd; id -un; hostname'], { env: { FROM_CALLER: 'caller' } });
  assert.is(out, 'yes flag caller\n/var\ndaemon\nflags-box\n');
  const entry = await ok(['run', '--rm', '--entrypoint', 'echo', 'busybox', 'from', 'entrypoint']);
  assert.is(entry, 'from entrypoint\n');
  const missing = await berth(['run', '--rm', '--env-file', path.join(scratch, 'nope'), 'busybox', 'true']);
  assert.is(missing.code, 125);
  assert.match(missing.stderr, /no such file/);
});

flags('-t gives the process a terminal; without it, none', async () => {
  const withTty = await ok(['run', '--rm', '-t', 'busybox', 'sh', '-c', 'tty; [ -t 1 ] && echo is-a-tty']);
  assert.match(withTty, /^\/dev\/pts\/\d+\r?\nis-a-tty/);
  const without = await berth(['run', '--rm', 'busybox', 'tty']);
  assert.match(without.stdout, /not a tty/);
});

flags('-v binds a host file as a file, and makes a missing source a directory', async () => {
  const file = path.join(scratch, 'greeting');
  fs.writeFileSync(file, 'from the host\n');
  assert.is(await ok(['run', '--rm', '--net', 'none', '-v', `${file}:/etc/greeting:ro`, 'busybox', 'cat', '/etc/greeting']), 'from the host\n');
  const missing = path.join(scratch, 'made', 'by', 'run');
  await ok(['run', '--rm', '--net', 'none', '-v', `${missing}:/data`, 'busybox', 'true']);
  assert.ok(fs.statSync(missing).isDirectory());
});

flags('create then start -a streams output and returns the exit code; start -i feeds stdin', async () => {
  const id = (await ok(['create', '--name', 'later', 'busybox', 'sh', '-c', 'echo started; exit 6'])).trim();
  assert.match(await ok(['ps', '-a']), /later/);
  const started = await berth(['start', '-a', id]);
  assert.is(started.code, 6);
  assert.is(started.stdout, 'started\n');
  const cat = (await ok(['create', '-i', 'busybox', 'cat'])).trim();
  const fed = await berth(['start', '-a', '-i', cat], { input: 'fed through stdin\n' });
  assert.is(fed.stdout, 'fed through stdin\n');
  assert.is(fed.code, 0);
});

flags('logs -t prefixes timestamps, --tail keeps the end, -f follows', async () => {
  const id = (await ok(['run', '-d', 'busybox', 'sh', '-c', 'for i in 1 2 3 4; do echo line$i; sleep 0.3; done'])).trim();
  const followed = await ok(['logs', '-f', id]);
  assert.is(followed, 'line1\nline2\nline3\nline4\n');
  assert.is(await ok(['logs', '--tail', '2', id]), 'line3\nline4\n');
  assert.match(await ok(['logs', '-t', '--tail', '1', id]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line4\n$/);
});

flags('exec -u, -w, -e and the exit code', async () => {
  const id = (await ok(['run', '-d', '--name', 'exec-target', 'busybox', 'sleep', '60'])).trim();
  const out = await ok(['exec', '-u', 'daemon', '-w', '/tmp', '-e', 'X=1', 'exec-target', 'sh', '-c', 'id -un; pwd; echo $X']);
  assert.is(out, 'daemon\n/tmp\n1\n');
  const failing = await berth(['exec', id, 'sh', '-c', 'exit 9']);
  assert.is(failing.code, 9);
  const notFound = await berth(['exec', id, 'nope']);
  assert.is(notFound.code, 127);
  await ok(['rm', '-f', id]);
  const stopped = await berth(['exec', id, 'true']);
  assert.is(stopped.code, 1);
});

flags('commit -m -a -c: the message, author and changed CMD reach the image', async () => {
  const id = (await ok(['run', '-d', 'busybox', 'sh', '-c', 'echo committed > /data.txt'])).trim();
  await ok(['wait', id]);
  await ok(['commit', '-m', 'add data', '-a', 'Lab <lab@example.com>', '-c', 'CMD ["cat", "/data.txt"]', '-c', 'ENV STAGE=two', id, 'lab/data:v1']);
  assert.is(await ok(['run', '--rm', 'lab/data:v1']), 'committed\n');
  assert.is(await ok(['run', '--rm', 'lab/data:v1', 'sh', '-c', 'echo $STAGE']), 'two\n');
  const history = await ok(['history', 'lab/data:v1']);
  assert.match(history, /add data/);
  assert.match(await ok(['inspect', '-f', '{{.Author}}', 'lab/data:v1']), /Lab <lab@example.com>/);
  const bad = await berth(['commit', '-c', 'FROBNICATE x', id]);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /unknown instruction: FROBNICATE/i);
});

flags('kill -s, wait, top, ps -l -q --no-trunc, rm several at once', async () => {
  const id = (await ok(['run', '-d', 'busybox', 'sh', '-c', 'trap "exit 42" TERM; while true; do sleep 0.1; done'])).trim();
  assert.match(await ok(['top', id]), /UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD[\s\S]*while true/);
  await eventually(async () => (await ok(['kill', '-s', 'TERM', id])).trim() === id, 5000, 'kill');
  assert.is((await ok(['wait', id])).trim(), '42');
  assert.is((await ok(['ps', '-q', '--no-trunc'])).trim(), '', 'nothing running');
  assert.is((await ok(['ps', '-l', '-q', '--no-trunc'])).trim(), id, '-l includes exited containers');
  const other = (await ok(['create', 'busybox', 'true'])).trim();
  assert.is((await ok(['rm', id, other])).trim().split('\n').length, 2);
});

flags('images, tag, rmi, history, info, version, system df and prune', async () => {
  await ok(['tag', 'busybox', 'lab/box:1']);
  assert.match(await ok(['images', 'lab/box']), /lab\/box\s+1\s+[0-9a-f]{12}/);
  const badTag = await berth(['tag', 'busybox', 'Bad/Name']);
  assert.is(badTag.code, 1);
  assert.match(badTag.stderr, /must be lowercase/);
  assert.match(await ok(['rmi', 'lab/box:1']), /Untagged: lab\/box:1/);
  assert.match(await ok(['history', 'busybox']), /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT/);
  const info = await ok(['info']);
  for (const line of [/Storage Driver: overlay/, /Cgroup Version: [12]/, /Runtimes: native runc/, /Containers: \d+/]) assert.match(info, line);
  assert.match(await ok(['version']), /Version:\s+0\.1\.0/);
  assert.match(await ok(['system', 'df']), /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\nImages\s+\d+/);
  await ok(['create', '--name', 'to-prune', 'busybox', 'true']);
  const pruned = await ok(['system', 'prune', '-f']);
  assert.match(pruned, /Deleted Containers:/);
  assert.match(pruned, /Total reclaimed space: /);
  assert.not.match(await ok(['ps', '-a']), /to-prune/);
});

flags('--help exists for every command and fits 80 columns', async () => {
  const top = await ok(['--help']);
  const commands = [...top.matchAll(/^  ([a-z]+) /gm)].map((m) => m[1]!).filter((c) => c !== 'help');
  assert.ok(commands.length >= 25, commands.join(' '));
  for (const output of [top, ...(await Promise.all(commands.map((c) => ok([c, '--help']))))]) {
    for (const line of output.split('\n')) assert.ok(line.length <= 80, `over 80 columns: ${line}`);
  }
});

flags.run();
