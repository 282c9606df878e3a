// One container's network, set up before it starts and taken down when it
// stops: a named network namespace with a veth on the bridge, an address,
// a default route, /etc files, and its published ports (kernel DNAT rules in
// a chain of its own, or userland proxies).  Every step is undone if a later
// one fails, and detach works from whatever part was made.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, conflict } from '../errors.js';
import { NATIVE_BUILD } from '../sys.js';
import type { NetworkChoice } from '../runtime/oci-spec.js';
import { proxyArgv } from '../runtime/protocol.js';
import { ip, ipBatch, iptablesRestore, iptablesSave } from './commands.js';
import { addressAt, hostCount } from './cidr.js';
import { ensureBridge, teardownBridgeIfUnused, type SubnetChoice } from './bridge.js';
import { containerChain, hostVethName, macFor, netnsName, networkNames, type NetworkNames } from './names.js';
import { loadNetworkState, saveNetworkState, type NetworkState } from './state.js';
import { writeEtcFiles, type EtcFiles } from './etc-files.js';
import { resolveBindings } from './port-allocator.js';
import type { PortBinding } from './port-spec.js';

export const PROXY_BIN = path.join(NATIVE_BUILD, 'berth-proxy');

export type PortDriver = 'kernel' | 'proxy';

export interface NetworkSettings {
  /** bridge, none, host, or container:<id> */
  readonly mode: string;
  readonly bridge?: string;
  readonly ipAddress?: string;
  readonly gateway?: string;
  readonly prefixLength?: number;
  /** the network namespace the container joins (bridge: /run/netns/...; container: the other's) */
  readonly sandboxKey?: string;
  /** published ports, host side resolved */
  readonly ports: PortBinding[];
  readonly portDriver: PortDriver;
  readonly proxyPids: number[];
  readonly etc?: EtcFiles;
}

export interface NetworkRequest {
  readonly id: string;
  readonly name: string;
  readonly hostname: string;
  /** the container's state dir, for its /etc files */
  readonly dir: string;
  readonly mode: string;
  readonly ports: readonly PortBinding[];
  readonly portDriver: PortDriver;
  /** host ports other running containers publish, "tcp/8080" */
  readonly takenPorts: ReadonlySet<string>;
  /** for container:<id> mode: the other container's settings and pid */
  readonly peer?: { readonly id: string; readonly pid: number; readonly settings?: NetworkSettings };
}

export interface Attached {
  readonly settings: NetworkSettings;
  /** for the OCI spec */
  readonly network: NetworkChoice;
  readonly mounts: Array<{ source: string; destination: string; readonly: boolean }>;
}

const NETNS_DIR = '/run/netns';

function etcMounts(etc: EtcFiles) {
  return [
    { source: etc.hosts, destination: '/etc/hosts', readonly: false },
    { source: etc.resolvConf, destination: '/etc/resolv.conf', readonly: false },
    { source: etc.hostname, destination: '/etc/hostname', readonly: false },
  ];
}

function allocateAddress(state: NetworkState, id: string): string {
  const size = hostCount(state.subnet);
  for (let n = 2; n <= size; n++) {
    const address = addressAt(state.subnet, n);
    if (!state.addresses[address]) {
      state.addresses[address] = id;
      return address;
    }
  }
  throw conflict(`no free address left in ${state.subnet}: remove stopped containers or choose a larger subnet with BERTH_SUBNET`);
}

/** Sets up the container's network. Holding the lock. */
/** The engine's bridge settings (its Settings has them): the bridge every name derives from, and its subnet's choice. */
export interface BridgeSettings extends SubnetChoice {
  readonly bridge: string;
}

