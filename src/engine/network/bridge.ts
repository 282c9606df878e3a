// The bridge network, made on demand and taken down when its last container
// has gone: the bridge with the gateway address, forwarding, and berth's own
// iptables chains (egress masquerading, published ports, hairpin).  Rules
// live only in berth's chains, hooked in by one jump each, so the host's own
// rules are never touched.
import fs from 'node:fs';
import { ip, ipBatch, iptablesRestore, iptablesSave, readSysctl, writeSysctl } from './commands.js';
import { addressAt, chooseSubnet, hostRoutes, parseCidr } from './cidr.js';
import { macFor, type NetworkNames } from './names.js';
import { deleteNetworkState, loadNetworkState, saveNetworkState, type NetworkState } from './state.js';

// /proc/sys/net shows the network namespace of the process that reads it;
// /sys/class/net shows the one /sys was mounted in, which is wrong for an
// engine started inside another namespace (`berth --host`, via nsenter).
function bridgeExists(bridge: string): boolean {
  return fs.existsSync(`/proc/sys/net/ipv4/conf/${bridge}`);
}

/** The nat and filter rules of the bridge network (iptables-restore syntax, without COMMIT). */
function baseRules(names: NetworkNames, subnet: string): { nat: string[]; filter: string[] } {
  const { bridge, dnatChain, postChain, forwardChain } = names;
  return {
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

function restoreInput(tables: { nat: string[]; filter: string[] }): string {
  return `*nat\n${tables.nat.join('\n')}\nCOMMIT\n*filter\n${tables.filter.join('\n')}\nCOMMIT\n`;
}

/** Makes the bridge network if it is not there; returns its state. Holding the lock. */
export async function ensureBridge(root: string, names: NetworkNames): Promise<NetworkState> {
  let state = loadNetworkState(root, names.bridge);
  // The bridge and chains are made together and `ready` is written last; the
  // bridge vanishing (a reboot, a person) means making everything again.
  if (state?.ready && bridgeExists(names.bridge)) return state;
  if (!state) {
    const routes = await hostRoutes([names.bridge]);
    const subnet = chooseSubnet(routes, undefined, process.env.BERTH_SUBNET || undefined);
    const cidr = parseCidr(subnet);
    state = { subnet, gateway: addressAt(subnet, 1), prefixLength: cidr.prefix, addresses: {}, changedSysctls: {} };
  }
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
  if (natLines.length || filterLines.length) await iptablesRestore(restoreInput({ nat: natLines, filter: filterLines }));
}

/** Takes the network down when no container holds an address: bridge, chains, sysctls. Holding the lock. */
export async function teardownBridgeIfUnused(root: string, names: NetworkNames): Promise<boolean> {
  const state = loadNetworkState(root, names.bridge);
  if (state && Object.keys(state.addresses).length > 0) return false;
  await removeChains(names);
  if (bridgeExists(names.bridge)) await ip('link', 'del', names.bridge);
  for (const [key, value] of Object.entries(state?.changedSysctls ?? {})) await writeSysctl(key, value);
  deleteNetworkState(root, names.bridge);
  return true;
}
