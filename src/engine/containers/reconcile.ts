// Bringing a container's record in line with the kernel.  There is no daemon
// to notice that a container exited, so every command that looks at a
// container first calls refresh(): if the monitor wrote the exit file (or
// died without writing it), the container is finished here — OOM read from
// its cgroup, cgroup removed, rootfs unmounted, runtime state released — and
// removed when it was started with --rm.  While the monitor lives, refresh
// reads what it keeps up to date: the current pid and restarts (a restart
// policy runs the process again) and the health file.
import fs from 'node:fs';
import path from 'node:path';
import { bestEffortWrites, readJson, sweepAtomicTemps } from '../fs-atomic.js';
import type { EngineContext } from '../context.js';
import type { ExitRecord } from '../runtime/protocol.js';
import { readCgroup, removeCgroup, cgroupFor, listCgroups } from '../runtime/cgroups.js';
import { bundleFiles, listRecords, orphanDirs, writeRecord, type ContainerRecord } from './record.js';
import { removeContainer } from './remove.js';
import { ownerGone } from './owner.js';
import { thawIfAbandoned } from '../runtime/freeze.js';
import { processAlive, sweepTmp } from '../tmp-sweep.js';
import { detachNetwork, reconcileNetwork } from '../network/container-network.js';
import { readHealth, readPidfile, readRestart } from './health.js';

/** Is `pid` still the monitor of the container in `dir` (and not a reused pid)? */
export function monitorAlive(pid: number, dir: string): boolean {
  if (pid <= 0) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
  } catch {
    return false;
  }
}

export function readExit(file: string): ExitRecord | undefined {
  try {
    return readJson<ExitRecord | undefined>(file, undefined);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined; // not ours: the monitor only renames complete files here
    throw error;
  }
}

/**
 * Must be called holding the lock. Returns the record as it now stands.  Its
 * writes are bookkeeping: on a full disk they are skipped (and redone by the
 * next command), so that ps, logs and rm still work there.
 */
export async function refresh(ctx: EngineContext, record: ContainerRecord): Promise<ContainerRecord> {
  if (record.state.status !== 'running') return record;
  return bestEffortWrites(() => refreshRunning(ctx, record));
}

async function refreshRunning(ctx: EngineContext, record: ContainerRecord): Promise<ContainerRecord> {
  const bundle = bundleFiles(ctx.paths.containers, record.id);
  let exit = readExit(bundle.exit);
  if (!exit) {
    if (monitorAlive(record.state.monitorPid, bundle.dir)) return followMonitor(ctx, record);
    // The monitor may have written the file between our two looks.
    exit = readExit(bundle.exit) ?? {
      exitCode: 137,
      signal: 9,
      finishedAt: new Date().toISOString(),
      error: 'the container monitor was killed; the container was stopped',
    };
  }
  return finish(ctx, record, exit);
}

/** The monitor's files -> the record: pid, restarts, health. Written back only when something changed. */
function monitorState(ctx: EngineContext, record: ContainerRecord): ContainerRecord {
  const bundle = bundleFiles(ctx.paths.containers, record.id);
  const restart = readRestart(bundle.restart);
  const pids = readPidfile(bundle.pidfile);
  const health = record.config.healthcheck ? readHealth(bundle.health) : undefined;
  const state = { ...record.state };
  if (health) state.health = health;
  if (restart) {
    state.restarting = restart.restarting === 1;
    if (restart.count > 0) {
      state.startedAt = restart.startedAt;
      if (state.restarting) state.exitCode = restart.exitCode, state.finishedAt = restart.finishedAt;
    }
    if (pids && pids.monitorPid === record.state.monitorPid) state.pid = pids.pid;
  }
  return { ...record, restartCount: restart?.count ?? record.restartCount, state };
}

function followMonitor(ctx: EngineContext, record: ContainerRecord): ContainerRecord {
  const updated = monitorState(ctx, record);
  if (JSON.stringify(updated) !== JSON.stringify(record)) writeRecord(ctx.paths.containers, updated);
  return updated;
}

