// A registry in the background (`berth registry start`), for the lesson's
// "start a registry" step and for a team's machine: a detached
// `berth registry serve`, recorded by its address so `stop` finds it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../errors.js';
import { readJson, writeJsonAtomic } from '../fs-atomic.js';
import type { Paths } from '../paths.js';
import { PACKAGE_ROOT } from '../sys.js';

interface Running {
  pid: number;
  url: string;
  storage: string;
}

const dir = (paths: Paths) => path.join(paths.root, 'registries');
const recordFile = (paths: Paths, host: string, port: number) => path.join(dir(paths), `${host.replace(/[^0-9a-zA-Z.]/g, '_')}_${port}.json`);

function alive(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('registry');
  } catch {
    return false;
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) })).status < 500;
  } catch {
    return false;
  }
}

/** Starts `berth registry serve` detached; returns its URL. Already running there: returns it. */
export async function startRegistryService(paths: Paths, host: string, port: number, storage = path.join(paths.root, 'registry')): Promise<string> {
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const file = recordFile(paths, host, port);
  const known = readJson<Running | undefined>(file, undefined);
  if (known && alive(known.pid) && (await answers(url))) return url;
  if (await answers(url)) throw new BerthError('conflict', `something already answers on ${url}: stop it, or choose another --listen`);
  fs.mkdirSync(dir(paths), { recursive: true, mode: 0o700 });
  const log = fs.openSync(path.join(dir(paths), `${path.basename(file, '.json')}.log`), 'a');
  const child = spawn(process.execPath, ['--', path.join(PACKAGE_ROOT, 'bin', 'berth.js'), '--root', paths.root, 'registry', 'serve', '--host', host, '--port', String(port), '--storage', storage], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  child.unref();
  writeJsonAtomic(file, { pid: child.pid!, url, storage } satisfies Running);
  for (let waited = 0; waited < 10_000; waited += 25) {
    if (await answers(url)) return url;
    if (!alive(child.pid!)) break;
    await sleep(25);
  }
  fs.rmSync(file, { force: true });
  throw new BerthError('internal', `the registry did not start on ${url}: see ${path.join(dir(paths), `${path.basename(file, '.json')}.log`)}`);
}

/** Stops background registries: the one on host:port, or all of this state root's. Returns the URLs stopped. */
export async function stopRegistryServices(paths: Paths, only?: { host: string; port: number }): Promise<string[]> {
  let files: string[];
  try {
    files = fs.readdirSync(dir(paths)).filter((f) => f.endsWith('.json')).map((f) => path.join(dir(paths), f));
  } catch {
    return [];
  }
  if (only) files = files.filter((f) => f === recordFile(paths, only.host, only.port));
  const stopped: string[] = [];
  for (const file of files) {
    const running = readJson<Running | undefined>(file, undefined);
    fs.rmSync(file, { force: true });
    if (!running || !alive(running.pid)) continue;
    process.kill(running.pid, 'SIGTERM');
    for (let waited = 0; waited < 5000 && alive(running.pid); waited += 25) await sleep(25);
    if (alive(running.pid)) process.kill(running.pid, 'SIGKILL');
    stopped.push(running.url);
  }
  return stopped;
}
