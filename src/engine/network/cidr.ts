// IPv4 subnet arithmetic for berth's bridge, and the choice of a subnet that
// does not shadow a network the host already routes to (a VPN, a LAN, a
// cloud VPC): a bridge on 10.0.0.0/8 would cut the host off from 10.1.0.0/16.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BerthError, conflict, invalid } from '../errors.js';

/** A parsed IPv4 subnet, e.g. `10.88.0.0/16` → `{ network: 0x0a580000, prefix: 16, ... }`. */
export interface Cidr {
  /** The network address as an unsigned 32-bit integer. */
  readonly network: number;
  /** The prefix length, 0 to 32. */
  readonly prefix: number;
  /** How many addresses the subnet spans, network and broadcast included (2^(32-prefix)). */
  readonly size: number;
  /** The canonical text, e.g. `10.88.0.0/16`. */
  readonly text: string;
}

const OCTET = /^(0|[1-9]\d{0,2})$/;

/** `10.88.0.1` → 0x0a580001; refuses anything but four decimal octets. */
export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p) && Number(p) <= 255)) {
    throw invalid(`invalid IPv4 address "${ip}"`);
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** 0x0a580001 → `10.88.0.1`. */
export function intToIp(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw invalid(`${n} is not an IPv4 address`);
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

const maskOf = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
const networkOf = (ip: number, prefix: number) => (ip & maskOf(prefix)) >>> 0;

function build(network: number, prefix: number): Cidr {
  return { network, prefix, size: 2 ** (32 - prefix), text: `${intToIp(network)}/${prefix}` };
}

function split(text: string): { ip: number; prefix: number } {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!match) throw invalid(`invalid subnet "${text}": write it as an IPv4 address and a prefix length, e.g. 10.88.0.0/16`);
  const prefix = Number(match[2]);
  if (prefix > 32) throw invalid(`invalid subnet "${text}": the prefix length must be from 0 to 32`);
  let ip: number;
  try {
    ip = ipToInt(match[1]!);
  } catch {
    throw invalid(`invalid subnet "${text}": "${match[1]}" is not an IPv4 address`);
  }
  return { ip, prefix };
}

/** Parses `10.88.0.0/16`; refuses an address with host bits set (`10.88.0.5/16`), naming the subnet meant. */
export function parseCidr(text: string | Cidr): Cidr {
  if (typeof text !== 'string') return text;
  const { ip, prefix } = split(text.trim());
  const network = networkOf(ip, prefix);
  if (network !== ip) throw invalid(`invalid subnet "${text}": it has host bits set; did you mean ${intToIp(network)}/${prefix}?`);
  return build(network, prefix);
}

/** Like parseCidr, but keeps only the network part (`10.1.2.3/16` → 10.1.0.0/16) and reads a bare address as /32: route tables hold both. */
function parseRouteDestination(text: string): Cidr {
  const { ip, prefix } = split(text.includes('/') ? text : `${text}/32`);
  return build(networkOf(ip, prefix), prefix);
}

/** True when the two subnets share at least one address. */
export function overlaps(a: string | Cidr, b: string | Cidr): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  const prefix = Math.min(x.prefix, y.prefix);
  return networkOf(x.network, prefix) === networkOf(y.network, prefix);
}

/** True when `ip` lies in `cidr` (network and broadcast addresses included). */
export function contains(cidr: string | Cidr, ip: string): boolean {
  const c = parseCidr(cidr);
  return networkOf(ipToInt(ip), c.prefix) === c.network;
}

/** Usable host addresses: size minus network and broadcast, except /31 (2, RFC 3021) and /32 (1). */
export function hostCount(cidr: string | Cidr): number {
  const c = parseCidr(cidr);
  return c.prefix >= 31 ? c.size : c.size - 2;
}

/** The n-th host address, counting from 1: `addressAt('10.88.0.0/16', 1)` is the gateway 10.88.0.1. */
export function addressAt(cidr: string | Cidr, n: number): string {
  const c = parseCidr(cidr);
  const count = hostCount(c);
  if (!Number.isInteger(n) || n < 1 || n > count) {
    throw invalid(`address number ${n} is outside ${c.text}, which has ${count} host address${count === 1 ? '' : 'es'}`);
  }
  return intToIp(c.prefix >= 31 ? c.network + n - 1 : c.network + n);
}

/**
 * Where bridge subnets come from, as Docker's `default-address-pools`: each
 * pool's `base` cut into subnets of prefix length `size`, tried in order.
 */
export interface AddressPool {
  readonly base: string;
  readonly size: number;
}

