// The registry bench's clients: skopeo (the realistic one: what CI and the
// lab's scripts push and pull with), one process or a room of them at once,
// and plain HTTP GETs of one blob, many at once.  Each returns its wall time
// and how many of its parts failed; a failure is counted, not thrown, so a
// room where one pull of twenty failed still says so in the report.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchContext } from './context.js';

export interface Timed {
  readonly ms: number;
  readonly failed: number;
  /** the first failure's words, for the report */
  readonly error?: string;
}

const SKOPEO_MS = 600_000;

/** `skopeo copy` over plain HTTP; `copies` processes at once (a room), each to its own destination. */
export async function skopeoCopies(ctx: BenchContext, from: string, to: (i: number) => string, copies = 1): Promise<Timed> {
  const start = performance.now();
  const results = await Promise.all(Array.from({ length: copies }, (_, i) =>
    ctx.spawn('skopeo', ['copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', from, to(i)], SKOPEO_MS)
      .catch((error: Error) => ({ code: -1, stdout: '', stderr: error.message }))));
  const ms = performance.now() - start;
  const failures = results.filter((r) => r.code !== 0);
  return { ms, failed: failures.length, ...(failures.length ? { error: `skopeo exited ${failures[0]!.code}: ${failures[0]!.stderr.trim().split('\n').pop()}` } : {}) };
}

/** Removes the destinations `oci:<dir>:tag` of skopeoCopies. */
export function removeLayouts(dirs: readonly string[]): void {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * `count` GETs of one blob at once, each on its own connection (200 students'
 * layer downloads), each body read to its end and its length checked.
 */
export async function concurrentGets(url: string, count: number, size: number, timeoutMs = 120_000): Promise<Timed> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: count });
  const start = performance.now();
  const one = () => new Promise<void>((resolve, reject) => {
    const req = http.get(url, { agent, timeout: timeoutMs }, (res) => {
      let got = 0;
      res.on('data', (chunk: Buffer) => (got += chunk.length));
      res.on('end', () => (res.statusCode === 200 && got === size ? resolve() : reject(new Error(`GET ${url}: ${res.statusCode}, ${got} of ${size} bytes`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
  const results = await Promise.allSettled(Array.from({ length: count }, one));
  const ms = performance.now() - start;
  agent.destroy();
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  return { ms, failed: failures.length, ...(failures.length ? { error: String(failures[0]!.reason?.message ?? failures[0]!.reason) } : {}) };
}

/** Waits (bounded) until `url` answers below 500. */
export async function waitForRegistry(url: string, what: string, ms = 60_000): Promise<void> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).status < 500) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not answer at ${url} within ${ms / 1000} s`);
}

export const outDir = (work: string, name: string) => path.join(work, name);
