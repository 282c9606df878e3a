// Writes that never leave a half-written file: write a temp file beside the
// target, fsync it, rename it over.  A crash leaves the old file or the new
// one, never a mix; a failed write (ENOSPC) removes its temp file and leaves
// the old one.
//
// On a full state root, commands that only read or remove must still work
// (issue 12 row 3): inside bestEffortWrites() a write that fails for want of
// space is skipped with a warning instead of failing the command.  The writes
// made there (reconcile's bookkeeping, rm's exit record) are redone by the
// next command, once space is freed.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { AsyncLocalStorage } from 'node:async_hooks';

const bestEffort = new AsyncLocalStorage<true>();
const warned = new Set<string>();

/** Is this the error of a full disk (or quota)? */
export function isNoSpace(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Runs fn with writes that fail for want of space skipped (a warning on stderr) rather than thrown. */
export function bestEffortWrites<T>(fn: () => Promise<T>): Promise<T> {
  if (bestEffort.getStore()) return fn();
  return bestEffort.run(true, fn);
}

function skipped(file: string, error: unknown): boolean {
  if (!bestEffort.getStore() || !isNoSpace(error)) return false;
  const dir = path.dirname(file);
  if (!warned.has(dir)) {
    warned.add(dir);
    process.stderr.write(`WARNING: no space left on device: not writing ${file} (free space in ${dir}); carrying on\n`);
  }
  return true;
}

/** The temp file an atomic write of `file` goes through: a dot-name beside it, with the writer's pid (for sweepAtomicTemps). */
export function atomicTempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
}

/** Writes atomically; returns false when the write was skipped on a full disk (inside bestEffortWrites). */
export function writeFileAtomic(file: string, data: string | Uint8Array): boolean {
  const tmp = atomicTempName(file);
  try {
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    return true;
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    if (skipped(file, error)) return false;
    throw error;
  }
}

export function writeJsonAtomic(file: string, value: unknown): boolean {
  return writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

const TEMP = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** Removes the temp files of atomic writes whose writer died (a kill -9 between write and rename) in `dir`. */
export function sweepAtomicTemps(dir: string, alive: (pid: number) => boolean): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP.exec(name);
    if (m && !alive(Number(m[1]))) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/** Reads a JSON file, or returns `fallback` when it does not exist. */
export function readJson<T>(file: string, fallback: T): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw error;
  }
  return JSON.parse(text) as T;
}
