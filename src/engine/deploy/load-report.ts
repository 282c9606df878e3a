// The load generator's one-line report.  Its own module so that the door
// exports it without loading the generator (hosts, network state, http).
import type { LoadReport } from './load.js';

/** "12034 requests, 0 failed; p50 3.1 ms, p90 ..., by version v1 6000, v2 6034" */
export function formatReport(report: LoadReport): string {
  const versions = Object.entries(report.byVersion).map(([v, n]) => `${v} ${n}`).join(', ') || 'none';
  const errors = Object.entries(report.errors).map(([e, n]) => `${e} ×${n}`).join(', ');
  const l = report.latency;
  return `${report.sent} requests in ${(report.durationMs / 1000).toFixed(1)}s, ${report.failed} failed${errors ? ` (${errors})` : ''}; `
    + `latency p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms; answered by ${versions}`;
}
