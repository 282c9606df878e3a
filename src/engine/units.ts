// Docker's units for flags: memory sizes ("512m", "1g"), --cpus ("1.5").
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

/** 1536 -> "1.5kB", as Docker's human sizes (decimal units). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = value < 10 && unit > 0 ? 3 : 4;
  return `${Number(value.toPrecision(digits))}${units[unit]}`;
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
