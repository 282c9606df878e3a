// Reading a container's json-file log (written by its monitor, rotated by it
// into <id>-json.log.1, .2, ... when --log-opt max-size is reached), with
// Docker's --tail, --since, --until, -t and -f.  The files are read as a
// stream in fixed-size chunks, and --tail reads backwards from the end, so
// memory and time do not grow with the size of the log.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { invalid, isErrno } from '../errors.js';

export interface LogEntry {
  readonly stream: 'stdout' | 'stderr';
  readonly log: string;
  readonly time: string;
}

export interface LogOptions {
  /** last N lines only (Docker's --tail); undefined for all */
  readonly tail?: number;
  /** only entries at or after this time (nanoseconds since the epoch) */
  readonly since?: bigint;
  /** only entries before this time (nanoseconds since the epoch) */
  readonly until?: bigint;
  readonly follow?: boolean;
  /** for follow: is the container still running? */
  readonly running?: () => boolean;
  readonly signal?: AbortSignal;
  /** called before follow waits for more lines (a writer flushes what it batched) */
  readonly onIdle?: () => Promise<void> | void;
  /** how often follow looks for new lines (default 100 ms) */
  readonly pollMs?: number;
}

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/** An open log file: the fd is kept, so a rotation (rename) under us changes nothing we read. */
interface OpenFile {
  readonly fd: number;
  readonly ino: number;
  /** bytes readable now */
  size: number;
}

/** The rotated files that exist for `file`: <file>.1 (newest) ... <file>.N (oldest). */
function rotatedCount(file: string): number {
  let n = 0;
  while (n < 1000 && fs.existsSync(`${file}.${n + 1}`)) n++;
  return n;
}

function openIfThere(file: string): OpenFile | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
  const stats = fs.fstatSync(fd);
  return { fd, ino: stats.ino, size: stats.size };
}

/**
 * The log's files, oldest first, opened newest first: a rotation between two
 * opens then shows up as the same inode twice (dropped) rather than as a file
 * skipped.  The current file may be missing for a moment while the monitor
 * rotates it; it is then retried a few times.
 */
export function openLogFiles(file: string): OpenFile[] {
  const opened: OpenFile[] = [];
  let current = openIfThere(file);
  for (let attempt = 0; current === undefined && attempt < 20 && rotatedCount(file) > 0; attempt++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    current = openIfThere(file);
  }
  if (current) opened.push(current);
  const rotated = rotatedCount(file);
  for (let i = 1; i <= rotated; i++) {
    const older = openIfThere(`${file}.${i}`);
    if (!older) continue;
    if (opened.some((f) => f.ino === older.ino)) fs.closeSync(older.fd);
    else opened.push(older);
  }
  return opened.reverse();
}

function closeAll(files: readonly OpenFile[]): void {
  for (const f of files) fs.closeSync(f.fd);
}

/**
 * Where the last `lines` complete lines begin: [file index, offset], reading
 * backwards from the end in chunks.  A line not yet ended by "\n" does not count.
 */
export function tailStart(files: readonly OpenFile[], lines: number): [number, number] {
  if (files.length === 0) return [0, 0];
  if (lines <= 0) return [files.length - 1, files[files.length - 1]!.size];
  const buffer = Buffer.allocUnsafe(CHUNK);
  // terminators seen: the first one ends the last complete line; the (lines+1)-th ends the line before ours
  let seen = 0;
  for (let i = files.length - 1; i >= 0; i--) {
    const f = files[i]!;
    let pos = f.size;
    while (pos > 0) {
      const length = Math.min(CHUNK, pos);
      const start = pos - length;
      const read = fs.readSync(f.fd, buffer, 0, length, start);
      if (read !== length) throw invalid(`the log changed while it was read (${read} of ${length} bytes at ${start})`);
      let at = length;
      for (;;) {
        const nl = at > 0 ? buffer.lastIndexOf(NEWLINE, at - 1) : -1;
        if (nl < 0) break;
        seen++;
        if (seen === lines + 1) return [i, start + nl + 1];
        at = nl;
      }
      pos = start;
    }
  }
  return [0, 0];
}

/** Nanoseconds since the epoch of an RFC 3339 time as the monitor writes it (…T03:04:05.123456789Z). */
export function timeNanos(time: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** Reads complete lines forward from `offset` of one file, up to its size now; returns the new offset. */
function* forwardLines(f: OpenFile, offset: number, carry: { text: Buffer }): Generator<string, number> {
  const buffer = Buffer.allocUnsafe(CHUNK);
  let pos = offset;
  while (pos < f.size) {
    const read = fs.readSync(f.fd, buffer, 0, Math.min(CHUNK, f.size - pos), pos);
    if (read === 0) break;
    pos += read;
    const chunk = buffer.subarray(0, read);
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, from);
      if (nl < 0) break;
      let line: Buffer = chunk.subarray(from, nl);
      if (carry.text.length) {
        line = Buffer.concat([carry.text, line]);
        carry.text = Buffer.alloc(0);
      }
      if (line.length) yield line.toString('utf8');
      from = nl + 1;
    }
    if (from < chunk.length) carry.text = Buffer.concat([carry.text, chunk.subarray(from)]);
  }
  return pos;
}

