// A container's life through the engine API: detached, logs, exec, top, cp,
// diff, wait, kill, rm, export/import, names.
import fs from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import type { Engine } from '../../../src/engine/engine.js';
import { engineSuite } from '../../_engine.js';
import { eventually, outsideDir, rejects } from '../../_helpers.js';

const { test: life, engine: opened } = engineSuite('container lifecycle');
let engine: Engine;
life.before(() => {
  engine = opened();
});

const collect = async (gen: AsyncIterable<{ log: string }>) => {
  let text = '';
  for await (const entry of gen) text += entry.log;
  return text;
};

life('detached: logs with stream names, wait returns the exit code, logs --tail', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sh', '-c', 'echo out; echo err >&2; echo two; exit 4'] });
  await engine.start(c.id);
  const done = await engine.wait(c.id);
  assert.is(done.state.exitCode, 4);
  assert.is(done.state.status, 'exited');
  const entries: Array<{ stream: string; log: string; time: string }> = [];
  for await (const entry of engine.logs(done)) entries.push(entry);
  // The monitor logs what each read returned, so lines of one stream may share an entry.
  const streamText = (stream: string) => entries.filter((e) => e.stream === stream).map((e) => e.log).join('');
  assert.is(streamText('stdout'), 'out\ntwo\n');
  assert.is(streamText('stderr'), 'err\n');
  assert.ok(entries.every((e) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/.test(e.time)), entries[0]?.time);
  assert.is(await collect(engine.logs(done, { tail: 1 })), entries.at(-1)!.log);
  await engine.remove(c.id);
});

life('logs -f follows until the container exits', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sh', '-c', 'for i in 1 2 3; do echo $i; sleep 0.2; done'] });
  const running = await engine.start(c.id);
  assert.is(await collect(engine.logs(running, { follow: true })), '1\n2\n3\n');
  await engine.remove(c.id, { force: true });
});

life('exec runs in the container: its hostname, its pid namespace, its exit code', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sleep', '60'], hostname: 'box' });
  await engine.start(c.id);
  const { process: child } = await engine.exec(c.id, { args: ['sh', '-c', 'hostname; ps -o comm | grep -c sleep; exit 7'], stdio: 'pipe' });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.is(code, 7);
  assert.is(out, 'box\n1\n');
  await rejects(engine.exec(c.id, { args: ['nope'], stdio: 'pipe' }), /executable file not found/);
  const top = await engine.top(c.id);
  assert.ok(top.processes.some((p) => p.at(-1)!.includes('sleep 60')), JSON.stringify(top));
  await engine.remove(c.id, { force: true });
});

life('stop a container that ignores SIGTERM: SIGKILL after the timeout; kill -s sends the signal', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sh', '-c', 'trap "echo got-usr1" USR1; while true; do sleep 0.1; done'] });
  await engine.start(c.id);
  await new Promise((r) => setTimeout(r, 300));
  await engine.kill(c.id, 'SIGUSR1');
  await eventually(async () => (await collect(engine.logs(await engine.inspect(c.id)))).includes('got-usr1'), 5000, 'the trap output');
  const stopped = await engine.stop(c.id, 1);
  assert.is(stopped.state.exitCode, 137);
  await rejects(engine.kill(c.id), /is not running/);
  await engine.remove(c.id);
});

life('rm refuses a running container without force; names are unique', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sleep', '60'], name: 'only-one' });
  await engine.start(c.id);
  await rejects(engine.remove(c.id), /You cannot remove a running container/);
  await rejects(engine.create({ image: 'busybox', cmd: ['true'], name: 'only-one' }), /name "\/only-one" is already in use/);
  await rejects(engine.create({ image: 'busybox', cmd: ['true'], name: '../evil' }), /Invalid container name/);
  await engine.remove('only-one', { force: true });
  await rejects(engine.inspect('only-one'), /No such container: only-one/);
});

