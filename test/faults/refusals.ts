// Issue 12 rows 9, 10, 11: Docker's refusals and clean-ups.
// Before: `run -it` with stdin a pipe hung (a shell on a tty that never sees
// an end) and made a container that stayed Up; `run --rm` whose start failed
// left a Created container; `run -v dir:/t busybox /t/prog` said "no such
// file", 127, because the command was looked up in the image alone.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BERTH_BIN, berth, ok, removeAll } from '../_berth.js';
import { berthRoot, eventually, outsideDir, tempDir } from '../_helpers.js';

const refusals = suite('refusals: -it without a terminal, --rm after a failed start, the command seen through volumes');
refusals.after(removeAll);

const containers = async () => (await ok(['ps', '-aq', '--no-trunc'])).split('\n').filter(Boolean);

refusals('run -it with stdin not a terminal: "the input device is not a TTY", exit 1, no container', async () => {
  const before = await containers();
  for (const args of [['run', '-it', 'busybox', 'sh'], ['run', '--rm', '-it', 'busybox', 'sh'], ['run', '-i', '-t', 'busybox', 'cat']]) {
    const result = await berth(args, { input: 'echo hi\nexit\n', timeoutMs: 30_000 });
    assert.is(result.stderr, 'the input device is not a TTY\n', args.join(' '));
    assert.is(result.code, 1, args.join(' '));
    assert.is(result.stdout, '');
  }
  assert.equal(await containers(), before, 'nothing was created');
  // -t alone (no stdin attached), -i alone and -itd are fine, as with Docker
  assert.is((await ok(['run', '--rm', '-t', 'busybox', 'echo', 'tty'])).replace(/\r/g, ''), 'tty\n');
  assert.is(await ok(['run', '--rm', '-i', 'busybox', 'cat'], { input: 'piped\n' }), 'piped\n');
  const id = (await ok(['run', '-itd', 'busybox', 'sh'])).trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  // exec -it into it, and start -ai of a stopped -t container: refused the same way
  const exec = await berth(['exec', '-it', id, 'sh'], { input: 'exit\n' });
  assert.equal([exec.code, exec.stderr], [1, 'the input device is not a TTY\n']);
  assert.is((await ok(['exec', id, 'echo', 'plain'])), 'plain\n', 'exec without -t still works');
  await ok(['rm', '-f', id]);
  const created = (await ok(['create', '-it', 'busybox', 'sh'])).trim();
  const start = await berth(['start', '-ai', created], { input: 'exit\n' });
  assert.equal([start.code, start.stderr], [1, 'the input device is not a TTY\n']);
  assert.is((await ok(['inspect', '-f', '{{.State.Status}}', created])).trim(), 'created', 'start -ai started nothing');
  await ok(['rm', created]);
});

refusals('run --rm whose start fails removes the container, keeping the code and the message', async () => {
  const before = await containers();
  const missing = await berth(['run', '--rm', 'busybox', 'no-such-command']);
  assert.is(missing.code, 127);
  assert.match(missing.stderr, /exec: "no-such-command": executable file not found in \$PATH/);
  const notFile = await berth(['run', '--rm', 'busybox', '/no/such/file']);
  assert.is(notFile.code, 127);
  assert.match(notFile.stderr, /exec: "\/no\/such\/file": no such file or directory/);
  const directory = await berth(['run', '--rm', 'busybox', '/etc']);
  assert.is(directory.code, 126);
  assert.match(directory.stderr, /exec: "\/etc": is a directory/);
  // detached too, and a --rm container created first and started after
  const detached = await berth(['run', '--rm', '-d', 'busybox', 'no-such-command']);
  assert.is(detached.code, 127);
  const created = (await ok(['create', '--rm', 'busybox', 'no-such-command'])).trim();
  const started = await berth(['start', created]);
  assert.is(started.code, 1);
  assert.match(started.stderr, /executable file not found in \$PATH/);
  assert.equal(await containers(), before, 'no Created container is left');
  // without --rm the failed container stays, as Docker's does, with its code
  const kept = await berth(['run', '--name', 'kept', 'busybox', 'no-such-command']);
  assert.is(kept.code, 127);
  assert.is((await ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'kept'])).trim(), 'created 127');
  await ok(['rm', 'kept']);
});