async function finish(ctx: EngineContext, stale: ContainerRecord, exit: ExitRecord): Promise<ContainerRecord> {
  const record = monitorState(ctx, stale);
  const bundle = bundleFiles(ctx.paths.containers, record.id);
  const cgroup = cgroupFor(record.id, ctx.cgroups);
  let oomKilled = false;
  try {
    oomKilled = readCgroup(cgroup).oomKilled;
  } catch {
    // no cgroup left to read (runc removed it, or a crash did)
  }
  // Never fatal: a container whose cgroup the kernel will not let go (a sub-cgroup it made, kept busy)
  // must not stop this command, which may be about another container.  The cgroup stays listed, so
  // every later reconcile tries again, and `rm` reports it.
  await removeCgroup(cgroup).catch(() => undefined);
  await ctx.runtime(record.hostConfig.runtime).cleanup(bundle);
  await detachNetwork(ctx.paths.root, ctx.settings, record.id, record.network);
  await ctx.storage.unmount(record.id);
  const finished: ContainerRecord = {
    ...record,
    state: {
      ...record.state,
      status: 'exited',
      restarting: false,
      pid: 0,
      monitorPid: 0,
      exitCode: exit.exitCode,
      error: exit.error,
      oomKilled,
      finishedAt: exit.finishedAt,
    },
  };
  writeRecord(ctx.paths.containers, finished);
  if (finished.hostConfig.autoRemove) await removeContainer(ctx, finished, { force: true });
  return finished;
}

const CONTAINER_ID = /^[0-9a-f]{64}$/;

/** A leftover cgroup gets a short try per command (runc: five rmdirs, 10 ms doubling), so one that stays busy slows nobody. */
const STRAY = { busyTimeoutMs: 200, killTimeoutMs: 500 };

/** Repairs what a crash can leave: dirs without records, finished containers not yet cleaned, stray cgroups, work files. Holding the lock. */
export async function reconcileAll(ctx: EngineContext): Promise<void> {
  return bestEffortWrites(() => reconcileEverything(ctx));
}

async function reconcileEverything(ctx: EngineContext): Promise<void> {
  sweepTmp(ctx.paths.tmp);
  // temp files of atomic writes cut short by a kill -9: in the root, network/ and each container dir
  for (const dir of [ctx.paths.root, path.join(ctx.paths.root, 'network'), ...listDirs(ctx.paths.containers)]) sweepAtomicTemps(dir, processAlive);
  pruneExitRecords(ctx.paths.exits);
  for (const id of orphanDirs(ctx.paths.containers)) {
    await removeCgroup(cgroupFor(id, ctx.cgroups), STRAY).catch(() => undefined);
    await ctx.storage.remove(id).catch(() => undefined);
    fs.rmSync(bundleFiles(ctx.paths.containers, id).dir, { recursive: true, force: true });
  }
  const records = listRecords(ctx.paths.containers);
  for (const record of records) {
    // a build's step container whose builder was killed: removed, as Docker's daemon does
    // a freeze (cp, export, commit) whose holder was killed: thawed, or nothing in it could stop or be killed
    if (record.state.status === 'running') thawIfAbandoned(record.id, bundleFiles(ctx.paths.containers, record.id).dir, ctx.cgroups);
    if (ownerGone(ctx, record.id)) await removeContainer(ctx, record, { force: true, onWarning: () => undefined }).catch(() => undefined);
    else await refresh(ctx, record);
  }
  const running = new Set(listRecords(ctx.paths.containers).filter((r) => r.state.status === 'running').map((r) => r.id));
  await reconcileNetwork(ctx.paths.root, ctx.settings, running);
  // Only a running container needs a cgroup; start makes them under this lock,
  // so any other is left by a crash (unknown id, or a start that never finished).
  // Only container ids: the parent also holds what is not ours to kill, such as a production
  // host's whole engine (<parent>/host-prod, `berth host create`) or the bench's runc cgroups.
  for (const id of listCgroups(ctx.cgroups)) {
    if (CONTAINER_ID.test(id) && !running.has(id)) await removeCgroup(cgroupFor(id, ctx.cgroups), STRAY).catch(() => undefined);
  }
}

function listDirs(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

const EXIT_RECORD_TTL_MS = 10 * 60 * 1000;
const EXIT_RECORDS_KEPT = 64;

/** Exit records of removed --rm containers, once nobody can still be waiting for them. */
function pruneExitRecords(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  // Kept for EXIT_RECORD_TTL_MS, and never more than EXIT_RECORDS_KEPT (the newest), so a
  // loop of `run --rm` whose waiters died cannot grow the state root without bound.
  const byAge = names.map((name) => {
    try {
      return { name, mtime: fs.statSync(`${dir}/${name}`).mtimeMs };
    } catch {
      return { name, mtime: 0 };
    }
  }).sort((a, b) => b.mtime - a.mtime);
  for (const [index, { name, mtime }] of byAge.entries()) {
    const file = `${dir}/${name}`;
    try {
      if (index >= EXIT_RECORDS_KEPT || now - mtime > EXIT_RECORD_TTL_MS) fs.rmSync(file, { force: true });
    } catch {
      // removed meanwhile
    }
  }
}
