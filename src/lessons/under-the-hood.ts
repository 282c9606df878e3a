// Live facts about what a step touched, for the TUI's "under the hood"
// panel: the container's host pid, its namespaces (next to the host's), its
// cgroup and usage, its root filesystem mount and layers, its address,
// published ports and NAT rules.  Read from the engine and /proc; no Ink.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { type Engine, type ContainerRecord, CAP_LAST_CAP, capabilityName } from '../engine/index.js';
import { lessonContainers } from './cleanup.js';

export interface Fact {
  readonly label: string;
  readonly value: string;
}

const NAMESPACES = ['pid', 'uts', 'net', 'mnt', 'ipc', 'cgroup'];

function link(file: string): string {
  try {
    return fs.readlinkSync(file).replace(/^[a-z]+:\[(\d+)\]$/, '$1');
  } catch {
    return '?';
  }
}

/** The container a step is about: one it names in its check, else the lesson's newest. */
export async function touchedContainer(engine: Engine, lessonId: string, named: readonly string[]): Promise<ContainerRecord | undefined> {
  for (const name of named) {
    try {
      return await engine.inspect(name);
    } catch {
      // not made yet
    }
  }
  return (await lessonContainers(engine, lessonId))[0];
}

export async function containerFacts(engine: Engine, record: ContainerRecord): Promise<Fact[]> {
  const facts: Fact[] = [];
  const add = (label: string, value: string) => facts.push({ label, value });
  add('container', `${record.name} (${record.id.slice(0, 12)}) from ${record.imageName}, ${record.state.status}${record.state.status === 'exited' ? ` (${record.state.exitCode})` : ''}`);
  const pid = record.state.status === 'running' ? record.state.pid : 0;
  if (pid > 0) {
    add('host pid', `${pid} (its PID 1; monitor ${record.state.monitorPid})`);
    add('namespaces', NAMESPACES.map((ns) => `${ns}:${link(`/proc/${pid}/ns/${ns}`)}${link(`/proc/${pid}/ns/${ns}`) === link(`/proc/1/ns/${ns}`) ? '=host' : ''}`).join(' '));
    const cgroup = (() => {
      try {
        return fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::') || l.includes('memory'))?.split(':').pop() ?? '';
      } catch {
        return '';
      }
    })();
    const [stats] = await engine.stats([record.id], 300).catch(() => []);
    add('cgroup', `${cgroup}${stats ? `: ${stats.cpuPercent.toFixed(1)}% cpu, ${(stats.memoryUsage / 1048576).toFixed(1)} MiB, ${stats.pids} pids` : ''}`);
    const root = rootMount(pid);
    if (root) add('root fs', root);
    const security = securityFacts(pid);
    if (security) {
      add('capabilities', security.capabilities);
      add('seccomp', security.seccomp);
    }
  }
  try {
    add('layers', `${engine.imageLayers(record.image).length} read-only (${engine.storageDriver}) + 1 writable`);
  } catch {
    add('layers', `${engine.storageDriver} driver`);
  }
  if (record.state.status !== 'running') {
    const changes = await engine.diff(record.id).catch(() => []);
    add('diff', changes.length ? changes.slice(0, 4).map((c) => `${c.kind} ${c.path}`).join(', ') + (changes.length > 4 ? ` (+${changes.length - 4})` : '') : 'no changes');
  }
  const network = record.network;
  if (network?.ipAddress) add('address', `${network.ipAddress}/${network.prefixLength ?? ''} on ${network.bridge ?? 'bridge'}, gateway ${network.gateway ?? '?'}`);
  else if (network) add('network', network.mode);
  if (network?.ports.length) {
    add('ports', network.ports.map((p) => `${p.hostIp || '0.0.0.0'}:${p.hostPort}->${p.containerPort}/${p.protocol}`).join(', '));
    if (pid > 0 && network.ipAddress) for (const rule of await natRules(network.ipAddress)) add('nat', rule);
  }
  return facts;
}

/** PID 1's capabilities decoded into names, and whether a seccomp filter is on (/proc/PID/status). */
function securityFacts(pid: number): { capabilities: string; seccomp: string } | undefined {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)$`, 'm').exec(status)?.[1] ?? '';
  const mask = BigInt(`0x${field('CapEff') || '0'}`);
  const names: string[] = [];
  for (let n = 0; n <= CAP_LAST_CAP; n++) if ((mask >> BigInt(n)) & 1n) names.push(capabilityName(n).slice(4).toLowerCase());
  const mode = field('Seccomp');
  const filters = field('Seccomp_filters');
  return {
    capabilities: `${field('CapEff')} = ${names.join(' ') || 'none'}`,
    seccomp: mode === '2' ? `filter on (${filters || '1'} program${filters === '1' ? '' : 's'})` : mode === '1' ? 'strict' : 'none',
  };
}

/** The container's root mount: overlay's lower/upper dirs shortened, or the driver's path. */
function rootMount(pid: number): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').find((l) => l.split(' ')[4] === '/');
  if (!line) return undefined;
  const [, after] = line.split(' - ');
  const [fstype, source, options = ''] = (after ?? '').split(' ');
  if (fstype === 'overlay') {
    const lower = /lowerdir=([^,]*)/.exec(options)?.[1]?.split(':').length ?? 0;
    const upper = /upperdir=([^,]*)/.exec(options)?.[1] ?? '';
    return `overlay: ${lower} lowerdir(s), upperdir …/${upper.split('/').slice(-2).join('/')}`;
  }
  return `${fstype} ${source}`;
}

async function natRules(address: string): Promise<string[]> {
  try {
    const { stdout } = await promisify(execFile)('iptables', ['-w', '-t', 'nat', '-S'], { timeout: 2000 });
    return stdout.split('\n').filter((l) => l.includes(`${address}:`) && l.includes('DNAT')).map((l) => l.replace(/^-A /, '').replace(/ -m comment --comment \S+/, ''));
  } catch {
    return [];
  }
}
