// Reading and writing cgroup control files, and emptying a cgroup of its
// processes.  Shared by the v1 and v2 backends; every error names the file
// and what the value was, because "EINVAL" alone says nothing.
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, explainSystemError, isErrno } from '../errors.js';

/** Writes one value to a control file (cgroupfs takes each write as one command). */
export function writeControl(file: string, value: string): void {
  try {
    fs.writeFileSync(file, value);
  } catch (error) {
    const kind = isErrno(error, 'EACCES') || isErrno(error, 'EPERM') ? 'permission' : 'internal';
    throw new BerthError(kind, `cannot write "${value}" to ${file}: ${explainSystemError(error)}`, { cause: error });
  }
}

/** The file's text without the trailing newline, or undefined when the kernel lacks the file. */
export function readControl(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd();
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENODEV') || isErrno(error, 'EOPNOTSUPP')) return undefined;
    throw error;
  }
}

/** A counter file as a number; "max" and v1's huge "unlimited" become null. */
export function readNumber(file: string): number | null | undefined {
  const text = readControl(file);
  if (text === undefined || text === '') return undefined;
  if (text === 'max') return null;
  const value = Number(text);
  // v1 spells "unlimited" as PAGE_COUNTER_MAX pages, ~2^63: beyond any real limit.
  if (!Number.isFinite(value) || value >= 2 ** 62) return null;
  return value;
}

/** "key value" lines (memory.stat, cpu.stat, memory.events, oom_control) as a map. */
export function readKeyed(file: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of (readControl(file) ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^\d+$/.test(value)) map.set(key, Number(value));
  }
  return map;
}

/** The first of `dirs` that holds `file`: how a v1 record finds its memory or pids directory. */
export function dirWith(dirs: readonly string[], file: string): string | undefined {
  return dirs.find((dir) => fs.existsSync(path.join(dir, file)));
}

export function readProcs(procsFile: string): number[] {
  const text = readControl(procsFile) ?? '';
  return text.split('\n').filter((line) => /^\d+$/.test(line)).map(Number);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * SIGKILLs everything in the cgroup until cgroup.procs stays empty.  A process
 * may fork between our read and our kill, so this repeats; `killFile` is v2's
 * cgroup.kill, which does the same in one step inside the kernel.
 */
export async function emptyCgroup(procsFiles: readonly string[], killFile?: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = [...new Set(procsFiles.flatMap(readProcs))];
    if (pids.length === 0) return;
    if (killFile && fs.existsSync(killFile)) {
      writeControl(killFile, '1');
    } else {
      for (const pid of pids) {
        try { process.kill(pid, 'SIGKILL'); } catch (error) { if (!isErrno(error, 'ESRCH')) throw error; }
      }
    }
    if (Date.now() > deadline) {
      throw new BerthError('internal', `processes ${pids.join(', ')} are still in ${path.dirname(procsFiles[0] ?? '')} after SIGKILL; are they stuck in the kernel (state D in /proc/<pid>/status)?`);
    }
    await sleep(20);
  }
}

/**
 * `dir` and every cgroup below it, deepest first (post-order), so that each
 * can be rmdir'd in turn.  A missing `dir` gives [].  Symlinks and files are
 * not cgroups; only real directories are followed.
 */
export function subtree(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return [];
    throw error;
  }
  const below = entries.filter((e) => e.isDirectory()).flatMap((e) => subtree(path.join(dir, e.name)));
  return [...below, dir];
}

/** Removes a subtree as subtree() lists it (deepest first); each rmdir retried while busy. */
export async function removeTree(dirs: readonly string[], timeoutMs?: number): Promise<void> {
  for (const dir of dirs) await removeDir(dir, timeoutMs);
}

/** rmdir that accepts a missing directory and retries while the kernel still calls it busy. */
export async function removeDir(dir: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return;
      if (!isErrno(error, 'EBUSY') || Date.now() > deadline) {
        throw new BerthError('internal', `cannot remove cgroup ${dir}: ${explainSystemError(error)}`, { cause: error });
      }
    }
    await sleep(20);
  }
}