function parseLine(line: string): LogEntry | undefined {
  try {
    const entry = JSON.parse(line) as LogEntry;
    return typeof entry?.log === 'string' ? entry : undefined;
  } catch {
    return undefined; // not a log line (a line cut by a crash): Docker's reader skips those too
  }
}

/** Within --since/--until?  -1: before since (skip), 0: keep, 1: past until (stop). */
function place(entry: LogEntry, options: LogOptions): -1 | 0 | 1 {
  if (options.since === undefined && options.until === undefined) return 0;
  const t = timeNanos(entry.time);
  if (t === undefined) return 0;
  if (options.since !== undefined && t < options.since) return -1;
  if (options.until !== undefined && t > options.until) return 1;
  return 0;
}

export async function* readLogs(file: string, options: LogOptions = {}): AsyncGenerator<LogEntry> {
  const files = openLogFiles(file);
  let current: OpenFile | undefined;
  try {
    const tail = options.tail !== undefined && options.tail >= 0 ? options.tail : undefined;
    let [index, offset] = tail === undefined ? [0, 0] : tailStart(files, tail);
    const carry = { text: Buffer.alloc(0) };
    for (; index < files.length; index++, offset = 0) {
      const f = files[index]!;
      // the newest file keeps growing: read it up to its size now
      if (index === files.length - 1) f.size = fs.fstatSync(f.fd).size;
      const lines = forwardLines(f, offset, carry);
      for (let next = lines.next(); !next.done; next = lines.next()) {
        const entry = parseLine(next.value);
        if (!entry) continue;
        const where = place(entry, options);
        if (where === 1) return;
        if (where === 0) yield entry;
      }
      offset = 0;
      if (index < files.length - 1) carry.text = Buffer.alloc(0); // every rotated file ends with a whole line
    }
    if (!options.follow) return;

    // Follow: keep reading the current file as the monitor appends; a new
    // inode at the path means it rotated (the rest of ours is read first).
    current = files.pop();
    let pos = current ? current.size : 0;
    const pollMs = options.pollMs ?? 100;
    for (;;) {
      if (options.signal?.aborted) return;
      if (options.until !== undefined && BigInt(Date.now()) * 1_000_000n > options.until) return;
      const stillRunning = options.running?.() ?? false;
      let progressed = false;
      if (current) {
        current.size = fs.fstatSync(current.fd).size;
        if (current.size < pos) { pos = 0; carry.text = Buffer.alloc(0); } // truncated (max-file 1)
        const lines = forwardLines(current, pos, carry);
        for (let next = lines.next(); ; next = lines.next()) {
          if (next.done) { progressed ||= next.value > pos; pos = next.value; break; }
          const entry = parseLine(next.value);
          if (!entry) continue;
          const where = place(entry, options);
          if (where === 1) return;
          if (where === 0) yield entry;
        }
      }
      const now = openIfThere(file);
      if (now && now.ino !== current?.ino) {
        if (current) fs.closeSync(current.fd);
        current = now;
        pos = 0;
        carry.text = Buffer.alloc(0);
        continue;
      }
      if (now) fs.closeSync(now.fd);
      if (progressed) continue;
      if (!stillRunning) return;
      await options.onIdle?.();
      await sleep(pollMs);
    }
  } finally {
    closeAll(files);
    if (current && !files.includes(current)) {
      try { fs.closeSync(current.fd); } catch { /* already closed */ }
    }
  }
}

// ---------------------------------------------------------------- the flags

/** Go's time.ParseDuration subset Docker accepts for --since/--until: "10m", "1h30m", "1.5s", "300ms". */
function parseDuration(text: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched = re.lastIndex;
  }
  return matched === text.length && matched > 0 ? total : undefined;
}

/**
 * Docker's --since/--until value (timetypes.GetTimestamp): a duration before
 * now ("10m"), Unix seconds with an optional fraction ("1700000000.5"), or an
 * RFC 3339 date or time ("2026-01-02", "2026-01-02T03:04:05Z", local time when
 * no zone is given).  Returns nanoseconds since the epoch.
 */
export function parseLogTime(value: string, flag: string, nowMs = Date.now()): bigint {
  const text = value.trim();
  const duration = parseDuration(text);
  if (duration !== undefined) return BigInt(Math.round((nowMs - duration) * 1e6));
  const unix = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  if (unix) return BigInt(unix[1]!) * 1_000_000_000n + BigInt((unix[2] ?? '').padEnd(9, '0'));
  const date = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d)?)(?:\.(\d{1,9}))?)?(Z|[+-]\d\d:?\d\d)?$/.exec(text);
  if (date) {
    const zone = date[4] ? (date[4] === 'Z' ? 'Z' : date[4].replace(/^([+-]\d\d)(\d\d)$/, '$1:$2')) : '';
    const clock = date[2] ? (date[2].length === 5 ? `${date[2]}:00` : date[2]) : '00:00:00';
    const ms = Date.parse(`${date[1]}T${clock}${zone}`); // without a zone: local time, as Docker
    if (!Number.isNaN(ms)) return BigInt(ms) * 1_000_000n + BigInt((date[3] ?? '').padEnd(9, '0'));
  }
  throw invalid(`invalid value for "${flag}": failed to parse value as time or duration: "${value}"`);
}
