// cgroup v1: one hierarchy per controller (or per mounted group of them, like
// "cpu,cpuacct"), so a container has one directory in each.  The limits go to
// whichever of its directories holds the matching control file.
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, explainSystemError, isErrno } from '../errors.js';
import { CFS_PERIOD_US, type Limits, pidsMax, quotaUs } from './cgroup-limits.js';
import { dirWith, readControl, readKeyed, readNumber, writeControl } from './cgroup-files.js';
import type { CgroupStats } from './cgroup-stats.js';
import { v1DeviceRule } from './device-filter.js';
import type { OciDeviceRule } from './oci-types.js';

export interface V1Hierarchy {
  /** where it is mounted, e.g. /sys/fs/cgroup/memory */
  readonly mountPoint: string;
  /** the controllers it carries, e.g. ['cpu', 'cpuacct'] */
  readonly controllers: readonly string[];
  /** a named hierarchy's name ("systemd" for name=systemd); neither name nor controllers: a hybrid machine's cgroup2 */
  readonly name?: string;
}

/** Undoes the octal escapes mountinfo uses for spaces and such in paths. */
function unescapeMountinfo(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * The v1 hierarchies, from the kernel's own mount table.  With `all`, also
 * the ones that hold no limits but that runc puts containers in too: named
 * hierarchies (name=systemd) and a hybrid machine's cgroup2 mount; a cgroup
 * left there after a crash must be found and removed like the others.  A
 * hierarchy mounted twice is used once.
 */
export function v1Hierarchies(mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8'), all = false): V1Hierarchy[] {
  const found: V1Hierarchy[] = [];
  const seen = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const [fstype, , superOptions = ''] = right.split(' ');
    if (fstype !== 'cgroup' && !(all && fstype === 'cgroup2')) continue;
    const options = superOptions.split(',');
    const controllers = fstype === 'cgroup2' ? [] : options.filter((o) => o !== 'rw' && o !== 'ro' && !o.includes('=') && !/^(clone_children|noprefix|xattr|cpuset_v2_mode|nosuid|nodev|noexec|relatime)$/.test(o));
    const named = options.find((o) => o.startsWith('name='));
    const key = fstype === 'cgroup2' ? 'cgroup2' : [...controllers].sort().join(',') || named || '';
    if (key === '' || seen.has(key) || (!all && controllers.length === 0)) continue;
    seen.add(key);
    const hierarchy: V1Hierarchy = { mountPoint: unescapeMountinfo(left.split(' ')[4] ?? ''), controllers };
    found.push(named && fstype === 'cgroup' ? { ...hierarchy, name: named.slice(5) } : hierarchy);
  }
  return found;
}

/** cpuset refuses tasks until cpus and mems are set, and a new cgroup starts with both empty. */
function inheritCpuset(dir: string): void {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    const own = readControl(path.join(dir, file));
    if (own === undefined || own !== '') continue;
    const fromParent = readControl(path.join(path.dirname(dir), file)) ?? '';
    writeControl(path.join(dir, file), fromParent);
  }
}

function mkdirCgroup(dir: string): boolean {
  try {
    fs.mkdirSync(dir);
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    throw new BerthError(isErrno(error, 'EACCES') || isErrno(error, 'EPERM') ? 'permission' : 'internal',
      `cannot create cgroup ${dir}: ${explainSystemError(error)}`, { cause: error });
  }
}

/** mkdir -p from the hierarchy's root down to `relative`, seeding cpuset at each level. */
function makeLevels(hierarchy: V1Hierarchy, relative: string, created: string[]): string {
  let dir = hierarchy.mountPoint;
  for (const segment of relative.split('/')) {
    dir = path.join(dir, segment);
    if (mkdirCgroup(dir)) created.push(dir);
    if (hierarchy.controllers.includes('cpuset')) inheritCpuset(dir);
  }
  return dir;
}

function missing(controller: string): BerthError {
  return new BerthError('permission', `the cgroup v1 ${controller} controller is not mounted under /sys/fs/cgroup: mount it (mount -t cgroup -o ${controller} cgroup /sys/fs/cgroup/${controller}) or drop the limit`);
}

