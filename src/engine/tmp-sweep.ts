// Work files in the state root's tmp/ are named "<kind>-<pid>-<random>" by
// the process that writes them.  One whose process is gone was left by a crash
// (a kill -9 in the middle of a pull, commit, cp or debootstrap): reconcile
// removes it, unmounting anything still mounted inside first.
import fs from 'node:fs';
import path from 'node:path';
import { unmountAllUnder } from './mount-table.js';

const OWNED = /^[a-z]+-(\d+)-/;

/** Is a process with this pid alive (EPERM: alive, someone else's)? */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process's start time (/proc/<pid>/stat field 22, clock ticks since boot), or undefined when it is gone: with the pid it names one process, as a reused pid has another. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Removes tmp entries whose writer died; returns what it removed. */
export function sweepTmp(tmp: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const owner = OWNED.exec(name);
    if (!owner || processAlive(Number(owner[1]))) continue;
    const full = path.join(tmp, name);
    try {
      unmountAllUnder(full);
      fs.rmSync(full, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // still mounted: leave it for a person (the error says where) rather than delete across a mount
    }
  }
  return removed;
}
