// Builds the OCI runtime config.json for a container: its process, its view of
// the filesystem, its namespaces and limits, with Docker's defaults for
// everything the user did not choose.  The same file runs under runc
// (`berth run --runtime oci`) and under berth's native runtime, which
// converts it with the helpers re-exported at the end.
import path from 'node:path';
import { invalid } from '../errors.js';
import { checkLimits, CFS_PERIOD_US, type Limits, quotaUs } from './cgroup-limits.js';
import {
  CGROUP_MOUNT, DEFAULT_DEVICES, DEFAULT_MOUNTS, DEVICE_RULES, MASKED_PATHS, READONLY_PATHS,
} from './oci-defaults.js';
import type { OciMount, OciNamespace, OciSpec } from './oci-types.js';
import { deviceEntries } from '../security/devices.js';
import { ociSeccomp } from '../security/seccomp.js';
import { resolveSecurity } from '../security/options.js';
import type { SecurityConfig } from '../security/types.js';

export type { OciSpec, OciMount, OciDevice, OciNamespace } from './oci-types.js';
export { capabilityNumber, capabilityName } from './capabilities.js';
export { mountFlags, type MountArguments } from './mount-options.js';
export {
  DEFAULT_CAPABILITIES, DEFAULT_DEV_SYMLINKS, DEFAULT_DEVICES, DEFAULT_MOUNTS, MASKED_PATHS, READONLY_PATHS,
} from './oci-defaults.js';

export const OCI_VERSION = '1.0.2';

/** none: a network namespace with only loopback; host: the host's; netnsPath: join one made by the network code. */
export type NetworkChoice = 'none' | 'host' | { readonly netnsPath: string };

export interface BuildSpecInput {
  readonly id: string;
  /** the container's root filesystem, an absolute host path (the storage driver's mount) */
  readonly rootfs: string;
  readonly args: readonly string[];
  /** "KEY=value" strings, already completed by defaultEnv() */
  readonly env: readonly string[];
  readonly cwd?: string;
  readonly hostname?: string;
  readonly user: { readonly uid: number; readonly gid: number; readonly additionalGids?: readonly number[] };
  readonly tty?: boolean;
  readonly consoleSize?: { readonly rows: number; readonly cols: number };
  readonly network?: NetworkChoice;
  /** bind volumes: host source -> container destination */
  readonly mounts?: ReadonlyArray<{ readonly source: string; readonly destination: string; readonly readonly?: boolean }>;
  /** linux.cgroupsPath, e.g. "/berth/<id>" (Cgroup.ociPath) */
  readonly cgroupsPath?: string;
  readonly limits?: Limits;
  readonly readonlyRootfs?: boolean;
  /** mount the container's cgroup read-only at /sys/fs/cgroup, as Docker does (runc handles v1 and v2) */
  readonly cgroupfs?: boolean;
  /** capabilities, seccomp, devices, privileged (security/options.ts resolveSecurity); Docker's defaults when absent */
  readonly security?: SecurityConfig;
}

function absolute(what: string, value: string): string {
  if (typeof value !== 'string' || !path.isAbsolute(value)) throw invalid(`${what} must be an absolute path, got ${JSON.stringify(value)}`);
  return path.normalize(value);
}

function checkId(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) throw invalid(`${what} must be in range 0-2147483647, got ${value}`);
  return value;
}

function namespaces(network: NetworkChoice): OciNamespace[] {
  const list: OciNamespace[] = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }];
  if (network === 'none') list.push({ type: 'network' });
  else if (typeof network === 'object' && network !== null) list.push({ type: 'network', path: absolute('network namespace path', network.netnsPath) });
  else if (network !== 'host') throw invalid(`unknown network mode ${JSON.stringify(network)}: use none, host or a namespace path`);
  return list;
}

function volumeMounts(input: BuildSpecInput): OciMount[] {
  return (input.mounts ?? []).map((m) => {
    const destination = absolute('a volume destination', m.destination);
    if (destination === '/') throw invalid(`invalid volume destination "/": a volume cannot replace the root filesystem`);
    // rprivate: mounts made later on the host do not appear in the container, nor the reverse.
    return { destination, type: 'bind', source: absolute('a volume source', m.source), options: ['rbind', 'rprivate', m.readonly ? 'ro' : 'rw'] };
  });
}

