// Per-container cgroups on v1 (one directory per controller hierarchy) and v2
// (one directory), with memory, CPU and pids limits that the kernel enforces.
// Layout: <hierarchy>/<parent>/<container id>, where the parent is the
// cgroup-parent setting ("berth" by default), so `berth` never touches anyone
// else's cgroups.  Which cgroups and which parent come in a CgroupHost, made
// from the engine's settings by cgroupHost(settings).
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, invalid, isErrno } from '../errors.js';
import { CGROUP_NAME, checkCgroupParent } from './cgroup-parent.js';
import { checkLimits, type Limits } from './cgroup-limits.js';
import { emptyCgroup, removeTree, subtree } from './cgroup-files.js';
import { attachDeviceFilter } from './device-filter.js';
import type { OciDeviceRule } from './oci-types.js';
import type { CgroupStats } from './cgroup-stats.js';
import { applyV1Devices, applyV1Limits, createV1Dirs, readV1, v1Hierarchies } from './cgroup-v1.js';
import { applyV2Limits, createV2Dir, readV2 } from './cgroup-v2.js';

export type { Limits } from './cgroup-limits.js';
export type { CgroupStats } from './cgroup-stats.js';

export const CGROUP_ROOT = '/sys/fs/cgroup';

/** What the engine stores about a container's cgroup, enough to read and remove it later. */
export interface Cgroup {
  readonly version: 1 | 2;
  /** one directory per v1 hierarchy, or the single v2 directory */
  readonly paths: string[];
  /** the cgroup.procs files the container's init writes its pid to, to join */
  readonly procsFiles: string[];
  /** "/<parent>/<id>": the same cgroup as config.json's linux.cgroupsPath, for runc */
  readonly ociPath: string;
}

/** Where one engine's cgroups live: this machine's (or a test's own cgroup2 mount), under its parent. */
export interface CgroupHost {
  readonly version: 1 | 2;
  /** v2: the cgroup2 mount; v1: the directory the hierarchies are mounted in */
  readonly root: string;
  /** v1 only: the mounted controller hierarchies */
  readonly hierarchies: readonly string[];
  /** the cgroup-parent setting: containers' cgroups are <hierarchy>/<parent>/<id> */
  readonly parent: string;
}

/** The settings a CgroupHost is made from (the engine's Settings has them). */
export interface CgroupSettings {
  readonly cgroupParent: string;
  /** a cgroup2 mount to use as if it were the only one */
  readonly cgroup2Root?: string;
}

/** The cgroup mounts alone, without a parent: what a container's /sys/fs/cgroup is made from. */
export type MachineCgroups = Omit<CgroupHost, 'parent'>;
const detected = new Map<string, MachineCgroups>();

/** The machine's cgroups: v2 when /sys/fs/cgroup is a pure cgroup2 mount, else v1 (hybrid counts as v1). Read once. */
export function machineCgroups(cgroup2Root?: string): MachineCgroups {
  const key = cgroup2Root ?? '';
  const known = detected.get(key);
  if (known) return known;
  let found: MachineCgroups;
  if (cgroup2Root) {
    // For tests of the v2 code paths on a hybrid machine: its cgroup2 mount (no controllers, so no limits) as if it were the only one.
    if (!fs.existsSync(path.join(cgroup2Root, 'cgroup.controllers'))) {
      throw invalid(`BERTH_CGROUP2_ROOT=${cgroup2Root} is not a cgroup2 mount (no cgroup.controllers there): unset the cgroup2-root setting or name a cgroup2 mount`);
    }
    found = { version: 2, root: cgroup2Root, hierarchies: [] };
  } else if (fs.existsSync(path.join(CGROUP_ROOT, 'cgroup.controllers'))) {
    found = { version: 2, root: CGROUP_ROOT, hierarchies: [] };
  } else {
    if (v1Hierarchies().length === 0) {
      throw new BerthError('permission', `no cgroup filesystem is mounted at ${CGROUP_ROOT}: mount cgroup2 there (mount -t cgroup2 none ${CGROUP_ROOT}) or the v1 controllers`);
    }
    // Also name=systemd and a hybrid machine's cgroup2 mount: runc joins those too.
    found = { version: 1, root: CGROUP_ROOT, hierarchies: v1Hierarchies(undefined, true).map((h) => h.mountPoint) };
  }
  detected.set(key, found);
  return found;
}

/** The cgroups an engine with these settings uses. */
export function cgroupHost(settings: CgroupSettings): CgroupHost {
  return { ...machineCgroups(settings.cgroup2Root), parent: checkCgroupParent(settings.cgroupParent) };
}

/** This machine's cgroup version (its /sys/fs/cgroup, whatever an engine's cgroup2-root setting says). */
export function cgroupVersion(): 1 | 2 {
  return machineCgroups(undefined).version;
}

function checkId(id: string): void {
  if (!CGROUP_NAME.test(id)) throw invalid(`invalid container id "${id}" for a cgroup name: use letters, digits, "_", "." and "-"`);
}

function recordFor(host: CgroupHost, relative: string, dirs: string[]): Cgroup {
  return { version: host.version, paths: dirs, procsFiles: dirs.map((dir) => path.join(dir, 'cgroup.procs')), ociPath: `/${relative}` };
}

/**
 * The devices allow-list (config.json's linux.resources.devices, in order):
 * v1 writes each rule to devices.allow / devices.deny of the container's
 * devices directory; v2 attaches a BPF_PROG_TYPE_CGROUP_DEVICE program built
 * from the same rules (device-filter.ts).  Done before any process joins.
 */
