// network: bulk TCP throughput and 1-byte request/response latency (like
// nuttcp and netperf TCP_RR), the client always native, the server natively
// on loopback, in a container with --net host, in a bridged container reached
// at its address, and through a published port on 127.0.0.1 by kernel NAT
// and by the userland proxy.  Traffic stays on loopback and the bench's bridge.
import net from 'node:net';
import { PAPER, SEED } from '../claims.js';
import { figureOf, IN_IMAGE, NATIVE, type BenchContext, type Metrics, type RepeatedVariant } from '../context.js';
import type { Engine, ContainerRecord } from '../../engine/index.js';

const SERVER_PORT = 5001;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

interface Target {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

export async function networkSuite(ctx: BenchContext): Promise<void> {
  const [mib, streamSeconds, transactions, rrSeconds, rounds] = ctx.quick ? [256, 0.3, 2000, 0.3, 2] : [4096, 2, 50_000, 2, 5];
  const connections = String((rounds + 1) * 2 + 4);
  const timeout = ctx.quick ? '120' : '900';
  const kernel = await ctx.engine('overlay', 'kernel');
  const proxy = await ctx.engine('overlay', 'proxy');
  const targets: Target[] = [];
  const containers: Array<[Engine, string]> = [];
  ctx.onCleanup(async () => {
    for (const [engine, id] of containers) await engine.remove(id, { force: true }).catch(() => undefined);
  });
  const server = async (engine: Engine, options: Parameters<Engine['create']>[0]): Promise<ContainerRecord> => {
    const created = await engine.create(options);
    containers.push([engine, created.id]);
    return engine.start(created.id);
  };

  const nativePort = await freePort();
  const nativeServer = ctx.background(NATIVE('tcp'), ['server', String(nativePort), connections, timeout]);
  ctx.onCleanup(() => nativeServer.stop());
  targets.push({ name: 'native loopback', host: '127.0.0.1', port: nativePort });

  ctx.progress('network', 'starting the servers');
  const hostPort = await freePort();
  await server(kernel, { image: 'berth-bench:latest', cmd: [IN_IMAGE('tcp'), 'server', String(hostPort), connections, timeout], network: 'host' });
  targets.push({ name: '--net host', host: '127.0.0.1', port: hostPort });

  const bridged = await server(kernel, { image: 'berth-bench:latest', cmd: [IN_IMAGE('tcp'), 'server', String(SERVER_PORT), connections, timeout], network: 'bridge' });
  if (!bridged.network?.ipAddress) throw new Error('the bridged server container has no address');
  targets.push({ name: 'bridge, container address', host: bridged.network.ipAddress, port: SERVER_PORT });

  const published = { protocol: 'tcp' as const, containerPort: SERVER_PORT, hostIp: '127.0.0.1', hostPort: 0 };
  const nat = await server(kernel, { image: 'berth-bench:latest', cmd: [IN_IMAGE('tcp'), 'server', String(SERVER_PORT), connections, timeout], network: 'bridge', ports: [published] });
  targets.push({ name: '-p via kernel NAT', host: '127.0.0.1', port: nat.network!.ports[0]!.hostPort });

  const proxied = await server(proxy, { image: 'berth-bench:latest', cmd: [IN_IMAGE('tcp'), 'server', String(SERVER_PORT), connections, timeout], network: 'bridge', ports: [published] });
  targets.push({ name: '-p via userland proxy', host: '127.0.0.1', port: proxied.network!.ports[0]!.hostPort });

  const variants: RepeatedVariant[] = targets.map((t) => ({
    name: t.name,
    run: async (): Promise<Metrics> => ({
      ...(await ctx.native('tcp', ['stream', t.host, t.port, mib, streamSeconds], 60_000)),
      ...(await ctx.native('tcp', ['rr', t.host, t.port, transactions, rrSeconds], 60_000)),
    }),
  }));
  const values = await ctx.repeat('network', variants, rounds);
  const paper: Record<string, [string, string]> = {
    '--net host': [PAPER.nuttcp, PAPER.netperfHost],
    'bridge, container address': [PAPER.nuttcp, PAPER.netperfNat],
    '-p via kernel NAT': [PAPER.nuttcpNat, PAPER.netperfNat],
    '-p via userland proxy': [PAPER.proxy, PAPER.proxy],
  };
  const short: Record<string, string> = { '--net host': 'net host', 'bridge, container address': 'bridge', '-p via kernel NAT': '-p NAT', '-p via userland proxy': '-p proxy' };
  const nativeStream = { label: 'native loopback', ...figureOf(values, 'native loopback', 'gbps', 'Gbit/s') };
  const nativeRr = { label: 'native loopback', ...figureOf(values, 'native loopback', 'mean_us', 'µs') };
  for (const t of targets.slice(1)) {
    ctx.compare({
      suite: 'network', id: `network.stream.${short[t.name]!.replace(/ /g, '-')}`, title: `TCP stream Gbit/s ${short[t.name]}`, better: 'higher',
      native: nativeStream, container: { label: t.name, ...figureOf(values, t.name, 'gbps', 'Gbit/s') },
      expected: 1, seedClaim: SEED.network, paperFinding: paper[t.name]![0],
    });
  }
  for (const t of targets.slice(1)) {
    ctx.compare({
      suite: 'network', id: `network.rr.${short[t.name]!.replace(/ /g, '-')}`, title: `TCP_RR latency µs ${short[t.name]}`, better: 'lower',
      native: nativeRr, container: { label: t.name, ...figureOf(values, t.name, 'mean_us', 'µs') },
      expected: 1, seedClaim: SEED.network, paperFinding: paper[t.name]![1],
    });
  }
  for (const [engine, id] of containers.splice(0)) await engine.remove(id, { force: true });
  await nativeServer.stop();
}
