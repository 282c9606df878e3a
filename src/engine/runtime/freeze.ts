// Freezing a running container's cgroup while the host works in its rootfs
// (`cp`, `export`), as Docker pauses a container for `docker cp` since the
// CVE-2018-15664 fix: a frozen container cannot swap a directory for a
// symlink halfway through a copy.  v1: the freezer hierarchy's
// freezer.state (FROZEN/THAWED); v2 (and a hybrid machine's unified
// hierarchy when no v1 freezer is mounted): cgroup.freeze, with
// cgroup.events telling when every task has stopped.  The same directory
// serves both runtimes: runc's cgroup is linux.cgroupsPath, <parent>/<id> on
// every hierarchy, like the native runtime's.  A container the user already
// froze is left frozen; one frozen here is always thawed, on error too, and
// if berth is interrupted while it holds the freeze.
import fs from 'node:fs';
import path from 'node:path';
import { BerthError } from '../errors.js';
import { cgroupFor, type CgroupHost } from './cgroups.js';
import { processStartTime } from '../tmp-sweep.js';

/** How long the kernel gets to stop every task (a task in uninterruptible sleep delays it). */
const FREEZE_TIMEOUT_MS = 5000;

interface Freezer {
  readonly kind: 'v1' | 'v2';
  readonly dir: string;
}

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The container's freezer, or undefined when its cgroup has none (or is gone). */
export function freezerOf(id: string, host: CgroupHost): Freezer | undefined {
  const dirs = cgroupFor(id, host).paths;
  const v1 = dirs.find((dir) => fs.existsSync(path.join(dir, 'freezer.state')));
  if (v1) return { kind: 'v1', dir: v1 };
  const v2 = dirs.find((dir) => fs.existsSync(path.join(dir, 'cgroup.freeze')));
  if (v2) return { kind: 'v2', dir: v2 };
  return undefined;
}

function isFrozen(f: Freezer): boolean {
  if (f.kind === 'v1') return read(path.join(f.dir, 'freezer.state'))?.trim() === 'FROZEN';
  return /^frozen 1$/m.test(read(path.join(f.dir, 'cgroup.events')) ?? '');
}

function askedFrozen(f: Freezer): boolean {
  if (f.kind === 'v1') return ['FROZEN', 'FREEZING'].includes(read(path.join(f.dir, 'freezer.state'))?.trim() ?? '');
  return read(path.join(f.dir, 'cgroup.freeze'))?.trim() === '1';
}

function write(f: Freezer, frozen: boolean): void {
  if (f.kind === 'v1') fs.writeFileSync(path.join(f.dir, 'freezer.state'), frozen ? 'FROZEN' : 'THAWED');
  else fs.writeFileSync(path.join(f.dir, 'cgroup.freeze'), frozen ? '1' : '0');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The file in the container's state dir naming the berth process that holds its freeze. */
export const FREEZE_MARKER = 'frozen-by';

/** "pid starttime" of a process: a pid reused by another process does not match. */
function processTag(pid: number): string | undefined {
  const started = processStartTime(pid);
  return started === undefined ? undefined : `${pid} ${started}`;
}

/** True when the marker names a berth process that is gone: its freeze was abandoned (berth was killed). */
function abandoned(markerFile: string | undefined): boolean {
  const tag = markerFile ? read(markerFile)?.trim() : undefined;
  if (!tag) return false;
  return processTag(Number(tag.split(' ')[0])) !== tag;
}

/**
 * Thaws a container whose freeze berth took and never gave back (the
 * process holding it was killed): for reconcile, and for the next cp.
 * Returns true when it thawed something.
 */
export function thawIfAbandoned(id: string, stateDir: string, host: CgroupHost): boolean {
  const marker = path.join(stateDir, FREEZE_MARKER);
  if (!abandoned(marker)) return false;
  const freezer = freezerOf(id, host);
  try {
    if (freezer) write(freezer, false);
  } catch {
    // the cgroup is gone
  }
  fs.rmSync(marker, { force: true });
  return freezer !== undefined;
}

/**
 * Freezes the container's cgroup and resolves once every task in it (and in
 * its sub-cgroups) has stopped; returns the function that thaws it again.
 * A cgroup without a freezer, or gone, gives a no-op.  With `stateDir` (the
 * container's), a marker there names this process while it holds the
 * freeze, so a freeze left by a killed berth is recognised and undone.
 */
export async function freezeContainer(id: string, host: CgroupHost, stateDir?: string): Promise<() => void> {
  const freezer = freezerOf(id, host);
  if (!freezer) return () => undefined;
  const marker = stateDir ? path.join(stateDir, FREEZE_MARKER) : undefined;
  // Someone else's freeze is theirs to undo; one a killed berth left behind becomes ours.
  if (askedFrozen(freezer) && !abandoned(marker)) return () => undefined;
  if (marker) fs.writeFileSync(marker, `${processTag(process.pid)}\n`);
  let thawed = false;
  const thaw = () => {
    if (thawed) return;
    thawed = true;
    if (marker) fs.rmSync(marker, { force: true });
    process.removeListener('exit', thaw);
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
    try {
      write(freezer, false);
    } catch {
      // the cgroup is gone: nothing left to thaw
    }
  };
  // Interrupted while holding the freeze: thaw, then die of the signal as before.
  const onSignal = (signal: NodeJS.Signals) => {
    thaw();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.on('exit', thaw);
  for (const signal of SIGNALS) process.once(signal, onSignal);
  try {
    write(freezer, true);
    const start = Date.now();
    // v1 reports FREEZING until the last task stops; reading the state is what moves it on.
    // A busy task stops within a scheduler tick or two: poll without sleeping for a few
    // hundred rounds (well under 1 ms each), then back off to sleeps of up to 10 ms.
    for (let round = 0; !isFrozen(freezer); round++) {
      if (Date.now() - start > FREEZE_TIMEOUT_MS) {
        throw new BerthError('conflict', `cannot freeze container ${id.slice(0, 12)} (a process in it does not stop; ${freezer.dir}): try again, or stop the container first`);
      }
      if (round < 200) await new Promise((resolve) => setImmediate(resolve)); else await sleep(Math.min(round - 199, 10));
      if (freezer.kind === 'v1' && round % 20 === 19) write(freezer, true); // as runc does: ask again while FREEZING
    }
  } catch (error) {
    thaw();
    if (error instanceof BerthError) throw error;
    throw new BerthError('internal', `cannot freeze container ${id.slice(0, 12)} through ${freezer.dir}: ${(error as Error).message}`, { cause: error });
  }
  return thaw;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Runs `work` with the container frozen when it is running (a stopped one has nothing to race with). */
export async function withFrozen<T>(id: string, running: boolean, work: () => Promise<T>, stateDir: string | undefined, host: CgroupHost): Promise<T> {
  if (!running) return work();
  const thaw = await freezeContainer(id, host, stateDir);
  try {
    return await work();
  } finally {
    thaw();
  }
}
