// The bench's events as rows: one per suite, its rounds as a bar on a
// terminal; in a pipe, the same "[startup] round 2/5: cli" lines as before.
import type { BenchEvent } from '../../engine/index.js';
import type { Row } from './row.js';

export function benchRow(event: BenchEvent): Row {
  const text = event.suite ? `[${event.suite}] ${event.text}` : event.text;
  if (!event.suite) return { text };
  const fraction = event.round !== undefined && event.rounds ? event.round / event.rounds : undefined;
  return { key: event.suite, text, ...(fraction !== undefined ? { fraction } : {}) };
}
