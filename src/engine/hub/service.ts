// The lab's hub: berth's registry + search index on loopback, the "public
// index" of the seed talk, started on demand (a detached `berth hub serve`)
// so a fresh offline machine can `pull busybox`.  A classroom points every
// student at one instructor's hub with BERTH_INDEX instead.
import path from 'node:path';
import { runningService, startService, stopService } from '../background-service.js';
import { BerthError } from '../errors.js';
import type { Paths } from '../paths.js';
import { childEnv, type Settings } from '../settings.js';
import { PACKAGE_ROOT } from '../sys.js';
import { freePort } from '../network/free-port.js';

interface HubState {
  readonly url: string;
}

export function hubDir(paths: Paths): string {
  return path.join(paths.root, 'hub');
}

/** The hub's pid file (background-service.ts). */
const stateFile = (paths: Paths) => path.join(hubDir(paths), 'hub.json');

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
  const state = runningService<HubState>(stateFile(paths));
  if (state && (await answers(state.url))) return state.url;
  return undefined;
}

/** Starts the local hub if it is not running; returns its URL. */
export async function ensureHub(paths: Paths, settings: Settings): Promise<string> {
  const running = await runningHub(paths);
  if (running) return running;
  const port = settings.hubPort === 0 ? await freePort() : settings.hubPort;
  const url = `http://127.0.0.1:${port}`;
  if (await answers(url)) {
    throw new BerthError('conflict', `port ${port} already has a registry that is not this hub: set BERTH_HUB_PORT to another port, or BERTH_INDEX=${url} to use it as the index`);
  }
  const log = path.join(hubDir(paths), 'hub.log');
  await startService<HubState>({
    pidFile: stateFile(paths),
    logFile: log,
    command: [process.execPath, '--', path.join(PACKAGE_ROOT, 'bin', 'berth.js'), '--root', paths.root, 'hub', 'serve', '--listen', `127.0.0.1:${port}`],
    env: childEnv(settings),
    extra: { url },
    ready: () => answers(url),
    failure: (tail) => `the hub did not start on ${url}: ${tail || 'no output'} (see ${log})`,
  });
  return url;
}

/** Stops the local hub (its images stay in its storage). */
export async function stopHub(paths: Paths): Promise<boolean> {
  return (await stopService(stateFile(paths))) !== undefined;
}