export async function attachNetwork(root: string, net: BridgeSettings, request: NetworkRequest): Promise<Attached> {
  const mode = request.mode;
  if (mode === 'host') {
    const etc = writeEtcFiles(request.dir, { hostname: request.hostname, name: request.name });
    // The host's own names and resolvers, as Docker copies them for --net host.
    fs.copyFileSync('/etc/hosts', etc.hosts);
    if (request.ports.length) throw new BerthError('invalid', 'published ports are discarded when using host network mode: the container already uses the host\'s ports');
    return { settings: { mode, ports: [], portDriver: request.portDriver, proxyPids: [], etc }, network: 'host', mounts: etcMounts(etc) };
  }
  if (mode === 'none') {
    if (request.ports.length) throw new BerthError('invalid', 'a container with --net none has no network to publish ports on: use the default bridge network');
    const etc = writeEtcFiles(request.dir, { hostname: request.hostname, name: request.name });
    return { settings: { mode, ports: [], portDriver: request.portDriver, proxyPids: [], etc }, network: 'none', mounts: etcMounts(etc) };
  }
  if (mode.startsWith('container:')) {
    const peer = request.peer;
    if (!peer) throw new BerthError('conflict', `cannot join the network of ${mode.slice(10)}: it is not running`);
    if (request.ports.length) throw new BerthError('invalid', 'conflicting options: port publishing and the container type network mode');
    const netnsPath = peer.settings?.sandboxKey ?? `/proc/${peer.pid}/ns/net`;
    const etc = peer.settings?.etc;
    return {
      settings: { mode: `container:${peer.id}`, ports: [], portDriver: request.portDriver, proxyPids: [], sandboxKey: netnsPath, etc },
      network: { netnsPath },
      mounts: etc ? etcMounts(etc) : [],
    };
  }
  if (mode !== 'bridge') throw new BerthError('invalid', `unknown network mode "${mode}": use bridge, none, host or container:<name|id>`);
  return attachBridge(root, net, request);
}

async function attachBridge(root: string, net: BridgeSettings, request: NetworkRequest): Promise<Attached> {
  const names = networkNames(net.bridge);
  const state = await ensureBridge(root, names, net);
  const address = allocateAddress(state, request.id);
  saveNetworkState(root, names.bridge, state);
  const netns = netnsName(names, request.id);
  const settings: NetworkSettings = {
    mode: 'bridge',
    bridge: names.bridge,
    ipAddress: address,
    gateway: state.gateway,
    prefixLength: state.prefixLength,
    sandboxKey: path.join(NETNS_DIR, netns),
    ports: [],
    portDriver: request.portDriver,
    proxyPids: [],
  };
  try {
    // One ip process for the whole plumbing: the namespace, the veth pair on
    // the bridge, and (through netns exec) the inside of the namespace.
    const veth = hostVethName(request.id);
    const inside = path.join(request.dir, 'network.batch');
    fs.writeFileSync(inside, [
      `addr add ${address}/${state.prefixLength} dev eth0`,
      'link set eth0 up',
      'link set lo up',
      `route add default via ${state.gateway}`,
    ].join('\n') + '\n');
    await ipBatch([
      `netns add ${netns}`,
      `link add ${veth} type veth peer name eth0 address ${macFor(address)} netns ${netns}`,
      `link set ${veth} master ${names.bridge} up`,
      `netns exec ${netns} ip -batch ${inside}`,
    ]);
    const ports = await resolveBindings(request.ports, request.takenPorts);
    const published = { ...settings, ports };
    const proxyPids = request.portDriver === 'proxy' ? await startProxies(ports, address) : (await addPortRules(names, request.id, ports, address), []);
    const etc = writeEtcFiles(request.dir, { hostname: request.hostname, name: request.name, address });
    const done: NetworkSettings = { ...published, proxyPids, etc };
    return { settings: done, network: { netnsPath: done.sandboxKey! }, mounts: etcMounts(etc) };
  } catch (error) {
    await detachNetwork(root, net, request.id, { ...settings, ports: undefined }).catch(() => undefined);
    throw error;
  }
}

