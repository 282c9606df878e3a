// A detached helper process that outlives the command that started it (the
// lab's hub, `berth registry start`), found again by a pid file.  The file
// holds the pid and the process's start time: a pid alone may have been
// reused by an unrelated process after the service died (a reboot, a kill -9),
// and taking that process for the service would stop or trust the wrong
// program.  The pair names one process, as the build owner marks do.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from './errors.js';
import { readJson, writeJsonAtomic } from './fs-atomic.js';
import { processStartTime } from './tmp-sweep.js';

/** What a pid file holds: the process, and what the service says about itself (its URL, storage...). */
export type ServiceRecord<Extra extends object = object> = { readonly pid: number; readonly startTime: string } & Extra;

export interface StartService<Extra extends object> {
  /** the pid file (JSON) */
  readonly pidFile: string;
  /** where the service's stdout and stderr go (appended) */
  readonly logFile: string;
  /** program and arguments */
  readonly command: readonly [string, ...string[]];
  /** its whole environment, given explicitly (settings.ts childEnv: the engine's settings, not whatever this process inherited) */
  readonly env: NodeJS.ProcessEnv;
  /** stored beside pid and start time */
  readonly extra: Extra;
  /** true once the service serves; polled every 25 ms */
  readonly ready: () => Promise<boolean>;
  /** the error's message when it never became ready, given the log's last lines */
  readonly failure: (logTail: string) => string;
  /** how long a service that neither serves nor dies is waited for; default START_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

/**
 * A slow machine (the emulated cgroup v2 VM, a small board) takes more than
 * 10 s to load node and a service; one that dies is noticed at once, so the
 * long wait is only ever spent on one that hangs.
 */
const START_TIMEOUT_MS = 60_000;

/** Is the process the record names still the one that was started (same pid, same start time)? */
export function isRunning(record: { readonly pid: number; readonly startTime?: string }): boolean {
  return typeof record.startTime === 'string' && record.startTime !== '' && processStartTime(record.pid) === record.startTime;
}

/** The pid file's record, or undefined when there is none or its process is gone (or is another one now). */
export function runningService<Extra extends object>(pidFile: string): ServiceRecord<Extra> | undefined {
  const record = readJson<ServiceRecord<Extra> | undefined>(pidFile, undefined);
  return record && Number.isInteger(record.pid) && isRunning(record) ? record : undefined;
}

/** Starts `command` detached, writes its pid file, and waits until `ready`; a service that never gets there is killed and its pid file removed. */
export async function startService<Extra extends object>(options: StartService<Extra>): Promise<ServiceRecord<Extra>> {
  fs.mkdirSync(path.dirname(options.pidFile), { recursive: true, mode: 0o700 });
  const log = fs.openSync(options.logFile, 'a');
  const [program, ...args] = options.command;
  const child = spawn(program, args, { detached: true, stdio: ['ignore', log, log], env: options.env });
  fs.closeSync(log);
  child.unref();
  // the start time is the fork's, so reading it now (after spawn returned) is the service's own
  const startTime = child.pid === undefined ? undefined : processStartTime(child.pid);
  if (child.pid === undefined || startTime === undefined) throw new BerthError('internal', options.failure(logTail(options.logFile)));
  const record = { ...options.extra, pid: child.pid, startTime } as ServiceRecord<Extra>;
  writeJsonAtomic(options.pidFile, record);
  const deadline = Date.now() + (options.timeoutMs ?? START_TIMEOUT_MS);
  for (let round = 0; round < 4000 && Date.now() < deadline; round++) {
    if (await options.ready()) return record;
    if (child.exitCode !== null || child.signalCode !== null || !isRunning(record)) break;
    await sleep(25);
  }
  await stopProcess(record);
  fs.rmSync(options.pidFile, { force: true });
  throw new BerthError('internal', options.failure(logTail(options.logFile)));
}

/** Stops the service of a pid file (SIGTERM, SIGKILL after 5 s) and removes the file; returns its record when it was running. */
export async function stopService<Extra extends object>(pidFile: string): Promise<ServiceRecord<Extra> | undefined> {
  const record = runningService<Extra>(pidFile);
  fs.rmSync(pidFile, { force: true });
  if (!record) return undefined;
  await stopProcess(record);
  return record;
}

async function stopProcess(record: ServiceRecord): Promise<void> {
  signal(record, 'SIGTERM');
  for (let waited = 0; waited < 5000 && isRunning(record); waited += 25) await sleep(25);
  signal(record, 'SIGKILL');
}

/** Signals the process only while it is still the recorded one. */
function signal(record: ServiceRecord, name: NodeJS.Signals): void {
  if (!isRunning(record)) return;
  try {
    process.kill(record.pid, name);
  } catch {
    // exited between the check and the signal
  }
}

function logTail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-3).join('\n');
  } catch {
    return '';
  }
}
