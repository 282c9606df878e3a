// berth-proxy (native/proxy): the userland port proxy for -p, as Docker's
// docker-proxy.  Real sockets on loopback only: a Node echo server behind the
// proxy, clients in front of it.  Every wait is bounded in time.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NATIVE_BUILD } from '../../../src/engine/sys.js';

const PROXY = path.join(NATIVE_BUILD, 'berth-proxy');
const HOST = '127.0.0.1';

/** Rejects after `ms` with `what` in the message. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface Proxy { child: ChildProcess; ready: string; exited: Promise<number | null> }
const proxies: Proxy[] = [];
const closers: Array<() => Promise<void> | void> = [];

/** Starts berth-proxy with fd 3 as its ready pipe and reads the one line. */
async function startProxy(args: string[]): Promise<Proxy> {
  const child = spawn(PROXY, [...args, '--ready-fd', '3'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const p: Proxy = { child, ready: '', exited };
  proxies.push(p);
  const fd3 = child.stdio[3] as NodeJS.ReadableStream;
  p.ready = await within(new Promise<string>((resolve) => {
    let text = '';
    fd3.on('data', (d: Buffer) => { text += d.toString(); });
    fd3.on('end', () => resolve(text));
  }), 5000, 'ready line');
  return p;
}

function tcpArgs(hostPort: number, containerPort: number): string[] {
  return ['--proto', 'tcp', '--host-ip', HOST, '--host-port', String(hostPort), '--container-ip', HOST, '--container-port', String(containerPort)];
}

/** A UDP port nothing is bound to right now (the kernel's pick, released again). */
async function freeUdpPort(): Promise<number> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, HOST, resolve));
  const port = sock.address().port;
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return port;
}

/** A TCP port nothing listens on right now (the kernel's pick, released again). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Echoes every byte; when the client ends its side, sends "|bye" and ends. */
async function tcpEcho(): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end('|bye'));
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  closers.push(() => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }));
  return (server.address() as net.AddressInfo).port;
}

/** Connects, sends `data`, ends its side, and returns everything received until the end. */
function exchange(port: number, data: Buffer | string, ms = 10_000): Promise<Buffer> {
  return within(new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ port, host: HOST, allowHalfOpen: true }, () => s.end(data));
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => { s.destroy(); resolve(Buffer.concat(chunks)); });
    s.on('error', reject);
  }), ms, `exchange on port ${port}`);
}

async function stopAll(): Promise<void> {
  for (const p of proxies.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await within(p.exited, 5000, 'proxy exit');
  }
  for (const close of closers.splice(0)) await close();
}

const tcp = suite('berth-proxy: tcp');
tcp.after.each(stopAll);

tcp('binds, says ok on the ready fd, and a round trip reaches the server and comes back', async () => {
  const backend = await tcpEcho();
  const port = await freePort();
  const p = await startProxy(tcpArgs(port, backend));
  assert.is(p.ready, 'ok\n');
  assert.is((await exchange(port, 'ping')).toString(), 'ping|bye');
});

tcp('50 concurrent connections each send 100 KB and read it back identical', async () => {
  const backend = await tcpEcho();
  const port = await freePort();
  await startProxy(tcpArgs(port, backend));
  const payloads = Array.from({ length: 50 }, () => crypto.randomBytes(100 * 1024));
  const replies = await within(Promise.all(payloads.map((data) => exchange(port, data, 20_000))), 25_000, '50 connections');
  replies.forEach((reply, i) => {
    assert.is(reply.length, payloads[i].length + 4, `connection ${i} length`);
    assert.ok(reply.subarray(0, payloads[i].length).equals(payloads[i]), `connection ${i} bytes`);
    assert.is(reply.subarray(payloads[i].length).toString(), '|bye');
  });
});

tcp('half-close: the client ends its side and still gets the rest of the reply', async () => {
  const port = await freePort();
  // The server answers only after the client's EOF, and then after a pause.
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    const got: Buffer[] = [];
    s.on('data', (d) => got.push(d));
    s.on('end', () => setTimeout(() => s.end(`got ${Buffer.concat(got).toString()}, after your end`), 200));
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  await startProxy(tcpArgs(port, (server.address() as net.AddressInfo).port));
  assert.is((await exchange(port, 'question')).toString(), 'got question, after your end');
});

tcp('a second proxy on the same port fails with the bind error and exit 1', async () => {
  const backend = await tcpEcho();
  const port = await freePort();
  assert.is((await startProxy(tcpArgs(port, backend))).ready, 'ok\n');
  const second = await startProxy(tcpArgs(port, backend));
  assert.is(second.ready, `error bind \`${HOST}:${port}\`: Address already in use\n`);
  assert.is(await within(second.exited, 5000, 'second proxy exit'), 1);
});

tcp('a container port nobody listens on: the client is closed', async () => {
  const port = await freePort();
  await startProxy(tcpArgs(port, await freePort()));
  const reply = await exchange(port, 'anyone?').catch((e: Error) => e);
  assert.ok(reply instanceof Error ? /ECONNRESET|EPIPE/.test(reply.message) : reply.length === 0, String(reply));
});

