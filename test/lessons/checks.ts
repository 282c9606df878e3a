// Checks evaluated against real engine state: a check that should fail
// does, and passes once the engine gets there, whatever command did it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Engine } from '../../src/engine/engine.js';
import { evaluate } from '../../src/lessons/checks/index.js';
import type { CheckContext } from '../../src/lessons/checks/types.js';
import type { CheckSpec } from '../../src/lessons/types.js';
import { ok, removeAll } from '../_berth.js';

const checks = suite('checks against engine state');
let engine: Engine;
const context = (extra: Partial<CheckContext> = {}): CheckContext => ({ engine: async () => engine, lastOutput: '', lastExitCode: undefined, lessonId: 'test', ...extra });
const one = async (kind: string, args: unknown, extra?: Partial<CheckContext>) => (await evaluate([{ kind, args } as CheckSpec], context(extra))).results[0]!;

checks.before(async () => {
  await ok(['pull', 'busybox']);
  engine = await Engine.open();
});

checks.after(async () => {
  await removeAll();
  await engine.shutdown();
});

checks('container running fails while created, passes once started, absent after rm', async () => {
  await ok(['create', '--name', 'sleepy', 'busybox', 'sleep', '60']);
  const before = await one('container', { name: 'sleepy', status: 'running' });
  assert.is(before.ok, false);
  assert.match(before.detail, /exists but is created, expected running/);
  await ok(['start', 'sleepy']);
  const after = await one('container', { name: 'sleepy', status: 'running', image: 'busybox:latest', command: 'sleep 60' });
  assert.is(after.ok, true, after.detail);
  assert.is((await one('container', { name: 'sleepy', status: 'absent' })).ok, false);
  await ok(['rm', '-f', 'sleepy']);
  assert.is((await one('container', { name: 'sleepy', status: 'absent' })).ok, true);
  assert.match((await one('container', { image: 'busybox', command: 'no-such' })).detail, /no container from busybox running "no-such" yet/);
});

checks('image lacks a file only after the commit; file-in-container and diff see the deletion', async () => {
  assert.is((await one('image', { name: 'gone-busybox', lacks: '/etc/passwd' })).ok, false);
  await ok(['run', '--name', 'eraser', 'busybox', 'rm', '/etc/passwd']);
  assert.is((await one('diff', { container: 'eraser', has: ['D /etc/passwd'] })).ok, true);
  assert.is((await one('diff', { container: 'eraser', has: ['A /nope'] })).ok, false);
  assert.is((await one('file-in-container', { container: 'eraser', path: '/etc/passwd', exists: false })).ok, true);
  assert.is((await one('file-in-container', { container: 'eraser', path: '/etc/group' })).ok, true);
  await ok(['commit', 'eraser', 'gone-busybox']);
  const lacks = await one('image', { name: 'gone-busybox', lacks: '/etc/passwd' });
  assert.is(lacks.ok, true, lacks.detail);
  assert.is((await one('image', { name: 'gone-busybox', has: '/etc/group' })).ok, true);
  assert.is((await one('image', { name: 'busybox', lacks: '/etc/passwd' })).ok, false);
  assert.is((await one('images', { has: ['busybox', 'gone-busybox:latest'] })).ok, true);
  await ok(['rmi', 'gone-busybox']);
});

checks('file-in-container reads a running container; http fails until a published port answers', async () => {
  const closed = await one('http', { url: 'http://127.0.0.1:1/', contains: 'x' });
  assert.is(closed.ok, false);
  assert.match(closed.detail, /nothing answers/);
  await ok(['run', '-d', '--name', 'page', '-p', '18089:80', 'busybox', 'sh', '-c', 'mkdir /www && echo "It works" > /www/index.html && exec httpd -f -p 80 -h /www']);
  let seen = await one('http', { url: 'http://127.0.0.1:18089/', contains: 'It works' });
  for (let i = 0; i < 40 && !seen.ok; i++) {
    await new Promise((r) => setTimeout(r, 100));
    seen = await one('http', { url: 'http://127.0.0.1:18089/', contains: 'It works' });
  }
  assert.is(seen.ok, true, seen.detail);
  assert.is((await one('http', { url: 'http://127.0.0.1:18089/', contains: 'It fails' })).ok, false);
  assert.is((await one('file-in-container', { container: 'page', path: '/www/index.html', contains: 'It works' })).ok, true);
  await ok(['rm', '-f', 'page']);
});

checks('output and exit-code read the last command, and fail before there is one', async () => {
  assert.is((await one('output', { contains: 'hi' })).ok, false);
  assert.is((await one('output', { contains: 'hi' }, { lastOutput: 'oh hi\n', lastExitCode: 0 })).ok, true);
  assert.is((await one('output', { matches: '^\\s*1 root' }, { lastOutput: 'PID USER\n    1 root ps\n', lastExitCode: 0 })).ok, true);
  assert.is((await one('exit-code', 1, { lastOutput: '', lastExitCode: 0 })).ok, false);
  assert.is((await one('exit-code', 1, { lastOutput: '', lastExitCode: 1 })).ok, true);
});

checks.run();
