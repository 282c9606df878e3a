// Reading a container's json-file log (written by its monitor), with
// Docker's --tail, -t and -f.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LogEntry {
  readonly stream: 'stdout' | 'stderr';
  readonly log: string;
  readonly time: string;
}

export interface LogOptions {
  /** last N lines only (Docker's --tail); undefined for all */
  readonly tail?: number;
  readonly follow?: boolean;
  /** for follow: is the container still running? */
  readonly running?: () => boolean;
  readonly signal?: AbortSignal;
}

function parse(lines: string[]): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const line of lines) {
    if (!line) continue;
    try {
      entries.push(JSON.parse(line) as LogEntry);
    } catch {
      // a line being written right now; the next read gets it whole
    }
  }
  return entries;
}

export async function* readLogs(file: string, options: LogOptions = {}): AsyncGenerator<LogEntry> {
  let offset = 0;
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    text = '';
  }
  const complete = text.lastIndexOf('\n') + 1;
  offset = Buffer.byteLength(text.slice(0, complete));
  let entries = parse(text.slice(0, complete).split('\n'));
  if (options.tail !== undefined && options.tail >= 0) entries = options.tail === 0 ? [] : entries.slice(-options.tail);
  yield* entries;
  if (!options.follow) return;
  let pending = '';
  for (;;) {
    if (options.signal?.aborted) return;
    const stillRunning = options.running?.() ?? false;
    let chunk = '';
    try {
      const fd = fs.openSync(file, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        if (size > offset) {
          const buffer = Buffer.alloc(size - offset);
          fs.readSync(fd, buffer, 0, buffer.length, offset);
          offset = size;
          chunk = buffer.toString('utf8');
        }
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      chunk = '';
    }
    if (chunk) {
      pending += chunk;
      const cut = pending.lastIndexOf('\n') + 1;
      yield* parse(pending.slice(0, cut).split('\n'));
      pending = pending.slice(cut);
    } else if (!stillRunning) {
      return;
    } else {
      await sleep(100);
    }
  }
}
