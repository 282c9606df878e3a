// The bridge network with real containers: published ports from the host
// (127.0.0.1 and another host address) and from a second container, egress,
// -P, the other network modes, port conflicts, twenty parallel runs, and
// nothing left in the kernel after the containers are removed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as assert from 'uvu/assert';
import type { Engine } from '../../../src/engine/engine.js';
import { engineSuite } from '../../_engine.js';
import { macFor } from '../../../src/engine/network/names.js';
import { rejects } from '../../_helpers.js';
import { freePort } from '../../../src/engine/network/free-port.js';
import { get, getWithRetry } from '../../_http.js';

// "Another host address" that is the test's own: added to lo for the test and
// removed after (this kernel has no dummy interfaces), so traffic never leaves.
const DUMMY_ADDRESS = '10.213.77.1';

const { test, engine: opened } = engineSuite('bridge network');
let engine: Engine;
test.before(() => {
  engine = opened();
  execFileSync('ip', ['addr', 'add', `${DUMMY_ADDRESS}/32`, 'dev', 'lo']);
});
test.after(() => {
  execFileSync('ip', ['addr', 'del', `${DUMMY_ADDRESS}/32`, 'dev', 'lo']);
});

const HTTPD = ['sh', '-c', 'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 80 -h /www'];

test('httpd answers through two published ports, on 127.0.0.1, another host address, and from a second container', async () => {
  const [a, b] = [await freePort(), await freePort()];
  const web = await engine.create({ image: 'busybox', cmd: HTTPD, name: 'web', hostname: 'webhost', ports: [
    { protocol: 'tcp', containerPort: 80, hostIp: '', hostPort: a },
    { protocol: 'tcp', containerPort: 80, hostIp: '', hostPort: b },
  ] });
  const running = await engine.start(web.id);
  assert.match(running.network?.ipAddress ?? '', /^\d+\.\d+\.\d+\.\d+$/);
  assert.is(await getWithRetry(`http://127.0.0.1:${a}/`), 'hello from webhost\n');
  assert.is(await get(`http://127.0.0.1:${b}/`), 'hello from webhost\n');
  assert.is(await get(`http://${DUMMY_ADDRESS}:${a}/`), 'hello from webhost\n');
  const fromPeer = await engine.run({ image: 'busybox', cmd: ['sh', '-c', `timeout 5 wget -qO- http://${running.network!.gateway}:${a}/ && timeout 5 wget -qO- http://${running.network!.ipAddress}/`], autoRemove: true });
  assert.is(fromPeer.stdout, 'hello from webhost\nhello from webhost\n', fromPeer.stderr);
  await engine.remove(web.id, { force: true });
});

test('egress: a container reaches a server the test starts on the host', async () => {
  const gateway = await engine.run({ image: 'busybox', cmd: ['sh', '-c', "ip route | awk '/default/ {print $3}'"], autoRemove: true });
  const address = gateway.stdout.trim();
  const server = http.createServer((_req, res) => res.end('host says hi\n'));
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  const port = (server.address() as AddressInfo).port;
  // The bridge exists only while a container is attached: keep one up for the duration.
  const holder = await engine.create({ image: 'busybox', cmd: ['sleep', '60'] });
  await engine.start(holder.id);
  try {
    const result = await engine.run({ image: 'busybox', cmd: ['sh', '-c', `timeout 5 wget -qO- http://${address}:${port}/`], autoRemove: true });
    assert.is(result.stdout, 'host says hi\n', result.stderr);
  } finally {
    server.close();
    await engine.remove(holder.id, { force: true });
  }
});

test('-P publishes every EXPOSEd port on a chosen host port; port lists it', async () => {
  await engine.importImage(engine.exportContainer ? await engine.exportContainer((await engine.create({ image: 'busybox', cmd: ['true'], name: 'base' })).id) : (undefined as never), {
    ref: 'exposing:v1',
    changes: ['EXPOSE 80/tcp', `CMD ${JSON.stringify(HTTPD)}`],
  });
  await engine.remove('base');
  const c = await engine.create({ image: 'exposing:v1', publishAll: true });
  const running = await engine.start(c.id);
  const published = running.network!.ports;
  assert.is(published.length, 1);
  assert.is(published[0]!.containerPort, 80);
  assert.ok(published[0]!.hostPort >= 32768, `a chosen port: ${published[0]!.hostPort}`);
  assert.match(await getWithRetry(`http://127.0.0.1:${published[0]!.hostPort}/`), /^hello from /);
  await engine.remove(c.id, { force: true });
  await engine.removeImage('exposing:v1');
});