export function applyDeviceRules(version: 1 | 2, dirs: readonly string[], rules: readonly OciDeviceRule[]): void {
  if (version === 2) {
    if (!dirs[0]) throw new BerthError('internal', 'no cgroup directory to attach the device filter to');
    try {
      attachDeviceFilter(dirs[0], rules);
    } catch (error) {
      throw new BerthError('permission', `cannot apply the devices allow-list to cgroup ${dirs[0]} (a BPF_PROG_TYPE_CGROUP_DEVICE program, as on any cgroup v2 host; needs CONFIG_CGROUP_BPF): ${(error as Error).message}`, { cause: error });
    }
  } else {
    applyV1Devices(dirs, rules);
  }
}

/**
 * Creates the container's cgroup and writes its limits and, when given, its
 * devices allow-list.  An existing cgroup of the same id is reused (a
 * restarted container).  On failure nothing of the container's is left; the
 * parent stays, it is shared.
 */
export function createCgroup(id: string, limits: Limits, host: CgroupHost, devices?: readonly OciDeviceRule[]): Cgroup {
  checkId(id);
  checkLimits(limits);
  const relative = `${checkCgroupParent(host.parent)}/${id}`;
  const dirs = host.version === 2 ? [createV2Dir(host.root, relative, limits)] : createV1Dirs(v1Of(host), relative).dirs;
  try {
    if (host.version === 2) applyV2Limits(dirs[0]!, limits); else applyV1Limits(dirs, limits);
    if (devices) applyDeviceRules(host.version, dirs, devices);
  } catch (error) {
    for (const dir of dirs) try { fs.rmdirSync(dir); } catch { /* reported by leftovers checks */ }
    throw error;
  }
  return recordFor(host, relative, dirs);
}

function v1Of(host: CgroupHost) {
  const all = v1Hierarchies(undefined, true);
  return host.hierarchies.map((mountPoint) => all.find((h) => h.mountPoint === mountPoint) ?? { mountPoint, controllers: [path.basename(mountPoint)] });
}

/** Usage, limits and the OOM verdict, read from the kernel now. */
export function readCgroup(cg: Cgroup): CgroupStats {
  return cg.version === 2 ? readV2(cg.paths[0]!) : readV1(cg.paths);
}

export interface RemoveCgroupOptions {
  /** how long rmdir is retried while the kernel calls a directory busy (runc: a few tries, ~150 ms) */
  readonly busyTimeoutMs?: number;
  /** how long processes still in it are SIGKILLed before giving up (default 10 s) */
  readonly killTimeoutMs?: number;
}

/**
 * Kills whatever still runs in the cgroup and in any sub-cgroup the container
 * made inside it (a container with a cgroup namespace and CAP_SYS_ADMIN in a
 * user namespace can mkdir there), then removes every directory, deepest
 * first, in every hierarchy — as runc's RemovePath does.  Safe to call twice,
 * or on a cgroup that was never fully made.  If a directory still cannot be
 * removed, the error names it and what to do; the caller reports it for this
 * container only (it must never stop commands about other containers).
 */
export async function removeCgroup(cg: Cgroup, options: RemoveCgroupOptions = {}): Promise<void> {
  const trees = cg.paths.map((dir) => subtree(dir));
  const procs = trees.flat().map((dir) => path.join(dir, 'cgroup.procs')).filter((file) => fs.existsSync(file));
  // v2: cgroup.kill on the top kills the whole subtree inside the kernel.
  const killFile = cg.version === 2 ? path.join(cg.paths[0]!, 'cgroup.kill') : undefined;
  if (procs.length > 0) await emptyCgroup(procs, killFile, options.killTimeoutMs);
  const failures: string[] = [];
  for (const tree of trees) {
    try {
      await removeTree(tree, options.busyTimeoutMs);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  if (failures.length > 0) {
    throw new BerthError('internal', `${failures.join('; ')}: remove ${failures.length > 1 ? 'them' : 'it'} by hand (rmdir, deepest directory first, after unmounting anything mounted there and killing what runs in it)`);
  }
}

/** The ids that have a cgroup under the parent: after a crash, the engine compares them with its containers. */
export function listCgroups(host: CgroupHost): string[] {
  const parent = checkCgroupParent(host.parent);
  const bases = host.version === 2 ? [host.root] : host.hierarchies;
  const ids = new Set<string>();
  for (const base of bases) {
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(path.join(base, parent), { withFileTypes: true });
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
    }
    for (const entry of entries) if (entry.isDirectory()) ids.add(entry.name);
  }
  return [...ids].sort();
}

/** The record for an id found by listCgroups, so that a leftover can be read or removed. */
export function cgroupFor(id: string, host: CgroupHost): Cgroup {
  checkId(id);
  const relative = `${checkCgroupParent(host.parent)}/${id}`;
  const bases = host.version === 2 ? [host.root] : host.hierarchies;
  return recordFor(host, relative, bases.map((base) => path.join(base, relative)));
}

/**
 * Where a process sits: hierarchy -> path, from /proc/<pid>/cgroup.  The key
 * is the controller list ("memory", "cpu,cpuacct") on v1 and "" for v2.
 */
export function cgroupOf(pid: number | 'self'): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (match) map.set(match[1]!, match[2]!);
  }
  return map;
}
