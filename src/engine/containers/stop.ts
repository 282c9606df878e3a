// `stop`, `kill`, `restart`.  Signals go through the runtime (native: to the
// container's pid 1; runc: `runc kill`).  Waiting happens without the lock so
// a slow stop never holds up other commands.
import { conflict, invalid } from '../errors.js';
import os from 'node:os';
import type { EngineContext } from '../context.js';
import { bundleFiles, type ContainerRecord } from './record.js';
import { refresh } from './reconcile.js';
import { findContainer } from './lookup.js';
import { waitForExit } from './wait.js';

/** "TERM", "SIGTERM", "15" -> a signal Node accepts. */
export function parseSignal(text: string): NodeJS.Signals | number {
  if (/^\d+$/.test(text)) {
    const number = Number(text);
    if (number < 1 || number > 64) throw invalid(`invalid signal: ${text}`);
    return number;
  }
  const name = (text.toUpperCase().startsWith('SIG') ? text.toUpperCase() : `SIG${text.toUpperCase()}`) as NodeJS.Signals;
  if (!(name in os.constants.signals)) throw invalid(`invalid signal: ${text}`);
  return name;
}

async function current(ctx: EngineContext, ref: string | ContainerRecord): Promise<ContainerRecord> {
  return ctx.lock.with(async () => refresh(ctx, typeof ref === 'string' ? findContainer(ctx.paths.containers, ref) : findContainer(ctx.paths.containers, ref.id)));
}

export async function killContainer(ctx: EngineContext, ref: string, signal: NodeJS.Signals | number = 'SIGKILL'): Promise<ContainerRecord> {
  const record = await current(ctx, ref);
  if (record.state.status !== 'running') throw conflict(`Cannot kill container: ${ref}: container ${record.id} is not running`);
  await ctx.runtime(record.hostConfig.runtime).kill(bundleFiles(ctx.paths.containers, record.id), record.state.pid, signal);
  return record;
}

/** Sends `signal`, waits up to `ms` for the exit, and returns the refreshed record. */
export async function killAndWait(ctx: EngineContext, record: ContainerRecord, signal: NodeJS.Signals | number, ms: number): Promise<ContainerRecord> {
  const bundle = bundleFiles(ctx.paths.containers, record.id);
  await ctx.runtime(record.hostConfig.runtime).kill(bundle, record.state.pid, signal);
  await waitForExit(bundle, record.state.monitorPid, ms);
  return current(ctx, record);
}

/** Docker's stop: the stop signal, then SIGKILL after `timeoutSeconds`. Stopping a stopped container is fine. */
export async function stopContainer(ctx: EngineContext, ref: string, timeoutSeconds = 10): Promise<ContainerRecord> {
  let record = await current(ctx, ref);
  if (record.state.status !== 'running') return record;
  record = await killAndWait(ctx, record, parseSignal(record.config.stopSignal || 'SIGTERM'), Math.max(0, timeoutSeconds) * 1000);
  if (record.state.status === 'running') record = await killAndWait(ctx, record, 'SIGKILL', 10_000);
  if (record.state.status === 'running') throw conflict(`container ${record.id} did not stop after SIGKILL`);
  return record;
}
