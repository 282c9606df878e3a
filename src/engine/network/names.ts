// Names berth gives to what it adds to the kernel, all derived from the
// bridge name, so everything of one engine is found (and removed) by prefix
// and never mistaken for anyone else's.
export interface NetworkNames {
  /** the bridge, e.g. berth0 (the bridge setting: BERTH_BRIDGE to choose another, as tests do) */
  readonly bridge: string;
  /** nat chain jumped to from PREROUTING and OUTPUT for local destinations */
  readonly dnatChain: string;
  /** nat chain jumped to from POSTROUTING: masquerading */
  readonly postChain: string;
  /** filter chain jumped to from FORWARD */
  readonly forwardChain: string;
  /** raw chain jumped to from PREROUTING: drops loopback addresses arriving on the bridge */
  readonly rawChain: string;
}

const VALID_BRIDGE = /^[a-zA-Z][a-zA-Z0-9_-]{0,14}$/;

/** Whether `name` can be a bridge: an interface name (IFNAMSIZ) that its chains' names can derive from. */
export function checkBridgeName(name: string): boolean {
  return VALID_BRIDGE.test(name);
}

/** The names of one engine's bridge network, from its bridge setting. */
export function networkNames(bridge: string): NetworkNames {
  if (!checkBridgeName(bridge)) throw new Error(`invalid bridge name "${bridge}" (BERTH_BRIDGE): up to 15 letters, digits, _ or -`);
  const base = bridge.toUpperCase();
  return { bridge, dnatChain: `${base}-DNAT`, postChain: `${base}-POST`, forwardChain: `${base}-FWD`, rawChain: `${base}-RAW` };
}

/** The nat chain holding one container's published ports. */
export function containerChain(names: NetworkNames, id: string): string {
  return `${names.bridge.toUpperCase()}-${id.slice(0, 12)}`;
}

/** The named network namespace of a bridged container (/run/netns/<this>). */
export function netnsName(names: NetworkNames, id: string): string {
  return `${names.bridge}-${id.slice(0, 12)}`;
}

/** Host side of a container's veth pair: recognisably berth's, within IFNAMSIZ (15). */
export function hostVethName(id: string): string {
  return `berth${id.slice(0, 10)}`;
}

/**
 * The MAC of an address on berth's bridge, made from it as Docker does
 * (02:42 + the four octets).  A container's eth0: an address given again to a
 * new container comes with the same MAC, so neighbours' ARP caches stay right
 * (with random MACs a proxy talking to the old owner times out until its entry
 * expires).  The bridge itself, from its gateway address: a bridge left to
 * choose takes the lowest MAC of its ports, so it changed whenever a container
 * with a lower random MAC joined, and containers' cached gateway went stale.
 */
export function macFor(address: string): string {
  return ['02', '42', ...address.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}
