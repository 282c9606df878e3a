// Issue 12 row 13: lesson 8's registry on a fixed 127.0.0.1:5000.
// Before: the step's check was `http: {url: "http://127.0.0.1:5000/v2/"}`,
// so whatever else held :5000 (a Docker registry:2, another lab) passed it
// although `berth registry start` had failed.  Now the `registry` check
// passes only for the registry berth started from this state root: its
// process must own the listening socket.
import http from 'node:http';
import net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Engine } from '../../src/engine/engine.js';
import { evaluate, validateCheck } from '../../src/lessons/checks/index.js';
import type { CheckContext } from '../../src/lessons/checks/types.js';
import type { CheckSpec } from '../../src/lessons/types.js';
import { freePort } from '../../src/engine/network/free-port.js';
import { berth, ok, removeAll } from '../_berth.js';

const lesson = suite('lesson registry: the check talks to the registry berth started');
let engine: Engine;
const context: CheckContext = { engine: async () => engine, lastOutput: '', lastExitCode: undefined, lessonId: 'test' };
const check = async (args: unknown) => (await evaluate([{ kind: 'registry', args } as CheckSpec], context)).results[0]!;

/** A foreign "registry": answers /v2/ and says every repository has "latest". */
async function impostor(port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(req.url?.endsWith('/tags/list') ? '{"name":"mybox","tags":["latest"]}' : '{}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

const close = (server: http.Server) => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); });

lesson.before(async () => {
  await ok(['pull', 'busybox']);
  engine = await Engine.open();
});

lesson.after(async () => {
  await berth(['registry', 'stop']);
  await removeAll();
  await engine.shutdown();
});

lesson('the check kind validates its arguments', () => {
  assert.equal(validateCheck({ kind: 'registry', args: { listen: '127.0.0.1:5000', has: 'mybox:latest' } }), []);
  assert.match(validateCheck({ kind: 'registry', args: { listen: 'localhost' } }).join(), /field "listen" should be HOST:PORT/);
  assert.match(validateCheck({ kind: 'registry', args: { url: 'http://x/' } }).join(), /needs the field "listen"/);
});

lesson('a foreign registry on the port fails the check, naming who holds it; berth\'s own passes', async () => {
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  const foreign = await impostor(port);
  try {
    // the old check passed here
    assert.ok((await evaluate([{ kind: 'http', args: { url: `http://${listen}/v2/` } }], context)).ok, 'the impostor answers like a registry');
    const refused = await check({ listen });
    assert.is(refused.ok, false);
    assert.match(refused.detail, new RegExp(`${listen} is held by another program \\(pid ${process.pid}, `));
    const start = await berth(['registry', 'start', '--listen', listen]);
    assert.is(start.code, 1);
    assert.match(start.stderr, /something already answers/);
    assert.is((await check({ listen, has: 'mybox:latest' })).ok, false);
  } finally {
    await close(foreign);
  }
  assert.match((await check({ listen })).detail, /no registry started by berth listens/);
  assert.match(await ok(['registry', 'start', '--listen', listen]), new RegExp(listen));
  const own = await check({ listen });
  assert.is(own.ok, true, own.detail);
  assert.match(own.detail, /berth's registry \(pid \d+\) answers/);
  assert.match((await check({ listen, has: 'mybox' })).detail, /mybox:latest is not in the registry/);
  await ok(['tag', 'busybox', `${listen}/mybox`]);
  await ok(['push', `${listen}/mybox`]);
  assert.is((await check({ listen, has: 'mybox:latest' })).ok, true);
  await ok(['registry', 'stop', '--listen', listen]);
  assert.is((await check({ listen })).ok, false);
});

lesson('lesson 8 headlessly with something else on 127.0.0.1:5000: its first step fails and says why', async () => {
  const busy = await new Promise<boolean>((resolve) => {
    const probe = net.connect(5000, '127.0.0.1');
    probe.once('connect', () => { probe.destroy(); resolve(true); });
    probe.once('error', () => resolve(false));
  });
  if (busy) {
    console.log('  (127.0.0.1:5000 is in use on this machine: the headless part is left out)');
    return;
  }
  const foreign = await impostor(5000);
  try {
    const run = await berth(['lesson', 'run', 'private-registry', '--yes'], { timeoutMs: 10 * 60_000 });
    assert.is.not(run.code, 0);
    assert.match(run.stdout, /✘ 1\/5 Start a registry: registry: 127\.0\.0\.1:5000 is held by another program/);
    assert.match(run.stdout, /✘ 2\/5 Push to it/);
  } finally {
    await close(foreign);
  }
});

lesson.run();
