// Docker's units: memory sizes in flags ("512m", "1g"), --cpus ("1.5"),
// and sizes and durations as Docker prints them.
import os from 'node:os';
import { invalid } from './errors.js';

const MULTIPLIERS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "512m" -> bytes; refuses anything Docker would. */
export function parseBytes(text: string, flag = '--memory'): number {
  const match = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(text.trim());
  if (!match) throw invalid(`invalid value "${text}" for ${flag}: use a number with an optional unit b, k, m or g (e.g. 512m)`);
  return Math.round(Number(match[1]) * MULTIPLIERS[match[2]!.toLowerCase()]!);
}

export const MIN_MEMORY = 6 * 1024 * 1024;

export function parseCpus(text: string): number {
  const cpus = Number(text);
  const available = os.availableParallelism();
  if (!Number.isFinite(cpus) || cpus <= 0) throw invalid(`invalid value "${text}" for --cpus: use a positive number such as 0.5`);
  if (cpus > available) throw invalid(`range of CPUs is from 0.01 to ${available}.00, as there are only ${available} CPUs available`);
  return cpus;
}

// Byte sizes, the one family (Docker's go-units): decimal units for disk and
// transfer sizes, binary units for memory.  Each formatter below is one of
// the places Docker prints sizes, with that place's precision.
const DECIMAL = { base: 1000, units: ['B', 'kB', 'MB', 'GB', 'TB'] } as const;
const BINARY = { base: 1024, units: ['B', 'KiB', 'MiB', 'GiB', 'TiB'] } as const;

/** `bytes` in the largest unit that keeps it at least 1 (bytes stay whole), with that unit's name. */
function scaled(bytes: number, system: typeof DECIMAL | typeof BINARY): { value: number; unit: number; name: string } {
  let value = bytes;
  let unit = 0;
  while (value >= system.base && unit < system.units.length - 1) {
    value /= system.base;
    unit++;
  }
  return { value, unit, name: system.units[unit]! };
}

/** 1536 -> "1.54kB", as Docker's human sizes (decimal units): images, system df, stats I/O. */
export function humanSize(bytes: number): string {
  const { value, unit, name } = scaled(bytes, DECIMAL);
  return `${Number(value.toPrecision(value < 10 && unit > 0 ? 3 : 4))}${name}`;
}

/** Pull and push progress: decimal units, 3 significant figures ("1.23MB"). */
export function progressSize(bytes: number): string {
  const { value, unit, name } = scaled(bytes, DECIMAL);
  return `${unit === 0 ? value : Number(value.toPrecision(3))}${name}`;
}

/** Binary units for memory, as Docker's stats prints them ("12.5MiB / 1.5GiB"). */
export function binarySize(bytes: number): string {
  const { value, unit, name } = scaled(bytes, BINARY);
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1).replace(/\.0+$/, '')}${name}`;
}

/** Milliseconds -> Docker's "About a minute", "5 seconds", "2 hours". */
export function humanDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.round(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(seconds / 3600);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.round(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.round(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.round(hours / 24 / 30)} months`;
  return `${Math.round(hours / 24 / 365)} years`;
}
