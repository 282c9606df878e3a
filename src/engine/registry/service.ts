// A registry in the background (`berth registry start`), for the lesson's
// "start a registry" step and for a team's machine: a detached
// `berth registry serve`, recorded by its address so `stop` finds it.
import fs from 'node:fs';
import path from 'node:path';
import { runningService, startService, stopService } from '../background-service.js';
import { BerthError } from '../errors.js';
import type { Paths } from '../paths.js';
import { childEnv, type Settings } from '../settings.js';
import { PACKAGE_ROOT } from '../sys.js';
import { freePort } from '../network/free-port.js';
import { listenUrl } from '../network/listen-address.js';

/** What a registry's pid file says besides its process (background-service.ts). */
interface Running {
  readonly url: string;
  readonly storage: string;
}

const dir = (paths: Paths) => path.join(paths.root, 'registries');
const recordFile = (paths: Paths, host: string, port: number) => path.join(dir(paths), `${host.replace(/[^0-9a-zA-Z.]/g, '_')}_${port}.json`);

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) })).status < 500;
  } catch {
    return false;
  }
}

/** Starts `berth registry serve` detached; returns its URL. Already running there: returns it. Port 0: a free port, which the URL names. */
export async function startRegistryService(paths: Paths, settings: Settings, host: string, requestedPort: number, storage = path.join(paths.root, 'registry')): Promise<string> {
  const port = requestedPort === 0 ? await freePort(host) : requestedPort;
  const url = listenUrl({ host, port });
  const file = recordFile(paths, host, port);
  if (runningService<Running>(file) && (await answers(url))) return url;
  if (await answers(url)) throw new BerthError('conflict', `something already answers on ${url}: stop it, or choose another --listen`);
  const log = path.join(dir(paths), `${path.basename(file, '.json')}.log`);
  await startService<Running>({
    pidFile: file,
    logFile: log,
    command: [process.execPath, '--', path.join(PACKAGE_ROOT, 'bin', 'berth.js'), '--root', paths.root, 'registry', 'serve', '--host', host, '--port', String(port), '--storage', storage],
    env: childEnv(settings),
    extra: { url, storage },
    ready: () => answers(url),
    failure: () => `the registry did not start on ${url}: see ${log}`,
  });
  return url;
}

/** The background registry this state root started that serves `url` (its process alive), or undefined. */
export function registryServiceAt(paths: Paths, url: string): { readonly pid: number; readonly url: string } | undefined {
  for (const file of recordFiles(paths)) {
    const running = runningService<Running>(file);
    if (running?.url === url) return running;
  }
  return undefined;
}

function recordFiles(paths: Paths): string[] {
  try {
    return fs.readdirSync(dir(paths)).filter((f) => f.endsWith('.json')).map((f) => path.join(dir(paths), f));
  } catch {
    return [];
  }
}

/** Stops background registries: the one on host:port, or all of this state root's. Returns the URLs stopped. */
export async function stopRegistryServices(paths: Paths, only?: { host: string; port: number }): Promise<string[]> {
  let files = recordFiles(paths);
  if (only) files = files.filter((f) => f === recordFile(paths, only.host, only.port));
  const stopped: string[] = [];
  for (const file of files) {
    const running = await stopService<Running>(file);
    if (running) stopped.push(running.url);
  }
  return stopped;
}
