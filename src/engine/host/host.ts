// A simulated production host: a second engine with its own state root (its
// own image store, so an image reaches it only through a registry) living in
// its own network namespace, joined to this machine by a veth pair, the way a
// server sits on a LAN.  `berth --host NAME ...` runs a berth command there.
//
//   this machine (developer)                 berth-host-prod (netns)
//   bh-prod 10.87.0.1/30  <── veth ──>  eth0 10.87.0.2/30, lo, default via 10.87.0.1
//                                       its own bridge (bhprod), iptables, containers
//
// The developer reaches production at its address (10.87.0.2); production
// reaches the developer's registry at the developer's side (10.87.0.1) and the
// internet through NAT on this machine (chains BHOST-<NAME>-POST/-FWD).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BerthError, conflict, invalid } from '../errors.js';
import { readJson, writeJsonAtomic } from '../fs-atomic.js';
import { Lock } from '../lock.js';
import { addressAt, chooseSubnet, hostRoutes, parseCidr } from '../network/cidr.js';
import { ip, ipBatch, iptablesRestore, iptablesSave, readSysctl, writeSysctl } from '../network/commands.js';
import { statePaths } from '../paths.js';
import { childEnv, deriveSettings, type Settings } from '../settings.js';

export interface HostRecord {
  readonly name: string;
  /** the named network namespace, /run/netns/<netns> */
  readonly netns: string;
  /** this machine's end of the veth pair */
  readonly veth: string;
  /** the /30 the veth pair lives in */
  readonly linkSubnet: string;
  /** this machine's address on the link: where production finds the developer's registry */
  readonly gatewayAddress: string;
  /** the host's address: where the developer (and the load) reaches production */
  readonly address: string;
  /** the state root of the host's engine */
  readonly root: string;
  /** the bridge of the host's engine (inside its namespace); names its containers' netns too */
  readonly bridge: string;
  /** the subnet of that bridge, chosen to avoid this machine's routes */
  readonly bridgeSubnet: string;
  /** the cgroup parent of the host's containers, below this engine's */
  readonly cgroupParent: string;
  /** sysctls changed on this machine, with the values to put back */
  readonly changedSysctls: Record<string, string>;
  readonly created: string;
}

const NAME = /^[a-z][a-z0-9]{0,8}$/;
const NETNS_DIR = '/run/netns';

/** Link subnets for hosts: /30s, the first whose addresses no route of this machine covers. */
export const LINK_SUBNETS: readonly string[] = [
  ...Array.from({ length: 64 }, (_, i) => `10.87.0.${i * 4}/30`),
  ...Array.from({ length: 64 }, (_, i) => `172.29.0.${i * 4}/30`),
];
/** Bridge subnets for a host's engine, also clear of this machine's routes (so they never shadow them). */
export const HOST_BRIDGE_SUBNETS: readonly string[] = ['10.89.0.0/16', '172.28.0.0/16', '192.168.218.0/24'];

export function validateHostName(name: string): string {
  if (!NAME.test(name)) throw invalid(`invalid host name "${name}": a lowercase letter, then up to 8 lowercase letters or digits`);
  return name;
}

export function hostsDir(root: string): string {
  return path.join(statePaths(root).root, 'hosts');
}

const recordFile = (root: string, name: string) => path.join(hostsDir(root), `${name}.json`);

/** The names berth gives a host's parts, all derived from its name. */
export function hostNames(name: string) {
  validateHostName(name);
  return {
    netns: `berth-host-${name}`,
    veth: `bh-${name}`,
    bridge: `bh${name}`,
    chain: `BHOST-${name.toUpperCase()}`,
  };
}

export function loadHost(name: string, root: string): HostRecord | undefined {
  validateHostName(name);
  return readJson<HostRecord | undefined>(recordFile(root, name), undefined);
}

/** The host, or an error that says how to make it. */
export function requireHost(name: string, root: string): HostRecord {
  const host = loadHost(name, root);
  if (!host) throw new BerthError('not-found', `no such host: ${name} (make it with: berth host create ${name})`);
  if (!fs.existsSync(path.join(NETNS_DIR, host.netns))) {
    throw new BerthError('conflict', `host ${name}: its network namespace ${host.netns} is gone (a reboot?): berth host rm ${name}, then create it again`);
  }
  return host;
}

export function listHosts(root: string): HostRecord[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(hostsDir(root)).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.map((n) => readJson<HostRecord | undefined>(path.join(hostsDir(root), n), undefined)).filter((h): h is HostRecord => !!h);
}

/** One lock for the whole machine: two hosts made at once must not choose the same link subnet. */
function hostLock(root: string): Lock {
  fs.mkdirSync(hostsDir(root), { recursive: true, mode: 0o700 });
  const dir = fs.existsSync('/run') ? '/run/berth' : path.join(os.tmpdir(), 'berth-run');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return new Lock(path.join(dir, 'hosts.lock'));
}

