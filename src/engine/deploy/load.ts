// The evidence of a deploy: a load generator that keeps sending requests
// through the front door and counts what came back — failures, latency
// percentiles, which version answered.  Bounded in count and in time, and
// only towards namespaces berth made (loopback, a berth host's address, a
// container's address on a berth bridge): it is a lab tool, not a weapon.
import http from 'node:http';
import { contains } from '../network/cidr.js';
import { listHosts } from '../host/host.js';
import { loadNetworkState } from '../network/state.js';
import { networkNames } from '../network/names.js';
import { statePaths } from '../paths.js';
import type { Settings } from '../settings.js';
import { BerthError } from '../errors.js';

export { formatReport } from './load-report.js';

export interface LoadOptions {
  readonly url: string;
  /** requests in flight at once (default 4) */
  readonly concurrency?: number;
  /** stop after this many requests (default 10000, at most 1000000) */
  readonly maxRequests?: number;
  /** stop after this long (default 30 s, at most 10 min) */
  readonly maxMs?: number;
  /** per-request timeout (default 5 s) */
  readonly timeoutMs?: number;
  /** pause of each worker between its requests (default 0) */
  readonly pauseMs?: number;
  /** a progress event this often (default 250 ms) */
  readonly tickMs?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: LoadEvent) => void;
  /** the settings whose state root, hosts, bridge and host address count as berth's */
  readonly settings: TargetSettings;
}

/** One request: when it started and ended (epoch ms), and what came back. */
export interface Sample {
  readonly start: number;
  readonly end: number;
  readonly ok: boolean;
  readonly status?: number;
  readonly version?: string;
  readonly error?: string;
}

export interface Counts {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly inFlight: number;
  readonly byVersion: Record<string, number>;
}

export type LoadEvent =
  | { readonly type: 'response'; readonly sample: Sample }
  | { readonly type: 'tick'; readonly at: number; readonly counts: Counts };

export interface Percentiles { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number }

export interface LoadReport extends Counts {
  readonly url: string;
  readonly durationMs: number;
  /** failures by reason: "502", "ECONNREFUSED", "timeout"... */
  readonly errors: Record<string, number>;
  /** latency of every request that got an answer, failed or not, in ms */
  readonly latency: Percentiles;
  readonly samples: readonly Sample[];
}

export const LIMITS = { maxRequests: 1_000_000, maxMs: 10 * 60_000, concurrency: 64 } as const;

/** Nearest-rank percentiles of `values` (ms, rounded to 0.1). */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  const round = (n: number) => Math.round(n * 10) / 10;
  return { p50: round(at(50)), p90: round(at(90)), p99: round(at(99)), max: round(sorted[sorted.length - 1]!) };
}

/** Refuses targets outside what berth made: loopback, its hosts' addresses, its bridges' subnets. */
/** What checkTarget needs of the engine's settings. */
export type TargetSettings = Pick<Settings, 'root' | 'bridge' | 'hostAddress'>;

export function checkTarget(url: string, settings: TargetSettings): void {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    throw new BerthError('invalid', `invalid URL "${url}"`);
  }
  if (new URL(url).protocol !== 'http:') throw new BerthError('invalid', `load-test speaks plain http only: ${url}`);
  if (hostname === 'localhost' || /^127\./.test(hostname)) return;
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(hostname)) throw new BerthError('invalid', `load-test targets addresses berth made, not names: ${hostname}`);
  const allowed: string[] = [];
  const subnets: string[] = [];
  for (const host of listHosts(settings.root)) {
    allowed.push(host.address);
    subnets.push(host.bridgeSubnet);
  }
  // Inside a host (`berth --host prod load-test`): its own address and bridge.
  if (settings.hostAddress) allowed.push(settings.hostAddress);
  const bridge = loadNetworkState(statePaths(settings.root).root, networkNames(settings.bridge).bridge);
  if (bridge) subnets.push(bridge.subnet);
  if (allowed.includes(hostname) || subnets.some((s) => contains(s, hostname))) return;
  throw new BerthError('invalid', `load-test only sends to loopback, berth hosts (${allowed.join(', ') || 'none'}) and berth's container subnets (${subnets.join(', ') || 'none'}), not ${hostname}`);
}

function versionOf(headers: http.IncomingHttpHeaders, body: string): string | undefined {
  const header = headers['x-app-version'];
  if (typeof header === 'string' && header) return header;
  return /\b(v\d+(?:\.\d+)*)\b/.exec(body)?.[1];
}

function once(url: string, timeoutMs: number): Promise<Sample> {
  const start = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (sample: Omit<Sample, 'start' | 'end'>) => {
      if (settled) return;
      settled = true;
      resolve({ start, end: Date.now(), ...sample });
    };
    const request = http.get(url, { agent: false, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (d) => (body += d));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        done({ ok: status >= 200 && status < 400, status, version: versionOf(response.headers, body), error: status >= 400 ? String(status) : undefined });
      });
      response.on('error', (error) => done({ ok: false, status: response.statusCode, error: (error as NodeJS.ErrnoException).code ?? error.message }));
    });
    request.on('timeout', () => {
      done({ ok: false, error: 'timeout' });
      request.destroy();
    });
    request.on('error', (error) => done({ ok: false, error: (error as NodeJS.ErrnoException).code ?? error.message }));
  });
}

/** Sends requests until the count, the time or the signal ends it; resolves the report. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  checkTarget(options.url, options.settings);
  const maxRequests = Math.min(options.maxRequests ?? 10_000, LIMITS.maxRequests);
  const maxMs = Math.min(options.maxMs ?? 30_000, LIMITS.maxMs);
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, LIMITS.concurrency));
  const timeoutMs = options.timeoutMs ?? 5000;
  const began = Date.now();
  const samples: Sample[] = [];
  const byVersion: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let inFlight = 0;
  const counts = (): Counts => ({ sent, ok, failed, inFlight, byVersion: { ...byVersion } });
  const finished = () => sent >= maxRequests || Date.now() - began >= maxMs || options.signal?.aborted === true;
  const ticker = setInterval(() => options.onEvent?.({ type: 'tick', at: Date.now(), counts: counts() }), options.tickMs ?? 250);
  const worker = async () => {
    while (!finished()) {
      sent += 1;
      inFlight += 1;
      const sample = await once(options.url, timeoutMs);
      inFlight -= 1;
      samples.push(sample);
      if (sample.ok) ok += 1;
      else {
        failed += 1;
        errors[sample.error ?? 'error'] = (errors[sample.error ?? 'error'] ?? 0) + 1;
      }
      if (sample.version) byVersion[sample.version] = (byVersion[sample.version] ?? 0) + 1;
      options.onEvent?.({ type: 'response', sample });
      if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    clearInterval(ticker);
  }
  options.onEvent?.({ type: 'tick', at: Date.now(), counts: counts() });
  return {
    url: options.url, ...counts(), durationMs: Date.now() - began, errors,
    latency: percentiles(samples.filter((s) => s.status !== undefined).map((s) => s.end - s.start)),
    samples,
  };
}
