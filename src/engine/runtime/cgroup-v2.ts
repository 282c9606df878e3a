// cgroup v2: one tree, one directory per container.  A controller works in a
// directory only if every ancestor lists it in cgroup.subtree_control, so
// creating a container's cgroup starts by switching controllers on from the
// root down to the parent.
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, explainSystemError, isErrno } from '../errors.js';
import { CFS_PERIOD_US, type Limits, pidsMax, quotaUs } from './cgroup-limits.js';
import { readControl, readKeyed, readNumber, writeControl } from './cgroup-files.js';
import type { CgroupStats } from './cgroup-stats.js';

/** The controllers berth uses when the kernel offers them: limits, stats, and cpuset for later. */
export const WANTED_V2 = ['cpuset', 'cpu', 'io', 'memory', 'pids', 'hugetlb'] as const;

/** The controllers each limit needs; asking for a limit whose controller is absent is an error. */
export function requiredControllers(limits: Limits): string[] {
  const needed: string[] = [];
  if (limits.memoryBytes !== undefined) needed.push('memory');
  if (limits.cpus !== undefined) needed.push('cpu');
  if (limits.pidsLimit !== undefined) needed.push('pids');
  return needed;
}

function words(file: string): Set<string> {
  return new Set((readControl(file) ?? '').split(/\s+/).filter(Boolean));
}

/**
 * Turns on controllers in <dir>/cgroup.subtree_control so that its children
 * get them.  Each is written alone: one refused controller (busy, or absent)
 * must not stop the others, and the error must say which one it was.
 */
export function enableSubtree(dir: string, wanted: readonly string[], required: readonly string[]): void {
  const available = words(path.join(dir, 'cgroup.controllers'));
  const enabled = words(path.join(dir, 'cgroup.subtree_control'));
  for (const name of required) {
    if (!available.has(name)) {
      throw new BerthError('permission', `the cgroup v2 ${name} controller is not available in ${dir} (not in its cgroup.controllers): enable it for that cgroup (with systemd: Delegate=yes) or drop the limit that needs it`);
    }
  }
  for (const name of new Set([...required, ...wanted])) {
    if (!available.has(name) || enabled.has(name)) continue;
    try {
      writeControl(path.join(dir, 'cgroup.subtree_control'), `+${name}`);
    } catch (error) {
      if (required.includes(name)) throw error;
    }
  }
}

/** mkdir -p from `root` down to `relative`, enabling controllers on every level above the leaf. */
export function createV2Dir(root: string, relative: string, limits: Limits): string {
  const required = requiredControllers(limits);
  let dir = root;
  for (const segment of relative.split('/')) {
    enableSubtree(dir, WANTED_V2, required);
    dir = path.join(dir, segment);
    try {
      fs.mkdirSync(dir);
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) {
        throw new BerthError(isErrno(error, 'EACCES') || isErrno(error, 'EPERM') ? 'permission' : 'internal',
          `cannot create cgroup ${dir}: ${explainSystemError(error)}`, { cause: error });
      }
    }
  }
  return dir;
}

export function applyV2Limits(dir: string, limits: Limits): void {
  if (limits.memoryBytes !== undefined) {
    writeControl(path.join(dir, 'memory.max'), String(limits.memoryBytes));
    // No swap on top of the limit: Docker's meaning of -m without --memory-swap.
    if (fs.existsSync(path.join(dir, 'memory.swap.max'))) writeControl(path.join(dir, 'memory.swap.max'), '0');
  }
  if (limits.cpus !== undefined) writeControl(path.join(dir, 'cpu.max'), `${quotaUs(limits.cpus)} ${CFS_PERIOD_US}`);
  if (limits.pidsLimit !== undefined) writeControl(path.join(dir, 'pids.max'), pidsMax(limits.pidsLimit));
}

/** io.stat: "8:0 rbytes=1 wbytes=2 rios=..." lines, summed over devices. */
function ioBytes(dir: string): { read?: number; write?: number } {
  const text = readControl(path.join(dir, 'io.stat'));
  if (text === undefined) return {};
  let read = 0, write = 0;
  for (const match of text.matchAll(/\b(rbytes|wbytes)=(\d+)/g)) {
    if (match[1] === 'rbytes') read += Number(match[2]); else write += Number(match[2]);
  }
  return { read, write };
}

export function readV2(dir: string): CgroupStats {
  const usage = readNumber(path.join(dir, 'memory.current')) ?? 0;
  const memStat = readKeyed(path.join(dir, 'memory.stat'));
  const events = readKeyed(path.join(dir, 'memory.events'));
  const oomKills = events.get('oom_kill') ?? 0;
  const stats: CgroupStats = {
    memoryUsage: Math.max(0, usage - (memStat.get('inactive_file') ?? 0)),
    memoryLimit: readNumber(path.join(dir, 'memory.max')) ?? null,
    oomKilled: oomKills > 0,
    oomKills,
    pids: readNumber(path.join(dir, 'pids.current')) ?? 0,
    pidsLimit: readNumber(path.join(dir, 'pids.max')) ?? null,
    // cpu.stat's usage_usec is there even without the cpu controller.
    cpuUsageNs: (readKeyed(path.join(dir, 'cpu.stat')).get('usage_usec') ?? 0) * 1000,
  };
  const io = ioBytes(dir);
  if (io.read !== undefined) stats.blkioReadBytes = io.read;
  if (io.write !== undefined) stats.blkioWriteBytes = io.write;
  return stats;
}
