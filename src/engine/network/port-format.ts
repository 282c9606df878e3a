// Ports as Docker prints them: the PORTS column of `ps`
// (`0.0.0.0:8080->80/tcp, 443/tcp`) and the lines of `docker port`
// (`80/tcp -> 0.0.0.0:8080`).
import net from 'node:net';
import { invalid, notFound } from '../errors.js';
import type { ExposedPort, PortBinding } from './port-spec.js';

/** One of a container's ports, as Docker's API lists them: published (hostIp and hostPort set) or only exposed. */
export interface PortEntry {
  readonly containerPort: number;
  readonly protocol: string;
  /** The host address; absent for a port that is exposed but not published. */
  readonly hostIp?: string;
  readonly hostPort?: number;
}

/** `0.0.0.0:8080`, `[::]:8080`, like Go's net.JoinHostPort; '' is shown as 0.0.0.0, as Docker's daemon reports it. */
function joinHostPort(hostIp: string, port: number | string): string {
  const ip = hostIp === '' ? '0.0.0.0' : hostIp;
  return net.isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** A container's published bindings plus its exposed ports that no binding publishes. */
export function portEntries(published: readonly PortBinding[], exposed: readonly ExposedPort[] = []): PortEntry[] {
  const entries: PortEntry[] = published.map((b) => ({
    containerPort: b.containerPort,
    protocol: b.protocol,
    hostIp: b.hostIp === '' ? '0.0.0.0' : b.hostIp,
    hostPort: b.hostPort,
  }));
  for (const e of exposed) {
    if (!published.some((b) => b.containerPort === e.containerPort && b.protocol === e.protocol)) {
      entries.push({ containerPort: e.containerPort, protocol: e.protocol });
    }
  }
  return entries;
}

// Docker's order: container port, then host address, host port, protocol (plain string comparisons).
function comparePorts(a: PortEntry, b: PortEntry): number {
  const text = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return a.containerPort - b.containerPort
    || text(a.hostIp ?? '', b.hostIp ?? '')
    || (a.hostPort ?? 0) - (b.hostPort ?? 0)
    || text(a.protocol, b.protocol);
}

interface Group { readonly ip: string; readonly protocol: string; first: number; last: number }

function formGroup(g: Group): string {
  const ports = g.first === g.last ? `${g.first}` : `${g.first}-${g.last}`;
  return g.ip === '' ? `${ports}/${g.protocol}` : `${joinHostPort(g.ip, ports)}->${ports}/${g.protocol}`;
}

/**
 * Docker's PORTS column (docker/cli DisplayablePorts). Runs of consecutive
 * ports collapse into a range only when each host port equals its container
 * port (`0.0.0.0:8000-8002->8000-8002/tcp`, `80-82/tcp`); a port published
 * on a different number is listed alone (`0.0.0.0:8000->80/tcp,
 * 0.0.0.0:8001->81/tcp`), after all the grouped ones.
 */
export function formatPortsColumn(entries: readonly PortEntry[]): string {
  const groups = new Map<string, Group>();
  const result: string[] = [];
  const mappings: string[] = [];
  for (const p of [...entries].sort(comparePorts)) {
    const ip = p.hostIp ?? '';
    if (ip !== '' && p.hostPort !== p.containerPort) {
      mappings.push(`${joinHostPort(ip, p.hostPort ?? 0)}->${p.containerPort}/${p.protocol}`);
      continue;
    }
    const key = `${ip}/${p.protocol}`;
    const group = groups.get(key);
    if (group && p.containerPort === group.last + 1) {
      group.last = p.containerPort;
      continue;
    }
    // A gap ends the group: print it now, start a new one in its place
    // (which keeps the key's first position in the final flush).
    if (group) {
      result.push(formGroup(group));
      group.first = group.last = p.containerPort;
    } else {
      groups.set(key, { ip, protocol: p.protocol, first: p.containerPort, last: p.containerPort });
    }
  }
  result.push(...[...groups.values()].map(formGroup), ...mappings);
  return result.join(', ');
}

/** `ps`'s PORTS cell for a running container's bindings and its image's exposed ports. */
export function formatPsPorts(published: readonly PortBinding[], exposed: readonly ExposedPort[] = []): string {
  return formatPortsColumn(portEntries(published, exposed));
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/**
 * Natural order, as fvbommel/sortorder's NaturalLess that `docker port`
 * sorts with: runs of digits compare as numbers (80 before 443), and a digit
 * sorts before any other character.
 */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const da = isDigit(a[i]);
    const db = isDigit(b[j]);
    if (da !== db) return da ? -1 : 1;
    if (!da) {
      if (a[i] !== b[j]) return a[i]! < b[j]! ? -1 : 1;
      i++;
      j++;
      continue;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    const startA = i;
    const startB = j;
    while (isDigit(a[i])) i++;
    while (isDigit(b[j])) j++;
    const numA = a.slice(startA, i);
    const numB = b.slice(startB, j);
    if (numA.length !== numB.length) return numA.length - numB.length;
    if (numA !== numB) return numA < numB ? -1 : 1;
    if (startA !== startB) return startA - startB; // fewer leading zeros first
  }
  return a.length - b.length;
}

/** `docker port c`: one `80/tcp -> 0.0.0.0:8080` line per binding, in natural order. */
export function portLines(published: readonly PortBinding[]): string[] {
  return published
    .map((b) => `${b.containerPort}/${b.protocol} -> ${joinHostPort(b.hostIp, b.hostPort)}`)
    .sort(naturalCompare);
}

/**
 * `docker port c 80[/proto]`: the host addresses container port 80 is
 * published on (`0.0.0.0:8080`); the protocol defaults to tcp. `container`
 * is the name the user typed, for the message when nothing is published.
 */
export function portLookup(published: readonly PortBinding[], query: string, container: string): string[] {
  const slash = query.indexOf('/');
  const port = slash < 0 ? query : query.slice(0, slash);
  const protocol = slash < 0 || slash === query.length - 1 ? 'tcp' : query.slice(slash + 1);
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw invalid(`invalid port "${port}": it must be a number from 0 to 65535`);
  const lines = published
    .filter((b) => b.containerPort === Number(port) && b.protocol === protocol)
    .map((b) => joinHostPort(b.hostIp, b.hostPort))
    .sort(naturalCompare);
  if (lines.length === 0) throw notFound(`No public port '${query}' published for ${container}`);
  return lines;
}