/** Writes the limits; on v1 a hierarchy may be absent, which only matters if that limit was asked for. */
export function applyV1Limits(dirs: readonly string[], limits: Limits): void {
  if (limits.memoryBytes !== undefined) {
    const dir = dirWith(dirs, 'memory.limit_in_bytes') ?? (() => { throw missing('memory'); })();
    writeControl(path.join(dir, 'memory.limit_in_bytes'), String(limits.memoryBytes));
    // memory+swap equal to memory: no swap on top, as Docker does for -m alone.
    if (fs.existsSync(path.join(dir, 'memory.memsw.limit_in_bytes'))) {
      writeControl(path.join(dir, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
    }
  }
  if (limits.cpus !== undefined) {
    const dir = dirWith(dirs, 'cpu.cfs_quota_us') ?? (() => { throw missing('cpu'); })();
    writeControl(path.join(dir, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
    writeControl(path.join(dir, 'cpu.cfs_quota_us'), String(quotaUs(limits.cpus)));
  }
  if (limits.pidsLimit !== undefined) {
    const dir = dirWith(dirs, 'pids.max') ?? (() => { throw missing('pids'); })();
    writeControl(path.join(dir, 'pids.max'), pidsMax(limits.pidsLimit));
  }
}

/**
 * The devices allow-list, rule by rule in config.json's order, as runc's v1
 * devices controller writes it: "a" to devices.deny first (Docker's first rule
 * denies everything), then each allow to devices.allow.  A cgroup the
 * container makes below inherits the list and can never widen it.
 */
export function applyV1Devices(dirs: readonly string[], rules: readonly OciDeviceRule[]): void {
  const dir = dirWith(dirs, 'devices.allow');
  if (!dir) throw new BerthError('permission', `the cgroup v1 devices controller is not mounted under /sys/fs/cgroup, so the devices allow-list cannot be applied: mount it (mount -t cgroup -o devices cgroup /sys/fs/cgroup/devices)`);
  for (const rule of rules) writeControl(path.join(dir, rule.allow ? 'devices.allow' : 'devices.deny'), v1DeviceRule(rule));
}

/** Creates <hierarchy>/<relative> in every hierarchy; returns the leaf dirs and the ones it made. */
export function createV1Dirs(hierarchies: readonly V1Hierarchy[], relative: string): { dirs: string[]; created: string[] } {
  const dirs: string[] = [];
  const created: string[] = [];
  try {
    for (const hierarchy of hierarchies) dirs.push(makeLevels(hierarchy, relative, created));
  } catch (error) {
    // Leave no half-made container cgroup behind (parents stay: they are shared).
    for (const dir of created.reverse()) if (dir.endsWith(`/${relative}`)) try { fs.rmdirSync(dir); } catch { /* busy: reported later */ }
    throw error;
  }
  return { dirs, created };
}

/** blkio.throttle.io_service_bytes_recursive: "8:0 Read 4096" lines, summed over devices. */
function blkioBytes(dirs: readonly string[]): { read?: number; write?: number } {
  const file = ['blkio.throttle.io_service_bytes_recursive', 'blkio.io_service_bytes_recursive', 'blkio.throttle.io_service_bytes']
    .map((name) => { const dir = dirWith(dirs, name); return dir && path.join(dir, name); }).find(Boolean);
  if (!file) return {};
  let read = 0, write = 0;
  for (const line of (readControl(file) ?? '').split('\n')) {
    const [, op, value] = line.split(' ');
    if (op === 'Read') read += Number(value);
    if (op === 'Write') write += Number(value);
  }
  return { read, write };
}

export function readV1(dirs: readonly string[]): CgroupStats {
  const memory = dirWith(dirs, 'memory.usage_in_bytes');
  const stats: CgroupStats = { memoryUsage: 0, memoryLimit: null, oomKilled: false, oomKills: 0, pids: 0, pidsLimit: null, cpuUsageNs: 0 };
  if (memory) {
    const usage = readNumber(path.join(memory, 'memory.usage_in_bytes')) ?? 0;
    const memStat = readKeyed(path.join(memory, 'memory.stat'));
    // As `docker stats` shows it: page cache that could be dropped is not "used".
    stats.memoryUsage = Math.max(0, usage - (memStat.get('total_inactive_file') ?? 0));
    stats.memoryLimit = readNumber(path.join(memory, 'memory.limit_in_bytes')) ?? null;
    const oom = readKeyed(path.join(memory, 'memory.oom_control'));
    if (oom.has('oom_kill')) {
      stats.oomKills = oom.get('oom_kill') ?? 0;
    } else {
      // Kernels before 4.13 lack the counter: a failed charge at the limit is the best sign left.
      const failcnt = readNumber(path.join(memory, 'memory.failcnt')) ?? 0;
      const peak = readNumber(path.join(memory, 'memory.max_usage_in_bytes')) ?? 0;
      stats.oomKills = failcnt > 0 && stats.memoryLimit !== null && peak >= stats.memoryLimit ? 1 : 0;
    }
    stats.oomKilled = stats.oomKills > 0;
  }
  const pids = dirWith(dirs, 'pids.current');
  if (pids) {
    stats.pids = readNumber(path.join(pids, 'pids.current')) ?? 0;
    stats.pidsLimit = readNumber(path.join(pids, 'pids.max')) ?? null;
  }
  const cpuacct = dirWith(dirs, 'cpuacct.usage');
  if (cpuacct) stats.cpuUsageNs = readNumber(path.join(cpuacct, 'cpuacct.usage')) ?? 0;
  const blkio = blkioBytes(dirs);
  if (blkio.read !== undefined) stats.blkioReadBytes = blkio.read;
  if (blkio.write !== undefined) stats.blkioWriteBytes = blkio.write;
  return stats;
}
