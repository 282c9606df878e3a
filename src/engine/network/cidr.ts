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

export const DEFAULT_SUBNETS = ['10.88.0.0/16', '172.30.0.0/16', '192.168.217.0/24'] as const;

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

function listWords(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/**
 * The subnet for berth's bridge: `requested` (from BERTH_SUBNET) when given,
 * else the first candidate that overlaps no host route. Default routes are
 * ignored: 0.0.0.0/0 overlaps everything.
 */
export function chooseSubnet(hostRoutes: readonly string[], candidates: readonly string[] = DEFAULT_SUBNETS, requested?: string): string {
  const routes = parseRoutes(hostRoutes);
  if (requested !== undefined && requested !== '') {
    const subnet = parseCidr(requested);
    const clash = routes.find((r) => overlaps(subnet, r.cidr));
    if (clash) throw conflict(`subnet ${subnet.text} clashes with the host route ${describeRoute(clash)}: choose another with BERTH_SUBNET`);
    return subnet.text;
  }
  for (const candidate of candidates) {
    const subnet = parseCidr(candidate);
    if (!routes.some((r) => overlaps(subnet, r.cidr))) return subnet.text;
  }
  const clashing = routes.filter((r) => candidates.some((c) => overlaps(c, r.cidr)));
  throw conflict(
    `no free subnet for berth's bridge: ${listWords([...candidates])} all clash with host routes `
      + `(${clashing.map(describeRoute).join(', ')}): choose one with BERTH_SUBNET`,
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