tcp('SIGTERM closes the open connections, exits 0 and frees the port', async () => {
  const backend = await tcpEcho();
  const port = await freePort();
  const p = await startProxy(tcpArgs(port, backend));
  const client = net.connect({ port, host: HOST });
  client.on('error', () => {});
  const closed = new Promise<void>((resolve) => client.on('close', () => resolve()));
  await within(new Promise((resolve) => client.once('connect', resolve)), 5000, 'connect');
  client.write('x');
  await within(new Promise((resolve) => client.once('data', resolve)), 5000, 'echo');
  p.child.kill('SIGTERM');
  assert.is(await within(p.exited, 5000, 'proxy exit'), 0);
  await within(closed, 5000, 'client closed');
  const again = net.createServer();
  await within(new Promise<void>((resolve, reject) => { again.once('error', reject); again.listen(port, HOST, resolve); }), 5000, 'bind again');
  await new Promise<void>((resolve) => again.close(() => resolve()));
});

tcp('bad arguments: a usage error on the ready fd and exit 2', async () => {
  const p = await startProxy(['--proto', 'sctp', '--host-ip', HOST, '--host-port', '1', '--container-ip', HOST, '--container-port', '1']);
  assert.match(p.ready, /^error usage: --proto must be tcp or udp/);
  assert.is(await within(p.exited, 5000, 'proxy exit'), 2);
  const q = await startProxy(tcpArgs(0, 1));
  assert.match(q.ready, /^error usage: --host-port must be a number from 1 to 65535/);
  const r = await startProxy(['--proto', 'tcp', '--host-ip', 'localhost', '--host-port', '1', '--container-ip', HOST, '--container-port', '1']);
  assert.match(r.ready, /^error usage: --host-ip must be an IPv4 or IPv6 address, not "localhost"/);
});

tcp.run();

const udp = suite('berth-proxy: udp');
udp.after.each(stopAll);

interface UdpEcho { port: number; sources: number[] }

/** Echoes every datagram and records the source port it came from. */
async function udpEcho(): Promise<UdpEcho> {
  const sock = dgram.createSocket('udp4');
  const echo: UdpEcho = { port: 0, sources: [] };
  sock.on('message', (msg, rinfo) => { echo.sources.push(rinfo.port); sock.send(msg, rinfo.port, rinfo.address); });
  await new Promise<void>((resolve) => sock.bind(0, HOST, resolve));
  closers.push(() => new Promise<void>((resolve) => sock.close(() => resolve())));
  echo.port = sock.address().port;
  return echo;
}

async function udpClient(): Promise<{ ask: (port: number, text: string) => Promise<string> }> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, HOST, resolve));
  closers.push(() => new Promise<void>((resolve) => sock.close(() => resolve())));
  const ask = (port: number, text: string) => within(new Promise<string>((resolve) => {
    sock.once('message', (msg) => resolve(msg.toString()));
    sock.send(text, port, HOST);
  }), 5000, `udp reply to ${text}`);
  return { ask };
}

function udpArgs(hostPort: number, containerPort: number, idle?: number): string[] {
  const args = ['--proto', 'udp', '--host-ip', HOST, '--host-port', String(hostPort), '--container-ip', HOST, '--container-port', String(containerPort)];
  return idle ? [...args, '--udp-idle-timeout', String(idle)] : args;
}

udp('datagrams go to the container and replies come back to the client', async () => {
  const echo = await udpEcho();
  const port = await freeUdpPort();
  assert.is((await startProxy(udpArgs(port, echo.port))).ready, 'ok\n');
  const client = await udpClient();
  assert.is(await client.ask(port, 'ping'), 'ping');
  assert.is(await client.ask(port, 'pong'), 'pong');
  assert.is(new Set(echo.sources).size, 1, 'one client, one flow');
  const other = await udpClient();
  assert.is(await other.ask(port, 'hi'), 'hi');
  assert.is(new Set(echo.sources).size, 2, 'another client, another flow');
});

udp('an idle flow is closed after the timeout: the next datagram comes from a new socket', async () => {
  const echo = await udpEcho();
  const port = await freeUdpPort();
  await startProxy(udpArgs(port, echo.port, 1));
  const client = await udpClient();
  assert.is(await client.ask(port, 'one'), 'one');
  await new Promise((resolve) => setTimeout(resolve, 1600));
  assert.is(await client.ask(port, 'two'), 'two');
  assert.is(echo.sources.length, 2);
  assert.is.not(echo.sources[0], echo.sources[1]);
});

udp('SIGTERM exits 0 and the port can be bound again', async () => {
  const echo = await udpEcho();
  const port = await freeUdpPort();
  const p = await startProxy(udpArgs(port, echo.port));
  const client = await udpClient();
  assert.is(await client.ask(port, 'ping'), 'ping');
  p.child.kill('SIGTERM');
  assert.is(await within(p.exited, 5000, 'proxy exit'), 0);
  const again = dgram.createSocket('udp4');
  await within(new Promise<void>((resolve, reject) => { again.once('error', reject); again.bind(port, HOST, resolve); }), 5000, 'bind again');
  await new Promise<void>((resolve) => again.close(() => resolve()));
});

udp.run();
