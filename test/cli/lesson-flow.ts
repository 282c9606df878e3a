// The seed talk's first lessons, typed for real through the `berth` command.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { BERTH_BIN, berth, ok, removeAll } from '../_berth.js';
import { eventually } from '../_helpers.js';

const flow = suite('docker 101 through the berth command');

flow.after(async () => {
  await removeAll();
  await berth(['system', 'prune', '-af']);
});

flow('images lists busybox after the first run pulls it from the hub', async () => {
  const hello = await berth(['run', 'busybox', 'echo', 'hello world']);
  assert.is(hello.code, 0, hello.stderr);
  assert.is(hello.stdout, 'hello world\n');
  assert.match(hello.stderr, /Unable to find image 'busybox:latest' locally/);
  const images = await ok(['images']);
  assert.match(images, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE/);
  assert.match(images, /\nbusybox\s+latest\s+[0-9a-f]{12}\s/);
});

flow('run -d prints the id; ps shows it Up; logs has the pings; stop/start/restart', async () => {
  const id = (await ok(['run', '-d', 'busybox', 'ping', '127.0.0.1'])).trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  const ps = await ok(['ps']);
  assert.match(ps, new RegExp(`${id.slice(0, 12)}\\s+busybox\\s+"ping 127.0.0.1"\\s+.*Up `));
  await eventually(async () => /64 bytes from 127.0.0.1/.test(await ok(['logs', id])), 10_000, 'ping output in the logs');
  await ok(['stop', '-t', '1', id]);
  assert.match(await ok(['ps', '-a']), /Exited \(137\)/);
  assert.not.match(await ok(['ps']), new RegExp(id.slice(0, 12)));
  await ok(['start', id]);
  assert.match(await ok(['ps']), new RegExp(`${id.slice(0, 12)}.*Up `));
  await ok(['restart', '-t', '1', id]);
  assert.match(await ok(['inspect', '-f', '{{.State.Status}}', id]), /running/);
  await ok(['rm', '-f', id]);
});

flow('attach streams a running container; ctrl-p ctrl-q detaches and leaves it running', async () => {
  const id = (await ok(['run', '-d', '-i', 'busybox', 'sh', '-c', 'while read line; do echo "got $line"; done'])).trim();
  // Type a line, wait for the container's answer on the attach stream, then ctrl-p ctrl-q.
  const client = spawn(process.execPath, ['--', BERTH_BIN, 'attach', id], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  client.stdout.on('data', (d) => (stdout += d));
  client.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => client.on('exit', (code) => resolve(code)));
  try {
    client.stdin.write('one\n');
    await eventually(() => stdout.includes('got one'), 15_000, 'the answer on the attach stream');
    client.stdin.write('\x10\x11');
    assert.is(await exited, 0, stderr);
  } finally {
    client.kill('SIGKILL');
  }
  assert.match(await ok(['inspect', '-f', '{{.State.Running}}', id]), /true/);
  await ok(['rm', '-f', id]);
});

flow('rm /etc/passwd, ps -n=2, commit, and the new image lacks the file', async () => {
  const removed = await berth(['run', 'busybox', 'rm', '/etc/passwd']);
  assert.is(removed.code, 0, removed.stderr);
  const last = await ok(['ps', '-n=2']);
  const lines = last.trim().split('\n');
  assert.is(lines.length, 3, last);
  assert.match(lines[1]!, /"rm \/etc\/passwd"\s+.*Exited \(0\)/);
  const id = lines[1]!.split(/\s+/)[0]!;
  const diff = await ok(['diff', id]);
  assert.match(diff, /^C \/etc$/m);
  assert.match(diff, /^D \/etc\/passwd$/m);
  const imageId = (await ok(['commit', id, 'broken-busybox'])).trim();
  assert.match(imageId, /^sha256:[0-9a-f]{64}$/);
  assert.match(await ok(['images']), /broken-busybox\s+latest/);
  const broken = await berth(['run', '--rm', 'broken-busybox', 'cat', '/etc/passwd']);
  assert.is(broken.code, 1);
  assert.match(broken.stderr, /cat: can't open '\/etc\/passwd': No such file or directory/);
  const fine = await berth(['run', '--rm', 'busybox', 'cat', '/etc/passwd']);
  assert.match(fine.stdout, /^root:x:0:0/);
});

flow('debian:bookworm from the hub runs bash and apt', async () => {
  const pulled = await berth(['pull', 'debian:bookworm'], { timeoutMs: 15 * 60_000 });
  assert.is(pulled.code, 0, pulled.stderr);
  const out = await ok(['run', '--rm', 'debian:bookworm', 'bash', '-c', 'cat /etc/debian_version; apt-get --version | head -1; id -un']);
  assert.match(out, /^12\.\d+\napt \d+\.\d+[^\n]*\nroot\n$/);
});

flow('exit codes follow Docker: 127 unknown command, 126 not executable, 125 engine error, else the container\'s', async () => {
  const missing = await berth(['run', '--rm', 'busybox', 'no-such-command']);
  assert.is(missing.code, 127);
  assert.match(missing.stderr, /"no-such-command": executable file not found in \$PATH/);
  const notExec = await berth(['run', '--rm', 'busybox', '/etc/passwd']);
  assert.is(notExec.code, 126);
  const noImage = await berth(['run', '--rm', 'no-such-image']);
  assert.is(noImage.code, 125);
  assert.match(noImage.stderr, /No such image|not found/i);
  const own = await berth(['run', '--rm', 'busybox', 'sh', '-c', 'exit 3']);
  assert.is(own.code, 3);
  const badFlag = await berth(['run', '--no-such-flag', 'busybox']);
  assert.is(badFlag.code, 125);
  const unknown = await berth(['stop', 'no-such-container']);
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, /No such container: no-such-container/);
});

flow.run();
