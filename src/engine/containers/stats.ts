// `stats`: what each running container uses, read from the kernel: CPU and
// memory and pids and block I/O from its cgroup, network bytes from its own
// network namespace (/proc/<pid>/net/dev).  CPU % is CPU time over wall time
// between two readings, 100% being one core, as Docker shows it.
import fs from 'node:fs';
import os from 'node:os';
import { readCgroup, cgroupFor, type CgroupHost } from '../runtime/cgroups.js';
import type { ContainerRecord } from './record.js';

export interface Reading {
  readonly at: number;
  readonly cpuUsageNs: number;
  readonly memoryUsage: number;
  readonly memoryLimit: number;
  readonly pids: number;
  readonly netRx: number;
  readonly netTx: number;
  readonly blockRead: number;
  readonly blockWrite: number;
}

export interface ContainerStats extends Reading {
  readonly id: string;
  readonly name: string;
  /** CPU time over wall time since the previous reading, 100 = one core */
  readonly cpuPercent: number;
  readonly memoryPercent: number;
}

/** Bytes received and sent on every interface but lo, in the network namespace of `pid`. */
export function networkBytes(pid: number): { rx: number; tx: number } {
  let text = '';
  try {
    text = fs.readFileSync(`/proc/${pid}/net/dev`, 'utf8');
  } catch {
    return { rx: 0, tx: 0 };
  }
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (!rest || name!.trim() === 'lo') continue;
    const fields = rest.trim().split(/\s+/).map(Number);
    rx += fields[0] ?? 0;
    tx += fields[8] ?? 0;
  }
  return { rx, tx };
}

export function readContainer(record: ContainerRecord, cgroups: CgroupHost): Reading {
  const cgroup = readCgroup(cgroupFor(record.id, cgroups));
  // --net host shares the host's counters: showing them as the container's would mislead.
  const net = record.hostConfig.networkMode === 'host' ? { rx: 0, tx: 0 } : networkBytes(record.state.pid);
  return {
    at: performanceNow(),
    cpuUsageNs: cgroup.cpuUsageNs,
    memoryUsage: cgroup.memoryUsage,
    memoryLimit: cgroup.memoryLimit ?? os.totalmem(),
    pids: cgroup.pids,
    netRx: net.rx,
    netTx: net.tx,
    blockRead: cgroup.blkioReadBytes ?? 0,
    blockWrite: cgroup.blkioWriteBytes ?? 0,
  };
}

function performanceNow(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000; // ms, monotonic
}

export function statsBetween(record: ContainerRecord, before: Reading, after: Reading): ContainerStats {
  const wallNs = (after.at - before.at) * 1e6;
  const cpuPercent = wallNs > 0 ? Math.max(0, ((after.cpuUsageNs - before.cpuUsageNs) / wallNs) * 100) : 0;
  return {
    ...after,
    id: record.id,
    name: record.name,
    cpuPercent,
    memoryPercent: after.memoryLimit > 0 ? (after.memoryUsage / after.memoryLimit) * 100 : 0,
  };
}