life('diff shows A, C and D against the image', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sh', '-c', 'echo new > /new.txt; echo changed >> /etc/group; rm /etc/passwd'] });
  await engine.start(c.id);
  await engine.wait(c.id);
  const changes = (await engine.diff(c.id)).map((ch) => `${ch.kind} ${ch.path}`);
  for (const expected of ['A /new.txt', 'C /etc', 'C /etc/group', 'D /etc/passwd']) assert.ok(changes.includes(expected), `${expected} in ${changes}`);
  await engine.remove(c.id);
});

life('cp both ways, and a symlink in the container cannot redirect a copy onto the host', async () => {
  const host = outsideDir();
  const c = await engine.create({ image: 'busybox', cmd: ['sh', '-c', `echo inside > /inside.txt; ln -s ${host} /escape; sleep 60`] });
  await engine.start(c.id);
  await eventually(async () => (await engine.diff(c.id)).some((ch) => ch.path === '/escape'), 5000, 'the container to write its files');
  await engine.copy(`${c.id}:/inside.txt`, host);
  assert.is(fs.readFileSync(path.join(host, 'inside.txt'), 'utf8'), 'inside\n');
  const src = path.join(engine.paths.tmp, 'hello.txt');
  fs.writeFileSync(src, 'hello\n');
  await engine.copy(src, `${c.id}:/tmp/`);
  const { process: cat } = await engine.exec(c.id, { args: ['cat', '/tmp/hello.txt'], stdio: 'pipe' });
  let out = '';
  cat.stdout!.on('data', (d) => (out += d));
  await new Promise((r) => cat.on('exit', r));
  assert.is(out, 'hello\n');
  // /escape points at the host dir by absolute path: inside the container that is a path in its own rootfs.
  await engine.copy(src, `${c.id}:/escape/planted.txt`).catch(() => undefined);
  assert.not.ok(fs.existsSync(path.join(host, 'planted.txt')), 'nothing written through the symlink onto the host');
  await rejects(engine.copy(`${c.id}:/no/such/file`, host), /Could not find the file \/no\/such\/file/);
  await engine.remove(c.id, { force: true });
  fs.rmSync(host, { recursive: true });
  fs.rmSync(src);
});

life('export then import gives an image with the same files', async () => {
  const c = await engine.create({ image: 'busybox', cmd: ['sh', '-c', 'echo marker > /marker'] });
  await engine.start(c.id);
  await engine.wait(c.id);
  const tar = await engine.exportContainer(c.id);
  const image = await engine.importImage(tar, { ref: 'exported:v1', changes: ['CMD ["cat", "/marker"]'] });
  assert.ok(image.tags.includes('exported:v1'));
  const result = await engine.run({ image: 'exported:v1', autoRemove: true });
  assert.is(result.stdout, 'marker\n');
  await engine.remove(c.id);
  await engine.removeImage('exported:v1');
});

life('stdin reaches the container and its EOF ends it', async () => {
  const result = await engine.run({ image: 'busybox', cmd: ['sh', '-c', 'tr a-z A-Z; echo done'], autoRemove: true }, { stdin: 'hello\n' });
  assert.is(result.stdout, 'HELLO\ndone\n');
});

life('--rm removes the container after it exits', async () => {
  const result = await engine.run({ image: 'busybox', cmd: ['true'], autoRemove: true });
  assert.is(result.exitCode, 0);
  await rejects(engine.inspect(result.id), /No such container/);
});

life('rmi refuses an image a container uses unless forced, and keeps shared layers', async () => {
  await engine.tag('busybox', 'mybox:1');
  const c = await engine.create({ image: 'mybox:1', cmd: ['true'] });
  const removedTag = await engine.removeImage('mybox:1');
  assert.equal(removedTag.untagged, ['mybox:1']);
  await rejects(engine.removeImage('busybox'), /must force/);
  await engine.remove(c.id);
  const busybox = await engine.run({ image: 'busybox', cmd: ['true'], autoRemove: true });
  assert.is(busybox.exitCode, 0);
});

life.run();