async function addPortRules(names: NetworkNames, id: string, ports: readonly PortBinding[], address: string): Promise<void> {
  if (ports.length === 0) return;
  const chain = containerChain(names, id);
  const lines = [`:${chain} - [0:0]`, `-A ${names.dnatChain} -j ${chain}`];
  for (const p of ports) {
    const destination = p.hostIp && p.hostIp !== '0.0.0.0' ? ` -d ${p.hostIp}` : '';
    lines.push(`-A ${chain} -p ${p.protocol}${destination} --dport ${p.hostPort} -j DNAT --to-destination ${address}:${p.containerPort}`);
  }
  await iptablesRestore(`*nat\n${lines.join('\n')}\nCOMMIT\n`);
}

async function startProxies(ports: readonly PortBinding[], address: string): Promise<number[]> {
  const pids: number[] = [];
  try {
    for (const p of ports) {
      const child = spawn(PROXY_BIN, proxyArgv({ proto: p.protocol, hostIp: p.hostIp || '0.0.0.0', hostPort: p.hostPort, containerIp: address, containerPort: p.containerPort, readyFd: 3 }), {
        detached: true,
        stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
      });
      const line = await new Promise<string>((resolve) => {
        let text = '';
        child.stdio[3]!.on('data', (d: Buffer) => (text += d));
        child.stdio[3]!.on('close', () => resolve(text));
        child.on('error', (error) => resolve(`error ${error.message}`));
      });
      child.unref();
      if (!line.startsWith('ok')) throw new BerthError('conflict', `userland proxy for ${p.hostIp || '0.0.0.0'}:${p.hostPort}: ${line.replace(/^error /, '').trim()}`);
      pids.push(child.pid!);
    }
    return pids;
  } catch (error) {
    stopProxies(pids);
    throw error;
  }
}

function stopProxies(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('berth-proxy')) process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/** Undoes attachNetwork from whatever part of it was made. Holding the lock. Idempotent. */
export async function detachNetwork(root: string, net: BridgeSettings, id: string, settings: (Pick<NetworkSettings, 'mode' | 'proxyPids'> & { ports?: readonly PortBinding[] }) | undefined): Promise<void> {
  if (!settings || settings.mode !== 'bridge') return;
  const names = networkNames(net.bridge);
  stopProxies(settings.proxyPids);
  const chain = containerChain(names, id);
  // Only a container that published ports has a chain (reconcile passes ports undefined: look).
  if ((settings.ports === undefined || settings.ports.length > 0) && (await iptablesSave('nat')).includes(`:${chain} `)) {
    await iptablesRestore(`*nat\n-D ${names.dnatChain} -j ${chain}\n-F ${chain}\n-X ${chain}\nCOMMIT\n`);
  }
  const netns = netnsName(names, id);
  if (fs.existsSync(path.join(NETNS_DIR, netns))) await ip('netns', 'del', netns); // takes the veth pair with it
  const state = loadNetworkState(root, names.bridge);
  if (state) {
    for (const [address, owner] of Object.entries(state.addresses)) if (owner === id) delete state.addresses[address];
    saveNetworkState(root, names.bridge, state);
  }
  await teardownBridgeIfUnused(root, names);
}

/** After a crash: addresses, namespaces and chains of containers that are not running. Holding the lock. */
export async function reconcileNetwork(root: string, net: BridgeSettings, running: ReadonlySet<string>): Promise<void> {
  const names = networkNames(net.bridge);
  const state = loadNetworkState(root, names.bridge);
  const owners = new Set(Object.values(state?.addresses ?? {}));
  let netnsNames: string[] = [];
  try {
    netnsNames = fs.readdirSync(NETNS_DIR).filter((n) => n.startsWith(`${names.bridge}-`));
  } catch {
    netnsNames = [];
  }
  const stale = new Set<string>();
  for (const id of owners) if (!running.has(id)) stale.add(id);
  for (const ns of netnsNames) {
    const short = ns.slice(names.bridge.length + 1);
    if (![...running].some((id) => id.startsWith(short))) stale.add(short);
  }
  for (const id of stale) await detachNetwork(root, net, id, { mode: 'bridge', proxyPids: [] });
  if (state && owners.size === 0 && netnsNames.length === 0) await teardownBridgeIfUnused(root, names);
}
