// registry: {listen, has}: the registry on `listen` is the one `berth registry
// start` started from this state root, not something else that happens to
// answer there (a Docker registry:2 on :5000, another lab's): its record's
// process is alive and owns the listening socket on that address.  With
// `has` ("repo:tag", tag latest by default) the tag is in that registry.
import fs from 'node:fs';
import { listenUrl, parseListen } from '../../engine/index.js';
import { fail, fieldType, mappingProblems, pass, type CheckKind } from './types.js';

export interface RegistryArgs {
  readonly listen: string;
  readonly has?: string;
}

/** /proc/net/tcp's address: little-endian hex per 32-bit word. */
function procAddress(hex: string): string {
  if (hex.length === 8) return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
  const words = hex.match(/.{8}/g)!.map((w) => w.match(/../g)!.reverse().join(''));
  const groups = words.join('').match(/.{4}/g)!.map((g) => parseInt(g, 16).toString(16));
  const text = groups.join(':');
  if (text === '0:0:0:0:0:0:0:0') return '::';
  if (text === '0:0:0:0:0:0:0:1') return '::1';
  if (text.startsWith('0:0:0:0:0:ffff:')) return `::ffff:${[10, 12, 14, 16].map((i) => parseInt(words.join('').slice(i * 2, i * 2 + 2), 16)).join('.')}`;
  return text;
}

interface Listener { readonly address: string; readonly inode: string }

/** TCP sockets listening on `port` in our network namespace. */
function listeners(port: number): Listener[] {
  const found: Listener[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue; // LISTEN
      const [addr, portHex] = cols[1]!.split(':');
      if (parseInt(portHex!, 16) !== port) continue;
      found.push({ address: procAddress(addr!), inode: cols[9]! });
    }
  }
  return found;
}

/** The listener a connection to host:port reaches: the exact address before a wildcard one. */
function listenerFor(host: string, port: number): Listener | undefined {
  const all = listeners(port);
  const exact = all.find((l) => l.address === host || l.address === `::ffff:${host}`);
  return exact ?? all.find((l) => l.address === '0.0.0.0' || l.address === '::');
}

function ownsSocket(pid: number, inode: string): boolean {
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
    } catch {
      return false;
    }
  });
}

/** Which process holds the socket (bounded: the first 4096 processes), for the message. */
function socketOwner(inode: string): string | undefined {
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).slice(0, 4096);
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    if (!ownsSocket(Number(pid), inode)) continue;
    let command = '';
    try {
      command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 80);
    } catch {
      // gone
    }
    return `pid ${pid}${command ? `, ${command}` : ''}`;
  }
  return undefined;
}

export const registry: CheckKind<RegistryArgs> = {
  kind: 'registry',
  example: 'registry: {listen: "127.0.0.1:5000", has: "mybox:latest"}',
  validate(args) {
    const problems = mappingProblems(args, ['listen', 'has'], ['listen']);
    if (problems.length && typeof args !== 'object') return problems;
    const a = args as Record<string, unknown>;
    problems.push(...fieldType(a, 'listen', 'string'), ...fieldType(a, 'has', 'string'));
    if (typeof a.listen === 'string') {
      const listen = parseListen(a.listen);
      if (!listen) problems.push('field "listen" should be HOST:PORT, e.g. 127.0.0.1:5000');
      else if (listen.port === 0) problems.push('field "listen" needs the port the registry listens on (0, a free port chosen at start, cannot be checked)');
    }
    return problems;
  },
  async evaluate(args, context) {
    const address = parseListen(args.listen)!;
    const url = listenUrl(address);
    const engine = await context.engine();
    const record = engine.registries().serviceAt(url);
    const listener = listenerFor(address.host, address.port);
    const foreign = () => {
      const owner = listener ? socketOwner(listener.inode) : undefined;
      return `${args.listen} is held by another program${owner ? ` (${owner})` : ''}, not a registry this lab started: stop it, or use a free port (berth registry start --listen 127.0.0.1:PORT)`;
    };
    if (!record) {
      if (listener) return fail(foreign());
      return fail(`no registry started by berth listens on ${args.listen} yet (berth registry start --listen ${args.listen})`);
    }
    if (!listener) return fail(`the registry berth started (pid ${record.pid}) is not listening on ${args.listen} yet`);
    if (!ownsSocket(record.pid, listener.inode)) return fail(foreign());
    let response: Response;
    try {
      response = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(3000) });
      await response.arrayBuffer();
    } catch (error) {
      return fail(`the registry on ${args.listen} does not answer yet (${(error as Error).message})`);
    }
    if (response.status !== 200) return fail(`the registry on ${args.listen} answered ${response.status} on /v2/`);
    if (args.has === undefined) return pass(`berth's registry (pid ${record.pid}) answers on ${args.listen}`);
    const at = args.has.lastIndexOf(':');
    const [repository, tag] = at > 0 && !args.has.slice(at).includes('/') ? [args.has.slice(0, at), args.has.slice(at + 1)] : [args.has, 'latest'];
    let tags: string[] = [];
    try {
      const list = await fetch(`${url}/v2/${repository}/tags/list`, { signal: AbortSignal.timeout(3000) });
      if (list.ok) tags = ((await list.json()) as { tags?: string[] | null }).tags ?? [];
    } catch {
      tags = [];
    }
    if (!tags.includes(tag)) return fail(`${repository}:${tag} is not in the registry on ${args.listen} yet`);
    return pass(`${repository}:${tag} is in berth's registry on ${args.listen}`);
  },
};
