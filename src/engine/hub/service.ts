// The lab's hub: berth's registry + search index on loopback, the "public
// index" of the seed talk, started on demand (a detached `berth hub serve`)
// so a fresh offline machine can `pull busybox`.  A classroom points every
// student at one instructor's hub with BERTH_INDEX instead.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../errors.js';
import { readJson, writeJsonAtomic } from '../fs-atomic.js';
import type { Paths } from '../paths.js';
import { PACKAGE_ROOT } from '../sys.js';
import { freePort } from '../network/free-port.js';

export const DEFAULT_HUB_PORT = 5151;

interface HubState {
  pid: number;
  url: string;
}

export function hubDir(paths: Paths): string {
  return path.join(paths.root, 'hub');
}

const stateFile = (paths: Paths) => path.join(hubDir(paths), 'hub.json');

function alive(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('hub');
  } catch {
    return false;
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/_ping`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** The running local hub's URL, or undefined. */
export async function runningHub(paths: Paths): Promise<string | undefined> {
  const state = readJson<HubState | undefined>(stateFile(paths), undefined);
  if (state && alive(state.pid) && (await answers(state.url))) return state.url;
  return undefined;
}

/** Starts the local hub if it is not running; returns its URL. */
export async function ensureHub(paths: Paths): Promise<string> {
  const running = await runningHub(paths);
  if (running) return running;
  const requested = process.env.BERTH_HUB_PORT;
  const port = requested === '0' ? await freePort() : Number(requested || DEFAULT_HUB_PORT);
  const url = `http://127.0.0.1:${port}`;
  if (await answers(url)) {
    throw new BerthError('conflict', `port ${port} already has a registry that is not this hub: set BERTH_HUB_PORT to another port, or BERTH_INDEX=${url} to use it as the index`);
  }
  fs.mkdirSync(hubDir(paths), { recursive: true, mode: 0o700 });
  const log = fs.openSync(path.join(hubDir(paths), 'hub.log'), 'a');
  const child = spawn(process.execPath, ['--', path.join(PACKAGE_ROOT, 'bin', 'berth.js'), '--root', paths.root, 'hub', 'serve', '--listen', `127.0.0.1:${port}`], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  child.unref();
  writeJsonAtomic(stateFile(paths), { pid: child.pid!, url } satisfies HubState);
  for (let waited = 0; waited < 10_000; waited += 25) {
    if (await answers(url)) return url;
    if (child.exitCode !== null || !alive(child.pid!)) break;
    await sleep(25);
  }
  const tail = fs.readFileSync(path.join(hubDir(paths), 'hub.log'), 'utf8').trim().split('\n').slice(-3).join('\n');
  throw new BerthError('internal', `the hub did not start on ${url}: ${tail || 'no output'} (see ${path.join(hubDir(paths), 'hub.log')})`);
}

/** Stops the local hub (its images stay in its storage). */
export async function stopHub(paths: Paths): Promise<boolean> {
  const state = readJson<HubState | undefined>(stateFile(paths), undefined);
  fs.rmSync(stateFile(paths), { force: true });
  if (!state || !alive(state.pid)) return false;
  process.kill(state.pid, 'SIGTERM');
  for (let waited = 0; waited < 5000 && alive(state.pid); waited += 25) await sleep(25);
  if (alive(state.pid)) process.kill(state.pid, 'SIGKILL');
  return true;
}