/**
 * berth's own 10.88.0.0/16 first (the README's, and what a lone berth has
 * always had), then Docker's defaults: 172.17-31.0.0/16 as /16s and
 * 192.168.0.0/16 as /20s — 32 subnets in all.
 */
export const DEFAULT_ADDRESS_POOLS: readonly AddressPool[] = [
  { base: '10.88.0.0/16', size: 16 },
  ...Array.from({ length: 15 }, (_, i) => ({ base: `172.${17 + i}.0.0/16`, size: 16 })),
  { base: '192.168.0.0/16', size: 20 },
];

/** At most this many subnets per pool (a /8 cut into /24s is 65536): a bound on the search, not a practical limit. */
const MAX_POOL_SUBNETS = 65536;

/**
 * BERTH_ADDRESS_POOLS: Docker's daemon.json syntax as JSON
 * (`[{"base":"172.80.0.0/16","size":24}]`), or dockerd's flag syntax, pools
 * separated by `;` or spaces (`base=172.80.0.0/16,size=24;base=10.10.0.0/16,size=24`).
 */
export function parseAddressPools(text: string, source = 'BERTH_ADDRESS_POOLS'): AddressPool[] {
  const trimmed = text.trim();
  let raw: unknown[];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw invalid(`invalid ${source}: not valid JSON (${(error as Error).message}); write [{"base":"172.80.0.0/16","size":24}] or base=172.80.0.0/16,size=24`);
    }
    raw = Array.isArray(parsed) ? parsed : [parsed];
  } else {
    raw = trimmed.split(/[;\s]+/).filter(Boolean).map((pool) => {
      const fields: Record<string, string> = {};
      for (const pair of pool.split(',')) {
        const [key, ...rest] = pair.split('=');
        if (!key || rest.length === 0) throw invalid(`invalid ${source} pool "${pool}": write base=CIDR,size=PREFIX, e.g. base=172.80.0.0/16,size=24`);
        fields[key.trim()] = rest.join('=').trim();
      }
      return { ...fields, size: fields.size === undefined ? undefined : /^\d+$/.test(fields.size) ? Number(fields.size) : fields.size };
    });
  }
  if (raw.length === 0) throw invalid(`invalid ${source}: no pool given; write base=172.80.0.0/16,size=24`);
  return raw.map((entry) => {
    const pool = entry as Record<string, unknown>;
    const known = Object.keys(pool ?? {}).filter((k) => k !== 'base' && k !== 'size');
    if (!pool || typeof pool !== 'object' || known.length) throw invalid(`invalid ${source} pool ${JSON.stringify(entry)}: only "base" and "size" are known`);
    if (typeof pool.base !== 'string') throw invalid(`invalid ${source} pool ${JSON.stringify(entry)}: "base" must be a subnet, e.g. 172.80.0.0/16`);
    const base = parseCidr(pool.base);
    const size = pool.size === undefined ? base.prefix : pool.size;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < base.prefix || size > 30) {
      throw invalid(`invalid ${source} pool ${JSON.stringify(entry)}: "size" must be a prefix length from ${base.prefix} (the base's) to 30`);
    }
    if (2 ** (size - base.prefix) > MAX_POOL_SUBNETS) throw invalid(`invalid ${source} pool ${JSON.stringify(entry)}: more than ${MAX_POOL_SUBNETS} subnets; use a larger "size" or a smaller base`);
    return { base: base.text, size };
  });
}

/** Every subnet of the pools, in order (lazily: a pool may hold thousands). */
export function* poolSubnets(pools: readonly AddressPool[]): Generator<string> {
  for (const pool of pools) {
    const base = parseCidr(pool.base);
    const step = 2 ** (32 - pool.size);
    for (let n = 0; n < 2 ** (pool.size - base.prefix); n++) yield `${intToIp(base.network + n * step)}/${pool.size}`;
  }
}

/** A subnet another berth bridge on this machine holds (see subnet-registry.ts), and how to say so. */
export interface HeldSubnet {
  readonly subnet: string;
  /** e.g. "berth bridge bt1a2b3c (state root /tmp/berth-test-1a2b3c)" */
  readonly by: string;
}

interface Route { readonly cidr: Cidr; readonly text: string; readonly where: string }

// `10.1.0.0/16 dev eth1` → the destination and the words after it; default
// routes and lines that are not IPv4 destinations are skipped.
function parseRoutes(hostRoutes: readonly string[]): Route[] {
  const routes: Route[] = [];
  for (const line of hostRoutes) {
    const [dst, ...rest] = line.trim().split(/\s+/);
    if (!dst || dst === 'default') continue;
    let cidr: Cidr;
    try {
      cidr = parseRouteDestination(dst);
    } catch {
      continue;
    }
    if (cidr.prefix === 0) continue;
    routes.push({ cidr, text: dst, where: rest.join(' ') });
  }
  return routes;
}

