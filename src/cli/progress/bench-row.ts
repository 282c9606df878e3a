// The bench's events as rows: one per suite, its rounds as a bar on a
// terminal; in a pipe, the same "[startup] round 2/4: cli" lines as before.
import type { BenchEvent } from '../../engine/index.js';
import { progressLine } from '../../bench/report.js';
import type { Row } from './row.js';

export function benchRow(event: BenchEvent): Row {
  const text = progressLine(event);
  if (!event.suite) return { text };
  const fraction = event.round !== undefined && event.rounds ? event.round / event.rounds : undefined;
  return { key: event.suite, text, ...(fraction !== undefined ? { fraction } : {}) };
}
