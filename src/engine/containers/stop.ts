// `stop`, `kill`, `restart`.  Signals go through the runtime (native: to the
// container's pid 1; runc: `runc kill`).  Waiting happens without the lock so
// a slow stop never holds up other commands.  Before a user's stop or kill the
// stop flag is written, so that the monitor does not apply the restart policy.
import fs from 'node:fs';
import { conflict } from '../errors.js';
import os from 'node:os';
import type { EngineContext } from '../context.js';
import { bundleFiles, type ContainerRecord } from './record.js';
import { refresh } from './reconcile.js';
import { findContainer } from './lookup.js';
import { waitForExit } from './wait.js';
import { parseSignal } from './signal.js';

/** Docker's default grace period of `stop`. */
export const DEFAULT_STOP_TIMEOUT = 10;

/** Signals that end a container on purpose: the monitor must not restart it after them. */
function stopsOnPurpose(record: ContainerRecord, signal: NodeJS.Signals | number): boolean {
  const number = (s: NodeJS.Signals | number) => (typeof s === 'number' ? s : os.constants.signals[s]);
  const stop = parseSignal(record.config.stopSignal || 'SIGTERM');
  return [number('SIGKILL'), number('SIGTERM'), number('SIGINT'), number(stop)].includes(number(signal));
}

/** Tells the monitor that this exit is the user's (protocol.h section 7). */
function flagStopped(ctx: EngineContext, record: ContainerRecord): void {
  fs.writeFileSync(bundleFiles(ctx.paths.containers, record.id).stopFlag, '');
}

async function current(ctx: EngineContext, ref: string | ContainerRecord): Promise<ContainerRecord> {
  return ctx.lock.with(async () => refresh(ctx, typeof ref === 'string' ? findContainer(ctx.paths.containers, ref) : findContainer(ctx.paths.containers, ref.id)));
}

export async function killContainer(ctx: EngineContext, ref: string, signal: NodeJS.Signals | number = 'SIGKILL'): Promise<ContainerRecord> {
  const record = await current(ctx, ref);
  if (record.state.status !== 'running') throw conflict(`Cannot kill container: ${ref}: container ${record.id} is not running`);
  if (stopsOnPurpose(record, signal)) flagStopped(ctx, record);
  await ctx.runtime(record.hostConfig.runtime).kill(bundleFiles(ctx.paths.containers, record.id), record.state.pid, signal);
  return record;
}

/** Sends `signal`, waits up to `ms` for the exit, and returns the refreshed record. */
export async function killAndWait(ctx: EngineContext, record: ContainerRecord, signal: NodeJS.Signals | number, ms: number): Promise<ContainerRecord> {
  const bundle = bundleFiles(ctx.paths.containers, record.id);
  flagStopped(ctx, record);
  await ctx.runtime(record.hostConfig.runtime).kill(bundle, record.state.pid, signal);
  await waitForExit(bundle, record.state.monitorPid, ms);
  return current(ctx, record);
}

/**
 * Docker's stop: the stop signal, then SIGKILL after `timeoutSeconds` (default:
 * the container's --stop-timeout, else 10). Stopping a stopped container is fine.
 */
export async function stopContainer(ctx: EngineContext, ref: string, timeoutSeconds?: number): Promise<ContainerRecord> {
  let record = await current(ctx, ref);
  if (record.state.status !== 'running') return record;
  const seconds = timeoutSeconds ?? record.config.stopTimeout ?? DEFAULT_STOP_TIMEOUT;
  // -1 waits for ever, as Docker's.
  const ms = seconds < 0 ? Infinity : seconds * 1000;
  record = await killAndWait(ctx, record, parseSignal(record.config.stopSignal || 'SIGTERM'), ms);
  if (record.state.status === 'running') record = await killAndWait(ctx, record, 'SIGKILL', 10_000);
  if (record.state.status === 'running') throw conflict(`container ${record.id} did not stop after SIGKILL`);
  return record;
}
