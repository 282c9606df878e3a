// Host ports for `-p`: whether one is free (asked of the kernel by binding
// it for a moment), a random free one for `-p 80` and `-P`, and the check
// that refuses a port in use with Docker's own words.
import dgram from 'node:dgram';
import net from 'node:net';
import { BerthError, conflict, explainSystemError, invalid } from '../errors.js';
import type { PortBinding, Protocol } from './port-spec.js';

/** Docker's ephemeral range for published ports (and Linux's ip_local_port_range). */
export const DYNAMIC_PORT_RANGE: readonly [number, number] = [32768, 60999];

const WILDCARDS = new Set(['', '0.0.0.0', '::']);

/**
 * Host ports berth has already handed out: `"tcp/8080"` holds 8080 for one
 * protocol, a bare number (8080) holds it for both.
 */
export type TakenPorts = ReadonlySet<string | number>;

const isTaken = (taken: TakenPorts, protocol: Protocol, port: number) => taken.has(port) || taken.has(`${protocol}/${port}`);

/** `0.0.0.0:8080`, `[::1]:8080`: the address as Docker prints it in messages ('' is 0.0.0.0). */
export function hostAddress(hostIp: string, port: number | string): string {
  const ip = hostIp === '' ? '0.0.0.0' : hostIp;
  return net.isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
}

// What a failed bind means: in use → false; anything else is not about the port.
function bindFailure(error: unknown, hostIp: string, port: number): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return false;
  if (code === 'EADDRNOTAVAIL') throw invalid(`cannot publish on ${hostAddress(hostIp, port)}: ${hostIp} is not an address of this host`, error);
  throw new BerthError(code === 'EACCES' ? 'permission' : 'internal', `cannot bind ${hostAddress(hostIp, port)}: ${explainSystemError(error)}`, { cause: error });
}

function tryTcp(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

function tryUdp(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
    socket.unref();
    socket.once('error', (error) => {
      try { socket.close(); } catch { /* a socket whose bind failed may already be closed */ }
      reject(error);
    });
    socket.bind({ address: host, port, exclusive: true }, () => socket.close(() => resolve()));
  });
}

/**
 * True when nothing on the host holds `port` on `hostIp` ('' = every IPv4
 * address). Binds a socket there and closes it at once; throws when the
 * address is not one of the host's.
 */
export async function isPortFree(hostIp: string, port: number, protocol: Protocol): Promise<boolean> {
  const host = hostIp === '' ? '0.0.0.0' : hostIp;
  try {
    await (protocol === 'udp' ? tryUdp(host, port) : tryTcp(host, port));
    return true;
  } catch (error) {
    return bindFailure(error, hostIp, port);
  }
}

function checkRange([low, high]: readonly [number, number]): void {
  if (!Number.isInteger(low) || !Number.isInteger(high) || low < 1 || high > 65535 || high < low) {
    throw invalid(`invalid port range ${low}-${high}: it must lie within 1-65535`);
  }
}

// Walks the range once from `first`, wrapping around.
async function scan(hostIp: string, protocol: Protocol, taken: TakenPorts, [low, high]: readonly [number, number], first: number): Promise<number | undefined> {
  const size = high - low + 1;
  for (let i = 0; i < size; i++) {
    const port = low + ((first - low + i) % size);
    if (isTaken(taken, protocol, port)) continue;
    if (await isPortFree(hostIp, port, protocol)) return port;
  }
  return undefined;
}

/**
 * A free host port in `range`, not in `taken` (ports berth has already
 * handed out, see TakenPorts): starts at a random port and walks the range
 * once, so two containers started together rarely race for the same port.
 */
export async function choosePort(
  hostIp: string,
  protocol: Protocol,
  taken: TakenPorts,
  range: readonly [number, number] = DYNAMIC_PORT_RANGE,
): Promise<number> {
  checkRange(range);
  const [low, high] = range;
  const port = await scan(hostIp, protocol, taken, range, low + Math.floor(Math.random() * (high - low + 1)));
  if (port === undefined) throw conflict(`no free ${protocol} port on ${hostIp === '' ? '0.0.0.0' : hostIp} between ${low} and ${high}: every one is in use`);
  return port;
}

// Two bindings collide when protocol and port match and their addresses
// overlap: the wildcard overlaps every address.
function collides(a: { hostIp: string; protocol: Protocol; hostPort: number }, b: typeof a): boolean {
  if (a.protocol !== b.protocol || a.hostPort !== b.hostPort) return false;
  return a.hostIp === b.hostIp || WILDCARDS.has(a.hostIp) || WILDCARDS.has(b.hostIp);
}

const allocated = (hostIp: string, port: number | string) => conflict(`Bind for ${hostAddress(hostIp, port)} failed: port is already allocated`);

/**
 * Gives every binding a concrete host port: a requested one is checked (in
 * `taken`, in use on the host, or asked twice in `bindings` → Docker's "port
 * is already allocated"), 0 becomes a random free port, a host range
 * becomes its first free port. `taken` holds the host ports other berth
 * containers publish (see TakenPorts). The result keeps the order
 * of `bindings` and has no `hostPortEnd`.
 */
export async function resolveBindings(bindings: readonly PortBinding[], taken: TakenPorts): Promise<PortBinding[]> {
  const resolved: PortBinding[] = [];
  const busy = (b: PortBinding) => isTaken(taken, b.protocol, b.hostPort) || resolved.some((r) => collides(r, b));
  const fixed = bindings.filter((b) => b.hostPort !== 0 && b.hostPortEnd === undefined);
  const result = new Map<PortBinding, PortBinding>();
  // Requested ports first, so a chosen port can never steal one asked for by number.
  for (const b of fixed) {
    const { hostPortEnd: _, ...binding } = b;
    if (busy(binding) || !(await isPortFree(b.hostIp, b.hostPort, b.protocol))) throw allocated(b.hostIp, b.hostPort);
    resolved.push(binding);
    result.set(b, binding);
  }
  const requested = fixed.map((b) => b.hostPort);
  for (const b of bindings) {
    if (result.has(b)) continue;
    const { hostPortEnd, ...rest } = b;
    // Chosen ports avoid every number already given out here, whatever its protocol.
    const avoid = new Set<string | number>([...taken, ...requested, ...resolved.map((r) => r.hostPort)]);
    let port: number | undefined;
    if (hostPortEnd === undefined) {
      port = await choosePort(b.hostIp, b.protocol, avoid);
    } else {
      // A range the user gave is tried from its first port, as Docker does.
      checkRange([b.hostPort, hostPortEnd]);
      port = await scan(b.hostIp, b.protocol, avoid, [b.hostPort, hostPortEnd], b.hostPort);
      if (port === undefined) throw allocated(b.hostIp, `${b.hostPort}-${hostPortEnd}`);
    }
    const binding = { ...rest, hostPort: port };
    resolved.push(binding);
    result.set(b, binding);
  }
  return bindings.map((b) => result.get(b)!);
}
