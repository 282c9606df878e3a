// Real sockets, on 127.0.0.1 only: a port is occupied by a server this test
// opens, and every server is closed before the suite ends.
import dgram from 'node:dgram';
import net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rejects } from '../../_helpers.js';
import { BerthError } from '../../../src/engine/errors.js';
import { choosePort, hostAddress, isPortFree, resolveBindings } from '../../../src/engine/network/port-allocator.js';
import type { PortBinding } from '../../../src/engine/network/port-spec.js';

const test = suite('network/port-allocator');
const LOCAL = '127.0.0.1';
const open: Array<() => Promise<void>> = [];

/** A TCP server on 127.0.0.1 (on `port`, or any free one); closed in `after`. */
function occupyTcp(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: LOCAL, port }, () => {
      open.push(() => new Promise((done) => server.close(() => done())));
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** A UDP socket on 127.0.0.1 (on `port`, or any free one); closed in `after`. */
function occupyUdp(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, LOCAL, () => {
      open.push(() => new Promise((done) => socket.close(() => done())));
      resolve(socket.address().port);
    });
  });
}

/** A range of `length` consecutive ports that are all free on 127.0.0.1 right now. */
async function freeRun(length: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = 40000 + Math.floor(Math.random() * 20000);
    let ok = true;
    for (let p = start; p < start + length && ok; p++) ok = (await isPortFree(LOCAL, p, 'tcp')) && (await isPortFree(LOCAL, p, 'udp'));
    if (ok) return start;
  }
  throw new Error(`no run of ${length} free ports found`);
}

const bind = (hostPort: number, containerPort = 80, extra: Partial<PortBinding> = {}): PortBinding => ({ protocol: 'tcp', containerPort, hostIp: LOCAL, hostPort, ...extra });

test.after.each(async () => {
  while (open.length > 0) await open.pop()!();
});

test('isPortFree: a port held by a TCP server is not free; once closed it is', async () => {
  const port = await occupyTcp();
  assert.is(await isPortFree(LOCAL, port, 'tcp'), false);
  assert.is(await isPortFree(LOCAL, port, 'udp'), true, 'tcp and udp ports are separate');
  await open.pop()!();
  assert.is(await isPortFree(LOCAL, port, 'tcp'), true);
  assert.is(await isPortFree(LOCAL, port, 'tcp'), true, 'the check itself leaves nothing bound');
});

test('isPortFree: udp', async () => {
  const port = await occupyUdp();
  assert.is(await isPortFree(LOCAL, port, 'udp'), false);
  assert.is(await isPortFree(LOCAL, port, 'tcp'), true);
});

test('isPortFree: an address that is not the host\'s is an error, not "busy"', async () => {
  const error = await rejects(isPortFree('192.0.2.123', 45678, 'tcp'), /cannot publish on 192\.0\.2\.123:45678: 192\.0\.2\.123 is not an address of this host/);
  assert.is((error as BerthError).kind, 'invalid');
});

test('choosePort: 20 ports are distinct, in the range, and free', async () => {
  const taken = new Set<number>();
  for (let i = 0; i < 20; i++) {
    const port = await choosePort(LOCAL, 'tcp', taken);
    assert.ok(port >= 32768 && port <= 60999, `${port} in the dynamic range`);
    assert.not.ok(taken.has(port), `${port} chosen twice`);
    assert.ok(await isPortFree(LOCAL, port, 'tcp'));
    taken.add(port);
  }
  assert.is(taken.size, 20);
});

test('choosePort skips taken ports ("tcp/8080" or 8080) and busy ones', async () => {
  const start = await freeRun(3);
  await occupyTcp(start + 1);
  for (let i = 0; i < 10; i++) {
    assert.is(await choosePort(LOCAL, 'tcp', new Set([start]), [start, start + 2]), start + 2);
    assert.is(await choosePort(LOCAL, 'tcp', new Set([`tcp/${start}`]), [start, start + 2]), start + 2);
  }
  assert.ok(await choosePort(LOCAL, 'udp', new Set([`tcp/${start}`, start + 2]), [start, start + 2]) !== start + 2);
});

