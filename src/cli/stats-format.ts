// Docker's `stats` columns, shared by the one-shot table and the live screen.
import { binarySize, type ContainerStats, humanSize } from '../engine/index.js';

export const STATS_HEADERS = ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'] as const;

export function statsRow(s: ContainerStats): string[] {
  return [
    s.id.slice(0, 12),
    s.name,
    `${s.cpuPercent.toFixed(2)}%`,
    `${binarySize(s.memoryUsage)} / ${binarySize(s.memoryLimit)}`,
    `${s.memoryPercent.toFixed(2)}%`,
    `${humanSize(s.netRx)} / ${humanSize(s.netTx)}`,
    `${humanSize(s.blockRead)} / ${humanSize(s.blockWrite)}`,
    String(s.pids),
  ];
}

/** The JSON Docker's `stats --format json` prints per container. */
export function statsJson(s: ContainerStats) {
  const row = statsRow(s);
  return {
    ID: row[0],
    Name: row[1],
    CPUPerc: row[2],
    MemUsage: row[3],
    MemPerc: row[4],
    NetIO: row[5],
    BlockIO: row[6],
    PIDs: row[7],
    // the raw numbers, for scripts and the lab's checks
    Raw: { cpuPercent: s.cpuPercent, memoryUsage: s.memoryUsage, memoryLimit: s.memoryLimit, pids: s.pids, netRx: s.netRx, netTx: s.netTx, blockRead: s.blockRead, blockWrite: s.blockWrite },
  };
}

const BARS = '▁▂▃▄▅▆▇█';

/** A one-line sparkline of values scaled to `max` (at least 1). */
export function sparkline(values: readonly number[], max = Math.max(1, ...values)): string {
  return values.map((v) => BARS[Math.min(BARS.length - 1, Math.max(0, Math.round((v / max) * (BARS.length - 1))))]).join('');
}
