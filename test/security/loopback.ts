// Issue 11 row 3: host loopback stays the host's.  A host service on
// 127.0.0.1 (like the lab hub on 127.0.0.1:5151) must never be reached from
// a container, not even by raw frames sent to the gateway's MAC with
// destination 127.0.0.1 (the bridge has route_localnet=1 so that published
// ports answer on 127.0.0.1).  The canary is a listener the test makes on
// 127.0.0.1: it counts connections and keeps whatever it receives.  Ports
// published on 127.0.0.1 still answer from the host, with both port drivers.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { Engine } from '../../src/engine/engine.js';
import { NATIVE_BUILD } from '../../src/engine/sys.js';
import { freePort } from '../../src/engine/network/free-port.js';
import { engineSuite } from '../_engine.js';
import { getWithRetry } from '../_http.js';

const PROBES = path.join(NATIVE_BUILD, 'probes');
const { test, engine: opened } = engineSuite('security: host loopback');
let engine: Engine;

interface Canary {
  readonly port: number;
  accepts: number;
  received: string;
  close(): Promise<void>;
}

/** A TCP listener on 127.0.0.1 that records every connection and byte. */
async function canaryListener(): Promise<Canary> {
  const sockets = new Set<net.Socket>();
  const canary = { port: 0, accepts: 0, received: '' } as Canary;
  const server = net.createServer((socket) => {
    canary.accepts++;
    sockets.add(socket);
    socket.on('data', (d) => (canary.received += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (canary as { port: number }).port = (server.address() as net.AddressInfo).port;
  canary.close = () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); });
  return canary;
}

const HTTPD = ['sh', '-c', 'mkdir -p /www && echo "hello from inside" > /www/index.html && exec httpd -f -p 80 -h /www'];

test.before(() => {
  engine = opened();
  assert.ok(fs.existsSync(path.join(PROBES, 'rawframe')), `build the probes first: make -C native (${PROBES}/rawframe missing)`);
});

const hasRunc = ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc', '/usr/local/bin/runc'].some((p) => fs.existsSync(p));

for (const runtime of ['native', 'runc'] as const) test(`raw frames to 127.0.0.1 through the gateway reach nothing on the host, and connect() via eth0 neither (${runtime})`, async () => {
  if (runtime === 'runc' && !hasRunc) return;
  const canary = await canaryListener();
  // A file canary too, outside any rootfs: nothing the container does may change it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-canary-'));
  const canaryFile = path.join(dir, 'canary');
  fs.writeFileSync(canaryFile, 'host canary\n');
  try {
    const result = await engine.run({
      image: 'busybox',
      // through sh: the engine looks the command up in the image, before the bind is there
      cmd: ['sh', '-c', `exec /probes/rawframe 127.0.0.1 ${canary.port} eth0 PWNED-BY-CONTAINER`],
      binds: [`${PROBES}:/probes:ro`],
      runtime,
      autoRemove: true,
    });
    await new Promise((r) => setTimeout(r, 300)); // a late segment would land by now
    const lines = result.stdout;
    assert.match(lines, /sent syn 127\.0\.0\.1/, `the probe did not get to send its frames:\n${lines}\n${result.stderr}`);
    assert.match(lines, /synack no/, `the host's loopback answered a frame from the container:\n${lines}`);
    assert.not.match(lines, /connect ok/, `connect() to 127.0.0.1 over eth0 reached something:\n${lines}`);
    assert.is(canary.accepts, 0, `the 127.0.0.1 listener accepted ${canary.accepts} connection(s) from the container; received ${JSON.stringify(canary.received)}`);
    assert.is(canary.received, '');
    assert.is(fs.readFileSync(canaryFile, 'utf8'), 'host canary\n');
  } finally {
    await canary.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

for (const driver of ['kernel', 'proxy'] as const) {
  test(`a port published on 127.0.0.1 still answers from the host (${driver} port driver)`, async () => {
    const port = await freePort();
    // The port driver is the engine's: a second engine on the same root for the proxy.
    const use = driver === 'kernel' ? engine : await Engine.open({ portDriver: 'proxy' });
    try {
      const web = await use.create({ image: 'busybox', cmd: HTTPD, ports: [{ protocol: 'tcp', containerPort: 80, hostIp: '127.0.0.1', hostPort: port }] });
      try {
        const running = await use.start(web.id);
        assert.is(running.network?.portDriver, driver);
        assert.is(await getWithRetry(`http://127.0.0.1:${port}/`), 'hello from inside\n');
      } finally {
        await use.remove(web.id, { force: true });
      }
    } finally {
      if (use !== engine) await use.shutdown();
    }
  });
}

test.run();