refusals('the command is looked up through the volumes: a program and a PATH entry under -v run', async () => {
  const dir = tempDir('bin-');
  fs.writeFileSync(path.join(dir, 'prog'), '#!/bin/sh\necho "prog ran with $*"\nexit 7\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'plain'), 'not executable\n', { mode: 0o644 });
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.symlinkSync('../prog', path.join(dir, 'sub', 'link'));
  const direct = await berth(['run', '--rm', '-v', `${dir}:/t`, 'busybox', '/t/prog', 'a']);
  assert.equal([direct.code, direct.stdout, direct.stderr], [7, 'prog ran with a\n', '']);
  const onPath = await berth(['run', '--rm', '-v', `${dir}:/opt/tools:ro`, '-e', 'PATH=/opt/tools:/bin', 'busybox', 'prog', 'b']);
  assert.equal([onPath.code, onPath.stdout], [7, 'prog ran with b\n']);
  // a relative link inside the volume, followed in the container's view
  const linked = await berth(['run', '--rm', '-v', `${dir}:/t`, 'busybox', '/t/sub/link']);
  assert.equal([linked.code, linked.stdout], [7, 'prog ran with \n']);
  // still Docker's errors for what is not there or not runnable in the volume
  const absent = await berth(['run', '--rm', '-v', `${dir}:/t`, 'busybox', '/t/absent']);
  assert.equal([absent.code, /exec: "\/t\/absent": no such file or directory/.test(absent.stderr)], [127, true]);
  const plain = await berth(['run', '--rm', '-v', `${dir}:/t`, 'busybox', '/t/plain']);
  assert.equal([plain.code, /exec: "\/t\/plain": permission denied/.test(plain.stderr)], [126, true]);
  // exec sees the volumes too
  const id = (await ok(['run', '-d', '-v', `${dir}:/t`, 'busybox', 'sleep', '60'])).trim();
  const exec = await berth(['exec', id, '/t/prog', 'd']);
  assert.equal([exec.code, exec.stdout], [7, 'prog ran with d\n']);
  await ok(['rm', '-f', id]);
});

refusals('a link in a volume is resolved in the container, never on the host', async () => {
  // /host-only exists on the host (outside any container); a link to it from a volume must not find it
  const outside = outsideDir();
  try {
    fs.writeFileSync(path.join(outside, 'secret-prog'), '#!/bin/sh\necho escaped\n', { mode: 0o755 });
    const dir = tempDir('links-');
    fs.symlinkSync(path.join(outside, 'secret-prog'), path.join(dir, 'abs'));
    fs.symlinkSync(`../../../../../../../..${path.join(outside, 'secret-prog')}`, path.join(dir, 'rel'));
    for (const name of ['abs', 'rel']) {
      const result = await berth(['run', '--rm', '-v', `${dir}:/t`, 'busybox', `/t/${name}`]);
      assert.is(result.code, 127, `${name}: ${result.stdout}${result.stderr}`);
      assert.not.match(result.stdout, /escaped/);
    }
    // a link to a path that exists in the container is followed there: /t/sh -> /bin/sh
    fs.symlinkSync('/bin/sh', path.join(dir, 'sh'));
    assert.is(await ok(['run', '--rm', '-v', `${dir}:/t`, 'busybox', '/t/sh', '-c', 'echo inside']), 'inside\n');
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

refusals('a client killed while attached to run --rm: the container runs on, and is removed when it ends', async () => {
  const flag = tempDir('flag-');
  const client = spawn(process.execPath, ['--', BERTH_BIN, 'run', '--rm', '--name', 'orphan', '-v', `${flag}:/flag`, 'busybox', 'sh', '-c', 'echo started; while [ ! -e /flag/go ]; do sleep 0.1; done; echo done'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  client.stdout.on('data', (d) => (out += d));
  await eventually(() => out.includes('started'), 30_000, 'the container to start');
  const exited = new Promise((resolve) => client.on('close', resolve));
  client.kill('SIGKILL');
  await exited;
  assert.is((await ok(['inspect', '-f', '{{.State.Status}}', 'orphan'])).trim(), 'running', 'the container keeps running, as with Docker');
  fs.writeFileSync(path.join(flag, 'go'), '');
  // nobody runs a berth command: the monitor's exit hook finishes and removes it
  const dir = path.join(berthRoot(), 'containers');
  await eventually(() => !fs.readdirSync(dir).some((id) => fs.existsSync(path.join(dir, id, 'container.json')) && fs.readFileSync(path.join(dir, id, 'container.json'), 'utf8').includes('"orphan"')), 30_000, 'the container to be removed');
  assert.equal(await containers(), []);
});

refusals.run();
