// The resource limits a container may ask for, checked once here so that the
// v1 and v2 backends only ever see values the kernel will accept.  Bounds and
// wording follow Docker's, so `berth run -m 1k` fails like `docker run -m 1k`.
import os from 'node:os';
import { invalid } from '../errors.js';

export interface Limits {
  /** hard memory limit in bytes; swap is not allowed on top of it (e.g. 64 * 2**20) */
  readonly memoryBytes?: number;
  /** CPU time as a number of CPUs, e.g. 0.5 = half of one CPU per 100 ms period */
  readonly cpus?: number;
  /** most tasks (processes + threads) alive at once; 0 or -1 = unlimited, as in Docker */
  readonly pidsLimit?: number;
}

const KNOWN = new Set(['memoryBytes', 'cpus', 'pidsLimit']);
/** Docker refuses less: below this a container cannot even start its init. */
export const MIN_MEMORY_BYTES = 6 * 1024 * 1024;
/** The CFS period every quota is expressed against (the kernel default). */
export const CFS_PERIOD_US = 100_000;
/** The kernel refuses a quota below 1 ms. */
const MIN_QUOTA_US = 1000;

/** Throws BerthError 'invalid' for an unknown key or a value out of range. */
export function checkLimits(limits: Limits): void {
  if (typeof limits !== 'object' || limits === null) throw invalid('cgroup limits must be an object like { memoryBytes: 67108864 }');
  for (const [key, value] of Object.entries(limits)) {
    if (!KNOWN.has(key)) throw invalid(`unknown cgroup limit "${key}": use memoryBytes, cpus or pidsLimit`);
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw invalid(`cgroup limit ${key} must be a finite number, got ${JSON.stringify(value)}`);
    }
  }
  const { memoryBytes, cpus, pidsLimit } = limits;
  if (memoryBytes !== undefined) {
    if (!Number.isSafeInteger(memoryBytes) || memoryBytes < MIN_MEMORY_BYTES) {
      throw invalid(`invalid memory limit ${memoryBytes}: the minimum memory limit allowed is 6MB (${MIN_MEMORY_BYTES} bytes)`);
    }
  }
  if (cpus !== undefined) {
    const max = os.cpus().length || 1;
    if (quotaUs(cpus) < MIN_QUOTA_US || cpus > max) {
      throw invalid(`invalid cpus ${cpus}: range of CPUs is from 0.01 to ${max}.00, as there are only ${max} CPUs available`);
    }
  }
  if (pidsLimit !== undefined && (!Number.isSafeInteger(pidsLimit) || pidsLimit < -1)) {
    throw invalid(`invalid pids limit ${pidsLimit}: use a positive whole number, or -1 for unlimited`);
  }
}

/** cpus -> CFS quota in microseconds per CFS_PERIOD_US. */
export function quotaUs(cpus: number): number {
  return Math.round(cpus * CFS_PERIOD_US);
}

/** The pids limit as the kernel writes it: a number, or "max" for unlimited. */
export function pidsMax(pidsLimit: number): string {
  return pidsLimit > 0 ? String(pidsLimit) : 'max';
}