function natRules(host: Pick<HostRecord, 'linkSubnet' | 'veth'>, chain: string): { nat: string[]; filter: string[] } {
  return {
    nat: [
      `:${chain}-POST - [0:0]`,
      `-A POSTROUTING -j ${chain}-POST`,
      // egress: the host reaches whatever this machine reaches (apt mirrors, registries)
      `-A ${chain}-POST -s ${host.linkSubnet} ! -o ${host.veth} -j MASQUERADE`,
    ],
    filter: [
      `:${chain}-FWD - [0:0]`,
      `-A FORWARD -j ${chain}-FWD`,
      `-A ${chain}-FWD -i ${host.veth} -j ACCEPT`,
      `-A ${chain}-FWD -o ${host.veth} -j ACCEPT`,
    ],
  };
}

const restoreInput = (t: { nat: string[]; filter: string[] }) => `*nat\n${t.nat.join('\n')}\nCOMMIT\n*filter\n${t.filter.join('\n')}\nCOMMIT\n`;

/** Deletes the host's chains on this machine (jumps first), whatever state they are in. */
async function removeChains(chain: string): Promise<void> {
  const lines = { nat: [] as string[], filter: [] as string[] };
  for (const table of ['nat', 'filter'] as const) {
    const saved = await iptablesSave(table);
    for (const line of saved.split('\n')) if (line.startsWith('-A ') && line.includes(`-j ${chain}-`)) lines[table].push(line.replace(/^-A /, '-D '));
    for (const m of saved.matchAll(new RegExp(`^:(${chain}-\\S+) `, 'gm'))) lines[table].push(`-F ${m[1]}`, `-X ${m[1]}`);
  }
  if (lines.nat.length || lines.filter.length) await iptablesRestore(restoreInput(lines));
}

export interface CreateHostOptions {
  /** the developer's state root (the host's lives below it, in hosts/<name>) */
  readonly root: string;
  /** the developer's cgroup-parent setting: the host's engine runs under <parent>/host-<name> */
  readonly cgroupParent: string;
  readonly onProgress?: (line: string) => void;
}

/** `berth host create NAME`: the namespace, the link, NAT egress, the state root; recorded last. */
export async function createHost(name: string, options: CreateHostOptions): Promise<HostRecord> {
  const names = hostNames(name);
  const say = options.onProgress ?? (() => undefined);
  return hostLock(options.root).with(async () => {
    if (loadHost(name, options.root)) throw conflict(`host ${name} already exists (berth host rm ${name} first)`);
    if (fs.existsSync(path.join(NETNS_DIR, names.netns))) throw conflict(`a network namespace ${names.netns} already exists: not berth's record, remove it with: ip netns del ${names.netns}`);
    const routes = await hostRoutes();
    const linkSubnet = chooseSubnet(routes, LINK_SUBNETS);
    const bridgeSubnet = chooseSubnet([...routes, `${linkSubnet} dev ${names.veth}`], HOST_BRIDGE_SUBNETS);
    const prefix = parseCidr(linkSubnet).prefix;
    const host: HostRecord = {
      name,
      netns: names.netns,
      veth: names.veth,
      linkSubnet,
      gatewayAddress: addressAt(linkSubnet, 1),
      address: addressAt(linkSubnet, 2),
      root: path.join(hostsDir(options.root), name),
      bridge: names.bridge,
      bridgeSubnet,
      cgroupParent: `${options.cgroupParent}/host-${name}`,
      changedSysctls: {},
      created: new Date().toISOString(),
    };
    try {
      say(`network namespace ${names.netns}, link ${names.veth} ${host.gatewayAddress}/${prefix} <-> eth0 ${host.address}/${prefix}`);
      await ipBatch([
        `netns add ${names.netns}`,
        `link add ${names.veth} type veth peer name eth0 netns ${names.netns}`,
        `addr add ${host.gatewayAddress}/${prefix} dev ${names.veth}`,
        `link set ${names.veth} up`,
      ]);
      await ipBatch([
        `addr add ${host.address}/${prefix} dev eth0`,
        'link set eth0 up',
        'link set lo up',
        `route add default via ${host.gatewayAddress}`,
      ], names.netns);
      const forward = await readSysctl('net.ipv4.ip_forward');
      if (forward !== '1') {
        host.changedSysctls['net.ipv4.ip_forward'] = forward;
        await writeSysctl('net.ipv4.ip_forward', '1');
      }
      say(`egress through NAT on this machine (iptables chains ${names.chain}-POST, ${names.chain}-FWD)`);
      await removeChains(names.chain);
      await iptablesRestore(restoreInput(natRules(host, names.chain)));
      fs.mkdirSync(host.root, { recursive: true, mode: 0o700 });
      say(`state root ${host.root}; its engine's bridge ${host.bridge} on ${bridgeSubnet}`);
      writeJsonAtomic(recordFile(options.root, name), host);
      return host;
    } catch (error) {
      await teardown(host, options.root).catch(() => undefined);
      throw error;
    }
  });
}

export interface RemoveHostOptions {
  readonly root: string;
  /** the developer's cgroup-parent setting (see CreateHostOptions) */
  readonly cgroupParent: string;
  readonly onProgress?: (line: string) => void;
  /**
   * Removes the host engine's containers (and stops its hub) from inside its
   * namespace: the CLI passes a function that runs `berth --host NAME ...`.
   */
  readonly clearEngine?: (host: HostRecord) => Promise<void>;
}

