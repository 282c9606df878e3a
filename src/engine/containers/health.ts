// Health checks and restart policies as Docker decides them: the flags'
// values, the merge with the image's HEALTHCHECK, the probe the monitor runs
// (native/include/protocol.h sections 6 and 7), and what ps shows.
import fs from 'node:fs';
import { invalid } from '../errors.js';
import { readJson } from '../fs-atomic.js';
import type { HealthConfig } from '../store/oci.js';
import type { HealthProbe, RestartPolicy, RestartPolicyName } from '../runtime/driver.js';
import type { HealthRecord, RestartRecord } from '../runtime/protocol.js';

const NS_PER_MS = 1e6;
/** Docker's defaults when a Healthcheck field is 0. */
export const HEALTH_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0 } as const;

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("200ms", "1m30s", "1.5s") -> milliseconds, as Docker's duration flags take them. */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== trimmed) {
    throw invalid(`invalid argument "${text}" for "${flag}" flag: time: invalid duration "${text}" (use e.g. 200ms, 5s, 1m30s)`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]!, 0);
}

/** The --health-* and --no-healthcheck flags, as create takes them. */
export interface HealthFlags {
  readonly cmd?: string;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly startPeriodMs?: number;
  readonly retries?: number;
  readonly disable?: boolean;
}

/** The flags as Docker's container config Healthcheck (undefined when none was given). */
export function healthConfigFromFlags(flags: HealthFlags): HealthConfig | undefined {
  const given = flags.cmd !== undefined || flags.intervalMs !== undefined || flags.timeoutMs !== undefined || flags.startPeriodMs !== undefined || flags.retries !== undefined;
  if (flags.disable) {
    if (given) throw invalid('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!given) return undefined;
  for (const [flag, ms] of [['--health-interval', flags.intervalMs], ['--health-timeout', flags.timeoutMs], ['--health-start-period', flags.startPeriodMs]] as const) {
    if (ms !== undefined && ms < 0) throw invalid(`${flag} cannot be negative`);
    if (ms !== undefined && ms > 0 && ms < 1) throw invalid(`${flag} cannot be less than 1ms`);
  }
  if (flags.retries !== undefined && (!Number.isInteger(flags.retries) || flags.retries < 0)) throw invalid('--health-retries cannot be negative');
  const config: HealthConfig = {};
  if (flags.cmd !== undefined) config.Test = ['CMD-SHELL', flags.cmd];
  if (flags.intervalMs) config.Interval = Math.round(flags.intervalMs * NS_PER_MS);
  if (flags.timeoutMs) config.Timeout = Math.round(flags.timeoutMs * NS_PER_MS);
  if (flags.startPeriodMs) config.StartPeriod = Math.round(flags.startPeriodMs * NS_PER_MS);
  if (flags.retries) config.Retries = flags.retries;
  return config;
}

/** Docker's merge: fields the user left empty (0, no Test) come from the image's HEALTHCHECK. */
export function mergeHealthcheck(user: HealthConfig | undefined, image: HealthConfig | undefined): HealthConfig | undefined {
  if (!image) return user;
  if (!user) return image;
  return {
    ...user,
    Test: user.Test?.length ? user.Test : image.Test,
    Interval: user.Interval || image.Interval,
    Timeout: user.Timeout || image.Timeout,
    StartPeriod: user.StartPeriod || image.StartPeriod,
    Retries: user.Retries || image.Retries,
  };
}

/** The probe the monitor runs, or undefined (no Test, or NONE). CMD-SHELL runs under /bin/sh -c. */
export function healthProbe(config: HealthConfig | undefined): HealthProbe | undefined {
  const test = config?.Test ?? [];
  let cmd: string[];
  if (test[0] === 'CMD') cmd = test.slice(1);
  else if (test[0] === 'CMD-SHELL') cmd = ['/bin/sh', '-c', test.slice(1).join(' ')];
  else return undefined; // [] inherits (nothing left to inherit here), NONE disables
  if (!cmd.length) return undefined;
  const ms = (ns: number | undefined, fallback: number) => (ns ? Math.max(1, Math.round(ns / NS_PER_MS)) : fallback);
  return {
    cmd,
    intervalMs: ms(config?.Interval, HEALTH_DEFAULTS.intervalMs),
    timeoutMs: ms(config?.Timeout, HEALTH_DEFAULTS.timeoutMs),
    retries: config?.Retries || HEALTH_DEFAULTS.retries,
    startPeriodMs: ms(config?.StartPeriod, HEALTH_DEFAULTS.startPeriodMs),
  };
}

const POLICIES: readonly RestartPolicyName[] = ['no', 'always', 'on-failure', 'unless-stopped'];

/** --restart no|always|unless-stopped|on-failure[:N], with Docker's messages. */
export function parseRestartPolicy(text: string): RestartPolicy {
  const [name = '', count, ...rest] = text.split(':');
  if (rest.length || !POLICIES.includes(name as RestartPolicyName)) {
    throw invalid(`invalid restart policy format: "${text}": use no, always, unless-stopped or on-failure[:max-retries]`);
  }
  if (count === undefined) return { name: name as RestartPolicyName, maximumRetryCount: 0 };
  if (name !== 'on-failure') throw invalid(`invalid restart policy format: maximum retry count can only be used with 'on-failure'`);
  const max = Number(count);
  if (!/^\d+$/.test(count) || !Number.isSafeInteger(max)) throw invalid(`invalid restart policy format: maximum retry count must be a whole number, not "${count}"`);
  return { name: 'on-failure', maximumRetryCount: max };
}

export function readHealth(file: string): HealthRecord | undefined {
  return readJson<HealthRecord | undefined>(file, undefined);
}

export function readRestart(file: string): RestartRecord | undefined {
  return readJson<RestartRecord | undefined>(file, undefined);
}

/** The container pid in the monitor's pidfile ("<monitor> <container>"); 0 between two runs. */
export function readPidfile(file: string): { monitorPid: number; pid: number } | undefined {
  try {
    const [monitorPid, pid] = fs.readFileSync(file, 'utf8').trim().split(' ').map(Number);
    return Number.isInteger(monitorPid) && Number.isInteger(pid) ? { monitorPid: monitorPid!, pid: pid! } : undefined;
  } catch {
    return undefined;
  }
}

/** "(healthy)", "(unhealthy)", "(health: starting)" after ps's "Up ..." */
export function healthSuffix(health: HealthRecord | undefined): string {
  if (!health) return '';
  return health.Status === 'starting' ? ' (health: starting)' : ` (${health.Status})`;
}
