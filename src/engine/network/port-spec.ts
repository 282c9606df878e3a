// Docker's `-p` grammar, [ip:][hostPort:]containerPort[/proto], where either
// port may be a range (`8000-8002:80-82`), and `-P`'s list of an image's
// exposed ports. Pure: no socket is touched until port-allocator.ts.
import net from 'node:net';
import { invalid } from '../errors.js';

export type Protocol = 'tcp' | 'udp';

/** One published port: `-p 127.0.0.1:8080:80/udp` → `{ protocol: 'udp', containerPort: 80, hostIp: '127.0.0.1', hostPort: 8080 }`. */
export interface PortBinding {
  readonly protocol: Protocol;
  readonly containerPort: number;
  /** The host address to listen on; '' means every address. */
  readonly hostIp: string;
  /** The host port; 0 means "choose a free one". */
  readonly hostPort: number;
  /** Set when `-p 8000-8002:80` asks for any free port from hostPort to hostPortEnd. */
  readonly hostPortEnd?: number;
}

/** A port an image declares (EXPOSE), published by `-P` on a host port berth chooses. */
export interface ExposedPort {
  readonly containerPort: number;
  readonly protocol: Protocol;
}

interface Range { readonly start: number; readonly end: number }

// Docker also knows sctp; berth's port proxy speaks tcp and udp only.
function parseProtocol(spec: string, raw: string): Protocol {
  const proto = raw.toLowerCase();
  if (proto === 'tcp' || proto === 'udp') return proto;
  const why = proto === 'sctp' ? 'berth publishes tcp and udp ports only' : 'use tcp or udp';
  throw invalid(`invalid port spec "${spec}": invalid protocol "${raw}" (${why})`);
}

// `80` or `8000-8002`; `min` is 0 for a host port ("choose one"), 1 for a container port.
function parseRange(spec: string, raw: string, what: 'container' | 'host'): Range {
  const bad = () => invalid(`invalid port spec "${spec}": ${what} port must be a number from 1 to 65535${what === 'host' ? ' (or 0 to let berth choose)' : ''}`);
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(raw);
  if (!match) throw bad();
  const start = Number(match[1]);
  const end = match[2] === undefined ? start : Number(match[2]);
  const isRange = match[2] !== undefined;
  const min = what === 'host' && !isRange ? 0 : 1;
  if (start < min || start > 65535 || end < min || end > 65535) throw bad();
  if (end < start) throw invalid(`invalid port spec "${spec}": ${what} port range ${raw} ends before it starts`);
  return { start, end };
}

// `[::1]` → `::1`; an address must be IPv4 or IPv6 (Docker accepts IPv6 with or without brackets).
function parseHostIp(spec: string, raw: string): string {
  const ip = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  if (net.isIP(ip) === 0) throw invalid(`invalid port spec "${spec}": invalid IP address "${raw}"`);
  return ip;
}

// The last two `:`-separated parts are the ports; what comes before is the
// address, which may itself hold colons (IPv6).
function splitParts(spec: string): { ip: string; host: string; container: string } {
  const parts = spec.split(':');
  if (parts.length === 1) return { ip: '', host: '', container: parts[0]! };
  if (parts.length === 2) return { ip: '', host: parts[0]!, container: parts[1]! };
  return { ip: parts.slice(0, -2).join(':'), host: parts[parts.length - 2]!, container: parts[parts.length - 1]! };
}

/**
 * Parses one `-p` value into one binding per container port. A host range
 * with a single container port stays one binding with `hostPortEnd` set:
 * any free port of the range will do.
 */
export function parsePortSpec(spec: string): PortBinding[] {
  if (spec.trim() === '') throw invalid(`invalid port spec "${spec}": no container port given`);
  if (/\s/.test(spec)) throw invalid(`invalid port spec "${spec}": it must not contain spaces`);
  const { ip: rawIp, host: rawHost, container: rawContainerAndProto } = splitParts(spec);
  const slash = rawContainerAndProto.indexOf('/');
  const rawContainer = slash < 0 ? rawContainerAndProto : rawContainerAndProto.slice(0, slash);
  const rawProto = slash < 0 ? '' : rawContainerAndProto.slice(slash + 1);
  const protocol = rawProto === '' ? 'tcp' : parseProtocol(spec, rawProto); // `80/` is tcp, as in Docker
  if (rawContainer === '') throw invalid(`invalid port spec "${spec}": no container port given`);
  const container = parseRange(spec, rawContainer, 'container');
  const hostIp = rawIp === '' ? '' : parseHostIp(spec, rawIp);
  const host = rawHost === '' ? { start: 0, end: 0 } : parseRange(spec, rawHost, 'host');

  const count = container.end - container.start + 1;
  const hostCount = host.end - host.start + 1;
  if (rawHost !== '' && count > 1 && hostCount !== count) {
    throw invalid(`invalid port spec "${spec}": host port range ${rawHost} and container port range ${rawContainer} differ in length`);
  }
  if (count === 1 && hostCount > 1) {
    return [{ protocol, containerPort: container.start, hostIp, hostPort: host.start, hostPortEnd: host.end }];
  }
  return Array.from({ length: count }, (_, i) => ({
    protocol,
    containerPort: container.start + i,
    hostIp,
    hostPort: host.start === 0 ? 0 : host.start + i,
  }));
}

/**
 * The ports `-P` publishes, from an image config's ExposedPorts keys
 * (`"80/tcp"`, `"53/udp"`, `"8000-8002/tcp"`; a key without a protocol is
 * tcp). sctp ports are left out: berth cannot publish them.
 */
export function exposedPorts(exposed: Readonly<Record<string, object>> | undefined): ExposedPort[] {
  const result: ExposedPort[] = [];
  const seen = new Set<string>();
  for (const key of Object.keys(exposed ?? {})) {
    const [rawPort = '', rawProto = 'tcp', ...extra] = key.split('/');
    const proto = rawProto.toLowerCase();
    if (proto === 'sctp') continue;
    if (extra.length > 0 || (proto !== 'tcp' && proto !== 'udp')) throw invalid(`invalid exposed port "${key}" in the image config: use 80/tcp or 53/udp`);
    const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(rawPort);
    const start = Number(match?.[1]);
    const end = match?.[2] === undefined ? start : Number(match[2]);
    if (!match || start < 1 || end > 65535 || end < start) throw invalid(`invalid exposed port "${key}" in the image config: the port must be a number from 1 to 65535`);
    for (let port = start; port <= end; port++) {
      const id = `${port}/${proto}`;
      if (seen.has(id)) continue;
      seen.add(id);
      result.push({ containerPort: port, protocol: proto });
    }
  }
  return result.sort((a, b) => a.containerPort - b.containerPort || a.protocol.localeCompare(b.protocol));
}