test('--net host sees the host interfaces; none only lo; container: shares another\'s network', async () => {
  const host = await engine.run({ image: 'busybox', cmd: ['ip', '-4', 'addr', 'show', 'lo'], network: 'host', autoRemove: true });
  assert.match(host.stdout, new RegExp(DUMMY_ADDRESS.replace(/\./g, '\\.')), 'the host\'s own addresses');
  const none = await engine.run({ image: 'busybox', cmd: ['ls', '/sys/class/net'], network: 'none', autoRemove: true });
  assert.is(none.stdout, 'lo\n');
  const web = await engine.create({ image: 'busybox', cmd: HTTPD, hostname: 'shared' });
  const running = await engine.start(web.id);
  const joined = await engine.run({ image: 'busybox', cmd: ['sh', '-c', 'ip -4 addr show eth0 | grep -o "inet [0-9.]*"; timeout 5 wget -qO- http://127.0.0.1/'], network: `container:${web.id}`, autoRemove: true });
  assert.is(joined.stdout, `inet ${running.network!.ipAddress}\nhello from shared\n`, joined.stderr);
  await engine.remove(web.id, { force: true });
});

test('a host port in use: a clear error before the container starts, and nothing left behind', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '0.0.0.0', r));
  const port = (blocker.address() as AddressInfo).port;
  try {
    const c = await engine.create({ image: 'busybox', cmd: ['sleep', '60'], ports: [{ protocol: 'tcp', containerPort: 80, hostIp: '', hostPort: port }] });
    await rejects(engine.start(c.id), new RegExp(`Bind for 0.0.0.0:${port} failed: port is already allocated`));
    assert.is((await engine.inspect(c.id)).state.status, 'created');
    assert.not.ok(fs.existsSync(`/sys/class/net/${process.env.BERTH_BRIDGE}`), 'the bridge made for it was taken down again');
    const other = await freePort();
    const first = await engine.create({ image: 'busybox', cmd: ['sleep', '60'], ports: [{ protocol: 'tcp', containerPort: 80, hostIp: '', hostPort: other }] });
    await engine.start(first.id);
    const second = await engine.create({ image: 'busybox', cmd: ['sleep', '60'], ports: [{ protocol: 'tcp', containerPort: 80, hostIp: '', hostPort: other }] });
    await rejects(engine.start(second.id), /port is already allocated/);
    for (const id of [c.id, first.id, second.id]) await engine.remove(id, { force: true });
  } finally {
    blocker.close();
  }
});

test('twenty parallel runs get twenty distinct addresses', async () => {
  const created = await Promise.all(Array.from({ length: 20 }, (_, i) => engine.create({ image: 'busybox', cmd: ['sleep', '60'], name: `p${i}` })));
  const started = await Promise.all(created.map((c) => engine.start(c.id)));
  const addresses = new Set(started.map((c) => c.network!.ipAddress));
  assert.is(addresses.size, 20);
  // Twenty veths with random MACs joined: the bridge kept the one it was given, so no container's cached gateway went stale.
  const bridge = process.env.BERTH_BRIDGE!;
  assert.is(fs.readFileSync(`/sys/class/net/${bridge}/address`, 'utf8').trim(), macFor(started[0]!.network!.gateway!));
  await Promise.all(created.map((c) => engine.remove(c.id, { force: true })));
});

test('after the containers are removed: nothing in ip link, ip addr, the NAT tables or /proc/mounts', async () => {
  const bridge = process.env.BERTH_BRIDGE!;
  const c = await engine.create({ image: 'busybox', cmd: ['sleep', '60'], ports: [{ protocol: 'tcp', containerPort: 80, hostIp: '', hostPort: await freePort() }] });
  await engine.start(c.id);
  assert.match(execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }), new RegExp(bridge.toUpperCase()));
  await engine.remove(c.id, { force: true });
  assert.not.match(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }), new RegExp(`${bridge}|berth${c.id.slice(0, 10)}`));
  assert.not.match(execFileSync('ip', ['-o', 'addr'], { encoding: 'utf8' }), new RegExp(bridge));
  assert.not.match(execFileSync('iptables-save', { encoding: 'utf8' }), new RegExp(bridge.toUpperCase()));
  assert.not.match(fs.readFileSync('/proc/mounts', 'utf8'), new RegExp(`netns/${bridge}-`));
});

test.run();
