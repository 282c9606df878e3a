// Bad input gets a clear error, the right exit code, and changes nothing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BERTH_BIN, berth, ok } from '../_berth.js';

const bad = suite('bad input');

bad.before(async () => {
  await ok(['pull', 'busybox']);
});

bad('not root: the error says berth needs root and what to do', () => {
  const result = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--', BERTH_BIN, 'ps'], { encoding: 'utf8' });
  assert.is(result.status, 1);
  assert.match(result.stderr, /berth needs root/);
  assert.match(result.stderr, /sudo/);
});

bad('names with .. or capitals, bad flag values: refused, quoted, nothing created', async () => {
  const before = await ok(['ps', '-aq']);
  const cases: Array<[string[], RegExp]> = [
    [['run', '--name', '../../etc', 'busybox', 'true'], /Invalid container name \(\.\.\/\.\.\/etc\)/],
    [['run', 'Busybox', 'true'], /must be lowercase/],
    [['run', 'busybox/../x', 'true'], /invalid reference format/],
    [['run', '-m', 'lots', 'busybox', 'true'], /invalid value "lots" for --memory/],
    [['run', '-m', '1k', 'busybox', 'true'], /Minimum memory limit allowed is 6MB/],
    [['run', '--cpus', '99', 'busybox', 'true'], /range of CPUs is from 0.01 to/],
    [['run', '-v', 'relative:/data', 'busybox', 'true'], /invalid volume specification: 'relative:\/data'/],
    [['run', '-v', '/tmp:/data:rx', 'busybox', 'true'], /invalid mode: rx/],
    [['run', '--net', 'wifi', 'busybox', 'true'], /invalid network mode "wifi"/],
    [['run', '-p', '80:abc', 'busybox', 'true'], /invalid port spec "80:abc"/],
  ];
  for (const [args, pattern] of cases) {
    const result = await berth(args);
    assert.is(result.code, 125, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, pattern);
  }
  assert.is(await ok(['ps', '-aq']), before, 'no container was created by a refused command');
});

bad('a container that cannot be set up: 125, the monitor\'s error, and nothing mounted or left running', async () => {
  const dir = fs.mkdtempSync(path.join(process.env.BERTH_ROOT!, 'vol-'));
  for (const args of [['run', '--name', 'unmountable'], ['run', '-d']]) {
    // A directory cannot be bind-mounted over the image's /etc/passwd file.
    const result = await berth([...args, '-v', `${dir}:/etc/passwd`, 'busybox', 'true']);
    assert.is(result.code, 125, result.stderr);
    assert.match(result.stderr, /failed to create the container: openat2 `\/etc\/passwd`: Not a directory/);
  }
  assert.not.match(fs.readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(`${process.env.BERTH_ROOT}/storage`), 'no rootfs stays mounted');
  assert.match(await ok(['ps', '-a']), /Created\s+unmountable$/m);
  const ids = (await ok(['ps', '-aq'])).split('\n').filter(Boolean);
  await ok(['rm', ...ids]);
});

bad('unknown things: image, container, command', async () => {
  const image = await berth(['run', 'no-such-image']);
  assert.is(image.code, 125);
  assert.match(image.stderr, /pull access denied for no-such-image, repository does not exist/);
  for (const command of [['stop', 'ghost'], ['rm', 'ghost'], ['logs', 'ghost'], ['inspect', 'ghost'], ['rmi', 'ghost']]) {
    const result = await berth(command);
    assert.is(result.code, 1, command.join(' '));
    assert.match(result.stderr, /No such (container|image|object): ghost/);
  }
  const verb = await berth(['frobnicate']);
  assert.is(verb.code, 125);
  assert.match(verb.stderr, /unknown command 'frobnicate'/);
});

bad.run();
