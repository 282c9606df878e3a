// The bridge network, made on demand and taken down when its last container
// has gone: the bridge with the gateway address, forwarding, and berth's own
// iptables chains (egress masquerading, published ports, hairpin, and the
// raw-table guard that keeps the host's loopback out of containers' reach).  Rules
// live only in berth's chains, hooked in by one jump each, so the host's own
// rules are never touched.
import fs from 'node:fs';
import { ip, ipBatch, iptablesRestore, iptablesSave, readSysctl, writeSysctl } from './commands.js';
import { addressAt, chooseSubnet, hostRoutes, parseCidr, poolSubnets, type AddressPool } from './cidr.js';
import { forgetSubnet, heldSubnets, recordSubnet, withSubnetLock } from './subnet-registry.js';
import { macFor, type NetworkNames } from './names.js';
import { deleteNetworkState, loadNetworkState, saveNetworkState, type NetworkState } from './state.js';

// /proc/sys/net shows the network namespace of the process that reads it;
// /sys/class/net shows the one /sys was mounted in, which is wrong for an
// engine started inside another namespace (`berth --host`, via nsenter).
function bridgeExists(bridge: string): boolean {
  return fs.existsSync(`/proc/sys/net/ipv4/conf/${bridge}`);
}

interface Tables {
  raw?: string[];
  nat: string[];
  filter: string[];
}

/**
 * Which base rules a bridge made by this code holds.  A bridge made by an
 * older berth (still up with its containers) gets what it lacks added at the
 * next start, without touching the chains its containers' ports live in.
 * 2: the raw chain that keeps the host's loopback the host's.
 */
const RULES_VERSION = 2;

/**
 * The host's loopback stays the host's.  route_localnet=1 on the bridge (for
 * ports published on 127.0.0.1, below) also lets the host accept a packet
 * that arrives *from* the bridge addressed to 127.0.0.0/8: a container that
 * writes a raw frame to the gateway's MAC with destination 127.0.0.1 would
 * reach every loopback-only service of the host (the lab hub, a registry on
 * 127.0.0.1:5000).  No legitimate packet arrives on the bridge with a
 * loopback address on either side (replies to a published port are still
 * addressed to the gateway when raw PREROUTING sees them: conntrack undoes
 * the masquerade after this hook), so both are dropped here, before
 * conntrack and NAT.  Docker 28 drops `! -i lo -d 127.0.0.0/8` in raw
 * PREROUTING the same way.  IPv6 needs no rule: the kernel itself drops ::1
 * arriving on any interface but lo (RFC 4291 2.5.3).
 */
function rawRules(names: NetworkNames): string[] {
  const { bridge, rawChain } = names;
  return [
    `:${rawChain} - [0:0]`,
    `-A PREROUTING -j ${rawChain}`,
    `-A ${rawChain} -i ${bridge} -d 127.0.0.0/8 -j DROP`,
    `-A ${rawChain} -i ${bridge} -s 127.0.0.0/8 -j DROP`,
  ];
}

/** The raw, nat and filter rules of the bridge network (iptables-restore syntax, without COMMIT). */
function baseRules(names: NetworkNames, subnet: string): Tables {
  const { bridge, dnatChain, postChain, forwardChain } = names;
  return {
    raw: rawRules(names),
    nat: [
      `:${dnatChain} - [0:0]`,
      `:${postChain} - [0:0]`,
      `-A PREROUTING -m addrtype --dst-type LOCAL -j ${dnatChain}`,
      `-A OUTPUT -m addrtype --dst-type LOCAL -j ${dnatChain}`,
      `-A POSTROUTING -j ${postChain}`,
      // egress: containers reach whatever the host reaches
      `-A ${postChain} -s ${subnet} ! -o ${bridge} -j MASQUERADE`,
      // a published port reached on 127.0.0.1 (needs route_localnet on the bridge)
      `-A ${postChain} -s 127.0.0.0/8 -o ${bridge} -j MASQUERADE`,
      // hairpin: a container reaching another (or itself) through a published port
      `-A ${postChain} -s ${subnet} -o ${bridge} -m conntrack --ctstate DNAT -j MASQUERADE`,
    ],
    filter: [
      `:${forwardChain} - [0:0]`,
      `-A FORWARD -j ${forwardChain}`,
      `-A ${forwardChain} -i ${bridge} -j ACCEPT`,
      `-A ${forwardChain} -o ${bridge} -j ACCEPT`,
    ],
  };
}

function restoreInput(tables: Tables): string {
  const raw = tables.raw?.length ? `*raw\n${tables.raw.join('\n')}\nCOMMIT\n` : '';
  const nat = tables.nat.length ? `*nat\n${tables.nat.join('\n')}\nCOMMIT\n` : '';
  const filter = tables.filter.length ? `*filter\n${tables.filter.join('\n')}\nCOMMIT\n` : '';
  return raw + nat + filter;
}

/** Removes the raw chain (jump first) if it is there: the lines for iptables-restore. */
function removeRawLines(raw: string, names: NetworkNames): string[] {
  const lines: string[] = [];
  for (const line of raw.split('\n')) if (line.startsWith('-A ') && line.includes(`-j ${names.rawChain}`)) lines.push(line.replace(/^-A /, '-D '));
  if (raw.includes(`:${names.rawChain} `)) lines.push(`-F ${names.rawChain}`, `-X ${names.rawChain}`);
  return lines;
}