/** `berth host rm NAME`: its containers first, then the namespace, link, rules, cgroups and state. */
export async function removeHost(name: string, options: RemoveHostOptions): Promise<boolean> {
  const names = hostNames(name);
  const host = loadHost(name, options.root);
  if (host && fs.existsSync(path.join(NETNS_DIR, host.netns)) && options.clearEngine) {
    options.onProgress?.(`removing the containers of ${name}`);
    await options.clearEngine(host);
  }
  return hostLock(options.root).with(async () => {
    const found = host ?? loadHost(name, options.root);
    const exists = !!found || fs.existsSync(path.join(NETNS_DIR, names.netns));
    await teardown(found ?? { name, netns: names.netns, veth: names.veth, bridge: names.bridge, root: path.join(hostsDir(options.root), name), changedSysctls: {}, cgroupParent: `${options.cgroupParent}/host-${name}` }, options.root);
    return exists;
  });
}

type TeardownPart = Pick<HostRecord, 'name' | 'netns' | 'veth' | 'bridge' | 'root' | 'changedSysctls' | 'cgroupParent'>;

/** Undoes createHost from whatever part of it was made. Idempotent. */
async function teardown(host: TeardownPart, root: string): Promise<void> {
  // Namespaces the host's engine made for its containers, if it could not remove them itself.
  let netnsNames: string[] = [];
  try {
    netnsNames = fs.readdirSync(NETNS_DIR).filter((n) => n.startsWith(`${host.bridge}-`));
  } catch { /* none */ }
  for (const ns of netnsNames) await ip('netns', 'del', ns).catch(() => undefined);
  if (fs.existsSync(path.join(NETNS_DIR, host.netns))) await ip('netns', 'del', host.netns);
  // Deleting the namespace deletes eth0 and so its peer; a half-made link may remain.
  if (fs.existsSync(`/proc/sys/net/ipv4/conf/${host.veth}`)) await ip('link', 'del', host.veth).catch(() => undefined);
  await removeChains(`BHOST-${host.name.toUpperCase()}`);
  if (Object.keys(host.changedSysctls).length > 0 && !(await otherForwardingUsers())) {
    for (const [key, value] of Object.entries(host.changedSysctls)) await writeSysctl(key, value);
  }
  removeCgroups(host.cgroupParent);
  unmountBelow(host.root);
  fs.rmSync(statePaths(host.root).sockets, { recursive: true, force: true });
  fs.rmSync(host.root, { recursive: true, force: true });
  fs.rmSync(recordFile(root, host.name), { force: true });
}

/** True when some other berth network (a bridge's or another host's chains) still relies on forwarding. */
async function otherForwardingUsers(): Promise<boolean> {
  const nat = await iptablesSave('nat');
  return /^-A POSTROUTING -j \S+-POST$/m.test(nat);
}

/** rmdir of the host's cgroup parent in every hierarchy (its containers' cgroups are gone by now). */
function removeCgroups(parent: string): void {
  const base = '/sys/fs/cgroup';
  const dirs = fs.existsSync(path.join(base, 'cgroup.controllers'))
    ? [path.join(base, parent)]
    : fs.readdirSync(base).map((controller) => path.join(base, controller, parent));
  for (const dir of dirs) {
    try {
      fs.rmdirSync(dir);
    } catch { /* absent */ }
  }
}

/** Lazily unmounts whatever is still mounted below the host's root, deepest first, before its files go. */
function unmountBelow(root: string): void {
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((line) => line.split(' ')[4])
    .filter((m): m is string => !!m && (m === root || m.startsWith(root + '/')))
    .sort((a, b) => b.length - a.length);
  for (const mount of mounts) {
    try {
      execFileSync('umount', ['-l', mount], { stdio: 'ignore' });
    } catch { /* gone already */ }
  }
}

/**
 * The environment of a berth command run on the host: its root, bridge,
 * subnet and cgroup parent, and the developer's registry on the link marked
 * plain HTTP (like Docker's insecure-registries).
 */
export function hostEnv(host: HostRecord, settings: Settings): NodeJS.ProcessEnv {
  return childEnv(hostSettings(host, settings), { BERTH_HOST: host.name });
}

/** The developer's settings as the host's engine has them: its own root, bridge, subnet, cgroup parent and address. */
export function hostSettings(host: HostRecord, settings: Settings): Settings {
  return deriveSettings(settings, {
    root: host.root,
    bridge: host.bridge,
    subnet: host.bridgeSubnet,
    cgroupParent: host.cgroupParent,
    insecureRegistries: [...new Set([...settings.insecureRegistries, `${host.gatewayAddress}:5000`])],
    hostAddress: host.address,
  });
}

/** The command line that runs `berth ARGS` on the host: nsenter joins only its network namespace. */
export function hostCommand(host: HostRecord, berthBin: string, args: readonly string[]): string[] {
  return ['nsenter', `--net=${path.join(NETNS_DIR, host.netns)}`, '--', process.execPath, '--', berthBin, '--root', host.root, ...args];
}