const describeRoute = (r: Route) => (r.where ? `${r.text} (${r.where})` : r.text);

/** "10.88.0.0/16" or "172.17.0.0/16 … 172.31.0.0/16 (15 subnets)" */
const describeRun = (run: readonly string[]) => (run.length === 1 ? run[0]! : run.length === 2 ? `${run[0]} and ${run[1]}` : `${run[0]} … ${run[run.length - 1]} (${run.length} subnets)`);

/**
 * The subnet for berth's bridge: `requested` (from BERTH_SUBNET) when given,
 * else the first candidate (the address pools' subnets) that overlaps no host
 * route and no subnet another berth bridge holds (`held`). Default routes are
 * ignored: 0.0.0.0/0 overlaps everything.  None free: a conflict that names
 * what holds each candidate and what to set.
 */
export function chooseSubnet(
  hostRoutes: readonly string[],
  candidates: Iterable<string> = poolSubnets(DEFAULT_ADDRESS_POOLS),
  requested?: string,
  held: readonly HeldSubnet[] = [],
): string {
  const routes = parseRoutes(hostRoutes);
  const holderOf = (subnet: Cidr): string | undefined => {
    const bridge = held.find((h) => overlaps(subnet, h.subnet));
    if (bridge) return bridge.by;
    const route = routes.find((r) => overlaps(subnet, r.cidr));
    return route ? `the host route ${describeRoute(route)}` : undefined;
  };
  if (requested !== undefined && requested !== '') {
    const subnet = parseCidr(requested);
    const bridge = held.find((h) => overlaps(subnet, h.subnet));
    if (bridge) throw conflict(`subnet ${subnet.text} (BERTH_SUBNET) overlaps ${bridge.subnet}, held by ${bridge.by}: choose another with BERTH_SUBNET`);
    const clash = routes.find((r) => overlaps(subnet, r.cidr));
    if (clash) throw conflict(`subnet ${subnet.text} clashes with the host route ${describeRoute(clash)}: choose another with BERTH_SUBNET`);
    return subnet.text;
  }
  // Consecutive candidates held by the same thing, for the message.
  const runs: Array<{ by: string; subnets: string[] }> = [];
  for (const candidate of candidates) {
    const subnet = parseCidr(candidate);
    const by = holderOf(subnet);
    if (by === undefined) return subnet.text;
    const last = runs[runs.length - 1];
    if (last && last.by === by) last.subnets.push(subnet.text);
    else runs.push({ by, subnets: [subnet.text] });
  }
  if (runs.length === 0) throw invalid('no candidate subnet for berth\'s bridge: the address pools are empty (BERTH_ADDRESS_POOLS)');
  const shown = runs.slice(0, 12).map((r) => `${describeRun(r.subnets)} by ${r.by}`);
  if (runs.length > 12) shown.push(`${runs.length - 12} more`);
  throw conflict(
    `no free subnet for berth's bridge: every candidate of the address pools is taken: ${shown.join('; ')}. `
      + 'Set BERTH_ADDRESS_POOLS to pools with room (e.g. BERTH_ADDRESS_POOLS=base=10.200.0.0/16,size=24), or BERTH_SUBNET to one free subnet',
  );
}

interface IpRoute { dst?: string; dev?: string; type?: string }

/**
 * The host's IPv4 routes as `dst dev name` strings (from `ip -j route show`),
 * leaving out routes through `excludeDevices` — berth's own bridges, whose
 * subnet must not count as taken when berth chooses it again.
 */
export async function hostRoutes(excludeDevices: readonly string[] = []): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)('ip', ['-j', 'route', 'show'], { encoding: 'utf8' }));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new BerthError('internal', missing
      ? 'cannot list the host routes: the `ip` command is missing (install iproute2)'
      : `cannot list the host routes: \`ip -j route show\` failed: ${(error as Error).message}`, { cause: error });
  }
  let routes: IpRoute[];
  try {
    routes = JSON.parse(stdout || '[]') as IpRoute[];
  } catch (error) {
    throw new BerthError('internal', 'cannot list the host routes: `ip -j route show` printed something that is not JSON', { cause: error });
  }
  return routes
    .filter((r) => r.dst && !(r.dev && excludeDevices.includes(r.dev)))
    .map((r) => (r.dev ? `${r.dst} dev ${r.dev}` : `${r.dst}${r.type ? ` ${r.type}` : ''}`));
}