/** Where a new bridge's subnet comes from: the subnet and address-pools settings. */
export interface SubnetChoice {
  /** one fixed subnet instead of a choice from the pools */
  readonly subnet?: string;
  readonly addressPools: readonly AddressPool[];
}

/** Makes the bridge network if it is not there; returns its state. Holding the lock. */
export async function ensureBridge(root: string, names: NetworkNames, choice: SubnetChoice): Promise<NetworkState> {
  let state = loadNetworkState(root, names.bridge);
  // The bridge and chains are made together and `ready` is written last; the
  // bridge vanishing (a reboot, a person) means making everything again.
  if (state?.ready && bridgeExists(names.bridge)) {
    if ((state.rules ?? 1) < RULES_VERSION) {
      // Made by an older berth: add the loopback guard alone (its containers' chains stay).
      await iptablesRestore(restoreInput({ raw: [...removeRawLines(await iptablesSave('raw'), names), ...rawRules(names)], nat: [], filter: [] }));
      state.rules = RULES_VERSION;
      saveNetworkState(root, names.bridge, state);
    }
    return state;
  }
  // One berth process at a time on this machine chooses a subnet and makes its bridge, so two
  // engines starting at once (parallel tests, a second state root) never take the same one.
  return withSubnetLock(() => makeBridge(root, names, choice));
}

async function makeBridge(root: string, names: NetworkNames, choice: SubnetChoice): Promise<NetworkState> {
  let state = loadNetworkState(root, names.bridge);
  if (!state) {
    const routes = await hostRoutes([names.bridge]);
    const subnet = chooseSubnet(routes, poolSubnets(choice.addressPools), choice.subnet, heldSubnets(names.bridge));
    const cidr = parseCidr(subnet);
    state = { subnet, gateway: addressAt(subnet, 1), prefixLength: cidr.prefix, addresses: {}, changedSysctls: {} };
  }
  recordSubnet(root, names.bridge, state.subnet);
  state.ready = false;
  // Record the sysctl before changing it, so teardown can put it back.
  const forward = await readSysctl('net.ipv4.ip_forward');
  if (forward !== '1') {
    state.changedSysctls['net.ipv4.ip_forward'] ??= forward;
    await writeSysctl('net.ipv4.ip_forward', '1');
  }
  saveNetworkState(root, names.bridge, state);
  if (!bridgeExists(names.bridge)) {
    await ipBatch([
      // A fixed MAC: see macFor.
      `link add ${names.bridge} address ${macFor(state.gateway)} type bridge`,
      `addr add ${state.gateway}/${state.prefixLength} dev ${names.bridge}`,
      `link set ${names.bridge} up`,
    ]);
  }
  // 127.0.0.1 -> container needs the bridge to accept loopback sources.
  await writeSysctl(`net.ipv4.conf.${names.bridge}.route_localnet`, '1');
  await removeChains(names); // a half-made set from a crash
  await iptablesRestore(restoreInput(baseRules(names, state.subnet)));
  state.ready = true;
  state.rules = RULES_VERSION;
  saveNetworkState(root, names.bridge, state);
  return state;
}

/** Deletes berth's chains of this bridge (jumps first), whatever state they are in. */
export async function removeChains(names: NetworkNames, containerChains: readonly string[] = []): Promise<void> {
  const nat = await iptablesSave('nat');
  const filter = await iptablesSave('filter');
  const prefix = `${names.bridge.toUpperCase()}-`;
  const natLines: string[] = [];
  const filterLines: string[] = [];
  for (const line of nat.split('\n')) if (line.startsWith('-A ') && line.includes(`-j ${prefix}`)) natLines.push(line.replace(/^-A /, '-D '));
  for (const line of filter.split('\n')) if (line.startsWith('-A ') && line.includes(`-j ${prefix}`)) filterLines.push(line.replace(/^-A /, '-D '));
  const natChains = [...nat.matchAll(new RegExp(`^:(${prefix}\\S+) `, 'gm'))].map((m) => m[1]!);
  const filterChains = [...filter.matchAll(new RegExp(`^:(${prefix}\\S+) `, 'gm'))].map((m) => m[1]!);
  for (const chain of new Set([...natChains, ...containerChains.filter((c) => natChains.includes(c))])) natLines.push(`-F ${chain}`);
  for (const chain of new Set(natChains)) natLines.push(`-X ${chain}`);
  for (const chain of filterChains) filterLines.push(`-F ${chain}`, `-X ${chain}`);
  const rawLines = removeRawLines(await iptablesSave('raw'), names);
  if (rawLines.length || natLines.length || filterLines.length) await iptablesRestore(restoreInput({ raw: rawLines, nat: natLines, filter: filterLines }));
}

/** Takes the network down when no container holds an address: bridge, chains, sysctls. Holding the lock. */
export async function teardownBridgeIfUnused(root: string, names: NetworkNames): Promise<boolean> {
  const state = loadNetworkState(root, names.bridge);
  if (state && Object.keys(state.addresses).length > 0) return false;
  await removeChains(names);
  if (bridgeExists(names.bridge)) await ip('link', 'del', names.bridge);
  for (const [key, value] of Object.entries(state?.changedSysctls ?? {})) await writeSysctl(key, value);
  deleteNetworkState(root, names.bridge);
  forgetSubnet(names.bridge);
  return true;
}
