// Per-container cgroups on v1 (one directory per controller hierarchy) and v2
// (one directory), with memory, CPU and pids limits that the kernel enforces.
// Layout: <hierarchy>/<parent>/<container id>, where the parent is
// $BERTH_CGROUP_PARENT or "berth", so `berth` never touches anyone else's cgroups.
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, invalid, isErrno } from '../errors.js';
import { checkLimits, type Limits } from './cgroup-limits.js';
import { emptyCgroup, removeDir } from './cgroup-files.js';
import type { CgroupStats } from './cgroup-stats.js';
import { applyV1Limits, createV1Dirs, readV1, v1Hierarchies } from './cgroup-v1.js';
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

/** Where cgroups live on this machine.  Tests pass their own (e.g. a separate cgroup2 mount). */
export interface CgroupHost {
  readonly version: 1 | 2;
  /** v2: the cgroup2 mount; v1: the directory the hierarchies are mounted in */
  readonly root: string;
  /** v1 only: the mounted controller hierarchies */
  readonly hierarchies: readonly string[];
}

let cachedHost: CgroupHost | undefined;

/** This machine's cgroups: v2 when /sys/fs/cgroup is a pure cgroup2 mount, else v1 (hybrid counts as v1). */
export function cgroupHost(): CgroupHost {
  if (cachedHost) return cachedHost;
  if (fs.existsSync(path.join(CGROUP_ROOT, 'cgroup.controllers'))) {
    cachedHost = { version: 2, root: CGROUP_ROOT, hierarchies: [] };
  } else {
    if (v1Hierarchies().length === 0) {
      throw new BerthError('permission', `no cgroup filesystem is mounted at ${CGROUP_ROOT}: mount cgroup2 there (mount -t cgroup2 none ${CGROUP_ROOT}) or the v1 controllers`);
    }
    // Also name=systemd and a hybrid machine's cgroup2 mount: runc joins those too.
    cachedHost = { version: 1, root: CGROUP_ROOT, hierarchies: v1Hierarchies(undefined, true).map((h) => h.mountPoint) };
  }
  return cachedHost;
}

export function cgroupVersion(): 1 | 2 {
  return cgroupHost().version;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** The parent, checked: it becomes part of paths under /sys/fs/cgroup, so no "..", no "/x". */
export function cgroupParent(): string {
  const parent = process.env.BERTH_CGROUP_PARENT || 'berth';
  if (!parent.split('/').every((segment) => NAME.test(segment))) {
    throw invalid(`invalid cgroup parent "${parent}" (from BERTH_CGROUP_PARENT): use names of letters, digits, "_", "." and "-", separated by "/"`);
  }
  return parent;
}

function checkId(id: string): void {
  if (!NAME.test(id)) throw invalid(`invalid container id "${id}" for a cgroup name: use letters, digits, "_", "." and "-"`);
}

function recordFor(host: CgroupHost, relative: string, dirs: string[]): Cgroup {
  return { version: host.version, paths: dirs, procsFiles: dirs.map((dir) => path.join(dir, 'cgroup.procs')), ociPath: `/${relative}` };
}

/**
 * Creates the container's cgroup and writes its limits.  An existing cgroup of
 * the same id is reused (a restarted container).  On failure nothing of the
 * container's is left; the parent stays, it is shared.
 */
export function createCgroup(id: string, limits: Limits = {}, host: CgroupHost = cgroupHost()): Cgroup {
  checkId(id);
  checkLimits(limits);
  const relative = `${cgroupParent()}/${id}`;
  const dirs = host.version === 2 ? [createV2Dir(host.root, relative, limits)] : createV1Dirs(v1Of(host), relative).dirs;
  try {
    if (host.version === 2) applyV2Limits(dirs[0]!, limits); else applyV1Limits(dirs, limits);
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

/**
 * Kills whatever still runs in the cgroup, then removes its directories.
 * Safe to call twice, or on a cgroup that was never fully made.
 */
export async function removeCgroup(cg: Cgroup): Promise<void> {
  const present = cg.procsFiles.filter((file) => fs.existsSync(file));
  const killFile = cg.version === 2 ? path.join(cg.paths[0]!, 'cgroup.kill') : undefined;
  if (present.length > 0) await emptyCgroup(present, killFile);
  for (const dir of cg.paths) await removeDir(dir);
}

/** The ids that have a cgroup under the parent: after a crash, the engine compares them with its containers. */
export function listCgroups(host: CgroupHost = cgroupHost()): string[] {
  const parent = cgroupParent();
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
export function cgroupFor(id: string, host: CgroupHost = cgroupHost()): Cgroup {
  checkId(id);
  const relative = `${cgroupParent()}/${id}`;
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