function resources(limits: Limits, deviceRules: OciSpec['linux']['resources']['devices']): OciSpec['linux']['resources'] {
  checkLimits(limits);
  const out: OciSpec['linux']['resources'] = { devices: deviceRules };
  // swap is memory+swap in OCI: the same number means no swap at all.
  if (limits.memoryBytes !== undefined) out.memory = { limit: limits.memoryBytes, swap: limits.memoryBytes };
  if (limits.cpus !== undefined) out.cpu = { quota: quotaUs(limits.cpus), period: CFS_PERIOD_US };
  if (limits.pidsLimit !== undefined && limits.pidsLimit > 0) out.pids = { limit: limits.pidsLimit };
  return out;
}

/** The config.json object for one container; throws BerthError 'invalid' on bad input. */
export function buildOciSpec(input: BuildSpecInput): OciSpec {
  if (!Array.isArray(input.args) || input.args.length === 0) throw invalid(`no command given for container ${input.id}: set CMD or ENTRYPOINT, or give one after the image name`);
  for (const entry of input.env) if (!entry.includes('=')) throw invalid(`invalid environment entry "${entry}": use KEY=value`);
  const security = input.security ?? resolveSecurity({});
  const caps = [...security.capabilities];
  const extra = deviceEntries(security.devices, security.privileged);
  // --privileged: every device may be used, as on the host (Docker's "a" rule).
  const deviceRules = security.privileged ? [{ allow: true, access: 'rwm' }] : [...DEVICE_RULES.map((rule) => ({ ...rule })), ...extra.rules];
  const mounts = DEFAULT_MOUNTS.map((m) => ({ ...m, options: [...(m.options ?? [])] }));
  // --privileged sees /sys (and its cgroups) writable, as Docker gives it.
  if (security.privileged) for (const m of mounts) if (m.type === 'sysfs') m.options = m.options.filter((o) => o !== 'ro');
  const cgroupMount = security.privileged ? { ...CGROUP_MOUNT, options: CGROUP_MOUNT.options!.filter((o) => o !== 'ro') } : { ...CGROUP_MOUNT };
  const seccomp = security.privileged && security.seccomp.kind === 'default' ? undefined : ociSeccomp(security.seccomp, caps);
  const spec: OciSpec = {
    ociVersion: OCI_VERSION,
    root: { path: absolute('the rootfs', input.rootfs), readonly: input.readonlyRootfs ?? security.readonlyRootfs },
    hostname: input.hostname || input.id.slice(0, 12),
    process: {
      terminal: input.tty ?? false,
      user: {
        uid: checkId(input.user.uid, 'uid'),
        gid: checkId(input.user.gid, 'gid'),
        additionalGids: [...new Set(input.user.additionalGids ?? [])].map((g) => checkId(g, 'gid')),
      },
      args: [...input.args],
      env: [...input.env],
      cwd: absolute('the working directory', input.cwd || '/'),
      // Inheritable stays empty (Docker since 20.10.14, CVE-2022-24769): exec'd
      // programs with file capabilities must not gain more than the container has.
      capabilities: { bounding: caps, effective: [...caps], permitted: [...caps], inheritable: [], ambient: [] },
      noNewPrivileges: security.noNewPrivileges,
    },
    mounts: [...mounts, ...(input.cgroupfs ? [cgroupMount] : []), ...volumeMounts(input)],
    linux: {
      cgroupsPath: input.cgroupsPath ?? '',
      namespaces: namespaces(input.network ?? 'none'),
      devices: [...DEFAULT_DEVICES.map((d) => ({ ...d })), ...extra.devices.filter((d) => !DEFAULT_DEVICES.some((x) => x.path === d.path))],
      maskedPaths: security.maskPaths ? [...MASKED_PATHS] : [],
      readonlyPaths: security.maskPaths ? [...READONLY_PATHS] : [],
      resources: resources(input.limits ?? {}, deviceRules),
    },
  };
  if (seccomp) spec.linux.seccomp = seccomp;
  if (input.tty && input.consoleSize) spec.process.consoleSize = { height: input.consoleSize.rows, width: input.consoleSize.cols };
  if (!spec.linux.cgroupsPath) delete (spec.linux as Partial<OciSpec['linux']>).cgroupsPath;
  return spec;
}
