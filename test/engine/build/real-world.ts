// Real-world Dockerfiles (test/fixtures/build/*) built on debian:bookworm and
// busybox, then run: the seed's memcached answering stats/set/get on a
// published port as user daemon, a static C program built with gcc and
// shipped in busybox, a python3 web app, lighttpd and busybox httpd sites,
// and a worker unpacked by ADD.
import net from 'node:net';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { engineSuite } from '../../_engine.js';
import { eventually } from '../../_helpers.js';
import { buildWith, FIXTURES, images } from './_build.js';
import { freePort } from '../../../src/engine/network/free-port.js';

const { test, engine } = engineSuite('build: real-world Dockerfiles');

test.before(async () => {
  await engine().pull('debian:bookworm');
  await engine().pull('busybox');
});

/** Builds the fixture and runs it detached with `containerPort` published on a free loopback port. */
async function serve(fixture: string, containerPort: number): Promise<{ id: string; port: number }> {
  await buildWith(engine(), { context: path.join(FIXTURES, fixture), tags: [`fixture/${fixture}`] });
  const port = await freePort();
  const created = await engine().create({ image: `fixture/${fixture}`, ports: [{ protocol: 'tcp', containerPort, hostIp: '127.0.0.1', hostPort: port }] });
  await engine().start(created.id);
  return { id: created.id, port };
}

async function get(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return eventually(async () => {
    try {
      const response = await fetch(`http://127.0.0.1:${port}${urlPath}`);
      return { status: response.status, body: await response.text() };
    } catch {
      return undefined;
    }
  }, 20_000, `http://127.0.0.1:${port}${urlPath}`);
}

/** One memcached text-protocol exchange: sends `request`, reads until `until` ends the reply. */
function memcached(port: number, request: string, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`memcached: no reply to ${JSON.stringify(request)}: ${reply}`)));
    socket.on('data', (d) => {
      reply += d;
      if (until.test(reply)) {
        socket.end();
        resolve(reply);
      }
    });
    socket.on('error', reject);
    socket.write(request);
  });
}

test("the seed's memcached: built, run with its port published, answers stats/set/get as daemon", async () => {
  const started = Date.now();
  const { output } = await buildWith(engine(), { context: path.join(FIXTURES, 'memcached'), tags: ['vieux/memcached'] });
  const freshMs = Date.now() - started;
  assert.match(output, /Step 4\/7 : RUN apt-get install memcached -y\n ---> Running in [0-9a-f]{12}\n/);
  assert.match(output, /Successfully tagged vieux\/memcached:latest\n$/);
  const again = Date.now();
  const cached = await buildWith(engine(), { context: path.join(FIXTURES, 'memcached'), tags: ['vieux/memcached'] });
  console.log(`  memcached: fresh build ${freshMs} ms, cached rebuild ${Date.now() - again} ms`);
  assert.is(cached.events.filter((e) => e.type === 'cache-hit').length, 6);

  const port = await freePort();
  const created = await engine().create({ image: 'vieux/memcached', ports: [{ protocol: 'tcp', containerPort: 11211, hostIp: '127.0.0.1', hostPort: port }] });
  await engine().start(created.id);
  const stats = await eventually(() => memcached(port, 'stats\r\n', /END\r\n$/).catch(() => undefined), 20_000, 'memcached stats');
  assert.match(stats, /^STAT pid \d+\r\n/);
  assert.is(await memcached(port, 'set greeting 0 0 5\r\nhello\r\n', /\r\n$/), 'STORED\r\n');
  assert.is(await memcached(port, 'get greeting\r\n', /END\r\n$/), 'VALUE greeting 0 5\r\nhello\r\nEND\r\n');
  const top = await engine().top(created.id, '-o uid,comm');
  assert.equal(top.processes.map((p) => [p[0], p[1]]), [['1', 'memcached']], 'uid 1 is daemon in debian');
  await engine().remove(created.id, { force: true });
});

test('static C: compiled with gcc in debian, copied into busybox (multi-stage)', async () => {
  const { result, output } = await buildWith(engine(), { context: path.join(FIXTURES, 'static-c'), tags: ['greet'] });
  assert.match(output, /hello from a static binary\n/);
  assert.is(images(engine()).layers(result.id).length, 2, 'busybox + the binary: no compiler in the result');
  const run = await engine().run({ image: 'greet', cmd: ['from', 'berth'], network: 'none', autoRemove: true });
  assert.is(run.stdout, 'hello from a static binary from berth\n');
});

test('python3 web app: serves files and runs as nobody', async () => {
  const { id, port } = await serve('python-app', 8000);
  assert.equal(await get(port, '/'), { status: 200, body: '<h1>python app</h1>\n' });
  assert.equal(await get(port, '/whoami'), { status: 200, body: 'nobody' });
  const config = images(engine()).imageConfig('fixture/python-app').config!;
  assert.equal(Object.keys(config.ExposedPorts!), ['8000/tcp']);
  assert.equal(config.Healthcheck!.Test![0], 'CMD-SHELL');
  await engine().remove(id, { force: true });
});

test('lighttpd static site', async () => {
  const { id, port } = await serve('lighttpd-site', 80);
  const page = await get(port, '/');
  assert.is(page.status, 200);
  assert.match(page.body, /Served by lighttpd/);
  assert.equal(await get(port, '/css/site.css'), { status: 200, body: 'h1 { color: teal; }\n' });
  assert.is(images(engine()).imageConfig('fixture/lighttpd-site').config!.StopSignal, 'SIGINT');
  await engine().remove(id, { force: true });
});

test('busybox httpd: .dockerignore keeps drafts and private files out', async () => {
  const { id, port } = await serve('busybox-httpd', 8080);
  assert.equal(await get(port, '/index.html'), { status: 200, body: '<h1>busybox httpd</h1>\n' });
  assert.is((await get(port, '/next.draft')).status, 404);
  assert.is((await get(port, '/private/secret.html')).status, 404);
  assert.equal(await get(port, '/private/keep.html'), { status: 200, body: 'keep\n' });
  await engine().remove(id, { force: true });
});

test('busybox worker: ADD unpacks its scripts; ENV defaults overridable at run', async () => {
  const { result } = await buildWith(engine(), { context: path.join(FIXTURES, 'busybox-worker'), tags: ['worker'] });
  const run = await engine().run({ image: 'worker', env: ['COUNT=2', 'INTERVAL=0'], network: 'none', autoRemove: true });
  assert.is(run.stdout, 'tick 1 as root\ntick 2 as root\nworker done\n');
  const config = images(engine()).imageConfig(result.id).config!;
  assert.equal(config.Volumes, { '/var/lib/worker': {} });
  assert.equal(config.Healthcheck, { Test: ['NONE'] });
  const motd = await engine().run({ image: 'worker', entrypoint: 'cat', cmd: ['/etc/motd'], network: 'none', autoRemove: true });
  assert.is(motd.stdout, 'berth worker image\n');
});

test.run();