test('choosePort gives up with a clear error once the range is exhausted', async () => {
  const port = await occupyTcp();
  const error = await rejects(choosePort(LOCAL, 'tcp', new Set(), [port, port]), new RegExp(`no free tcp port on 127\\.0\\.0\\.1 between ${port} and ${port}: every one is in use`));
  assert.is((error as BerthError).kind, 'conflict');
  await rejects(choosePort(LOCAL, 'tcp', new Set(), [10, 5]), /invalid port range 10-5/);
  await rejects(choosePort(LOCAL, 'tcp', new Set(), [0, 5]), /invalid port range 0-5/);
});

test('resolveBindings: a requested port in use is refused with Docker\'s message', async () => {
  const port = await occupyTcp();
  const error = await rejects(resolveBindings([bind(port)], new Set()), new RegExp(`^Bind for 127\\.0\\.0\\.1:${port} failed: port is already allocated$`));
  assert.is((error as BerthError).kind, 'conflict');
  assert.equal(await resolveBindings([bind(port, 80, { protocol: 'udp' })], new Set()), [bind(port, 80, { protocol: 'udp' })]);
});

test('resolveBindings: a port another container holds, or asked twice, is refused', async () => {
  const start = await freeRun(2);
  await rejects(resolveBindings([bind(start)], new Set([`tcp/${start}`])), /^Bind for 127\.0\.0\.1:\d+ failed: port is already allocated$/);
  await rejects(resolveBindings([bind(start)], new Set([start])), /port is already allocated/);
  assert.equal(await resolveBindings([bind(start)], new Set([`udp/${start}`])), [bind(start)]);
  await rejects(resolveBindings([bind(start, 80), bind(start, 81)], new Set()), /Bind for 127\.0\.0\.1:\d+ failed: port is already allocated/);
  // The wildcard overlaps 127.0.0.1 (refused before any socket is bound on 0.0.0.0).
  await rejects(resolveBindings([bind(start, 81), bind(start, 80, { hostIp: '' })], new Set()), /^Bind for 0\.0\.0\.0:\d+ failed: port is already allocated$/);
  const both = [bind(start, 53), bind(start, 53, { protocol: 'udp' })];
  assert.equal(await resolveBindings(both, new Set()), both, 'the same port for tcp and udp is fine');
});

test('resolveBindings: 0 becomes a free port, a range its first free port; order is kept', async () => {
  const start = await freeRun(4);
  await occupyTcp(start);
  const input: PortBinding[] = [
    bind(0, 80),
    bind(start + 1, 81, { hostPortEnd: start + 3 }),
    bind(start + 2, 82),
    bind(0, 53, { protocol: 'udp' }),
  ];
  const out = await resolveBindings(input, new Set());
  assert.is(out.length, 4);
  assert.equal(out.map((b) => b.containerPort), [80, 81, 82, 53]);
  assert.ok(out.every((b) => !('hostPortEnd' in b)));
  assert.is(out[1]!.hostPort, start + 1);
  assert.is(out[2]!.hostPort, start + 2);
  assert.ok(out[0]!.hostPort >= 32768 && out[0]!.hostPort <= 60999);
  assert.is(new Set(out.map((b) => b.hostPort)).size, 4, 'every chosen port differs');
  assert.is(out[3]!.protocol, 'udp');
});

test('resolveBindings: a range skips busy ports and requested ones, and fails when all are taken', async () => {
  const start = await freeRun(3);
  await occupyTcp(start);
  const out = await resolveBindings([bind(start, 80, { hostPortEnd: start + 2 }), bind(start + 1, 81)], new Set());
  assert.equal(out.map((b) => b.hostPort), [start + 2, start + 1]);
  await rejects(resolveBindings([bind(start, 80, { hostPortEnd: start + 2 })], new Set([start + 1, start + 2])),
    new RegExp(`^Bind for 127\\.0\\.0\\.1:${start}-${start + 2} failed: port is already allocated$`));
});

test('hostAddress prints addresses as Docker does', () => {
  assert.is(hostAddress('', 8080), '0.0.0.0:8080');
  assert.is(hostAddress('127.0.0.1', 8080), '127.0.0.1:8080');
  assert.is(hostAddress('::', 8080), '[::]:8080');
  assert.is(hostAddress('::1', '8000-8002'), '[::1]:8000-8002');
});

test.run();
