// `berth deploy`: what an operator does to ship a new version behind the
// front door, on the engine of the host it runs on (`berth --host prod deploy`).
//
//   zero-downtime: pull v2, start it beside v1, wait until healthy, switch the
//                  proxy's upstream (graceful reload), drain (the old nginx
//                  workers finish v1's requests), stop v1 (SIGTERM: it finishes
//                  its own), remove it.
//   naive:         stop v1, start v2, point the proxy: the gap between is downtime.
//
// Which container serves a service is recorded in <root>/deploy/<service>.json.
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import type { DeployTarget } from './target.js';
import { BerthError } from '../errors.js';
import { readJson, writeJsonAtomic } from '../fs-atomic.js';
import type { ContainerRecord } from '../containers/record.js';
import { switchUpstream, waitWorkersGone } from './proxy.js';

export interface DeployOptions {
  /** the image to run, e.g. 10.87.0.1:5000/app:v2 (pulled first) */
  readonly image: string;
  /** the service's name: the upstream in nginx, and the prefix of its containers' names */
  readonly service: string;
  /** the front door container (built from assets/proxy) */
  readonly proxy: string;
  /** the port the app listens on in its container */
  readonly port?: number;
  /** stop the old, then start the new, then point the proxy */
  readonly naive?: boolean;
  /** pull before starting (default true) */
  readonly pull?: boolean;
  /** the path probed over HTTP when the image has no HEALTHCHECK the engine runs */
  readonly healthPath?: string;
  readonly healthTimeoutMs?: number;
  readonly drainTimeoutMs?: number;
  /** seconds between SIGTERM and SIGKILL when stopping the old container */
  readonly stopTimeout?: number;
  readonly onEvent?: (event: DeployEvent) => void;
}

export type DeployEventType = 'begin' | 'pulled' | 'stopping' | 'stopped' | 'removed' | 'started' | 'healthy' | 'switched' | 'drained' | 'done';

/** One step of a deploy, as it happens; `at` is the wall clock (ms since the epoch). */
export interface DeployEvent {
  readonly type: DeployEventType;
  readonly at: number;
  /** a line for people, e.g. "switched: front -> app-3 (10.89.0.4:8000)" */
  readonly message: string;
  readonly container?: string;
  readonly ms?: number;
}

export interface DeployResult {
  readonly service: string;
  readonly container: string;
  readonly name: string;
  readonly previous?: string;
  readonly naive: boolean;
  readonly durationMs: number;
}

interface ServiceState {
  service: string;
  proxy: string;
  port: number;
  generation: number;
  current?: { id: string; name: string; image: string };
}

const stateFile = (engine: DeployTarget, service: string) => path.join(engine.paths.root, 'deploy', `${service}.json`);

export function serviceState(engine: DeployTarget, service: string): ServiceState | undefined {
  return readJson<ServiceState | undefined>(stateFile(engine, service), undefined);
}

function saveState(engine: DeployTarget, state: ServiceState): void {
  fs.mkdirSync(path.dirname(stateFile(engine, state.service)), { recursive: true, mode: 0o700 });
  writeJsonAtomic(stateFile(engine, state.service), state);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The health status the engine keeps, when it runs the image's HEALTHCHECK (Docker's .State.Health.Status). */
export function healthStatus(record: ContainerRecord): string | undefined {
  const health = record.state.health as { Status?: string; status?: string } | undefined;
  return health?.Status ?? health?.status;
}

/** One GET with its own connection; resolves the status, or undefined when nothing answers. */
export function probe(url: string, timeoutMs = 1000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
      response.on('error', () => resolve(undefined));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

/**
 * Until the container is healthy: its engine-run HEALTHCHECK when the engine
 * reports one, else an HTTP probe of its address from here.
 */
export async function waitHealthy(engine: DeployTarget, id: string, port: number, healthPath: string, timeoutMs: number): Promise<'healthcheck' | 'http'> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await engine.inspect(id);
    if (record.state.status !== 'running') throw new BerthError('internal', `${record.name} exited (code ${record.state.exitCode}) before it was healthy: see berth logs ${record.name}`);
    const status = healthStatus(record);
    if (status === 'healthy') return 'healthcheck';
    if (status === 'unhealthy') throw new BerthError('internal', `${record.name} is unhealthy: see berth inspect ${record.name}`);
    if (status === undefined) {
      const address = record.network?.ipAddress;
      if (!address) throw new BerthError('invalid', `${record.name} has no bridge address to probe`);
      const code = await probe(`http://${address}:${port}${healthPath}`);
      if (code !== undefined && code >= 200 && code < 400) return 'http';
    }
    if (Date.now() > deadline) throw new BerthError('internal', `${record.name} was not healthy after ${timeoutMs} ms`);
    await sleep(100);
  }
}

export async function deploy(engine: DeployTarget, options: DeployOptions): Promise<DeployResult> {
  const began = Date.now();
  const port = options.port ?? 8000;
  const naive = options.naive ?? false;
  const emit = (type: DeployEventType, message: string, extra: { container?: string; ms?: number } = {}) =>
    options.onEvent?.({ type, at: Date.now(), message, ...extra });
  const proxy = await engine.inspect(options.proxy).catch((error) => {
    throw new BerthError('not-found', `no front door: the proxy container ${options.proxy} does not exist (run it first: berth run -d --name ${options.proxy} -p 80:80 <proxy image>)`, { cause: error });
  });
  if (proxy.state.status !== 'running') throw new BerthError('conflict', `the proxy ${options.proxy} is not running: berth start ${options.proxy}`);
  const previous = serviceState(engine, options.service);
  const state: ServiceState = previous ?? { service: options.service, proxy: options.proxy, port, generation: 0 };
  const old = previous?.current && (await engine.inspect(previous.current.id).catch(() => undefined));
  emit('begin', `deploying ${options.image} as ${options.service} behind ${options.proxy}${old ? `, replacing ${old.name}` : ''}${naive ? ' (naive: stop, then start)' : ''}`);

  if (options.pull ?? true) {
    const t = Date.now();
    await engine.pull(options.image);
    emit('pulled', `pulled ${options.image}`, { ms: Date.now() - t });
  }

  const stopOld = async () => {
    if (!old) return;
    const t = Date.now();
    emit('stopping', `stopping ${old.name} (${old.config.stopSignal || 'SIGTERM'}, then SIGKILL after ${options.stopTimeout ?? 10}s)`, { container: old.id });
    const stopped = await engine.stop(old.id, options.stopTimeout ?? 10);
    emit('stopped', `stopped ${old.name}: exit code ${stopped.state.exitCode}`, { container: old.id, ms: Date.now() - t });
    await engine.remove(old.id, { force: true });
    emit('removed', `removed ${old.name}`, { container: old.id });
  };

  const start = async (): Promise<ContainerRecord> => {
    state.generation += 1;
    const name = `${options.service}-${state.generation}`;
    const created = await engine.create({ image: options.image, name, labels: { 'berth.deploy.service': options.service } });
    const started = await engine.start(created.id);
    emit('started', `started ${name} (${started.network?.ipAddress ?? '?'}:${port}) from ${options.image}`, { container: started.id });
    return started;
  };

  const healthy = async (record: ContainerRecord) => {
    const t = Date.now();
    const via = await waitHealthy(engine, record.id, port, options.healthPath ?? '/', options.healthTimeoutMs ?? 60_000);
    emit('healthy', `${record.name} is healthy (${via === 'healthcheck' ? 'its HEALTHCHECK' : `GET ${options.healthPath ?? '/'}`}) after ${Date.now() - t} ms`, { container: record.id, ms: Date.now() - t });
  };

  const switchTo = async (record: ContainerRecord) => {
    const t = Date.now();
    const upstream = `${record.network!.ipAddress}:${port}`;
    const switched = await switchUpstream(engine, options.proxy, options.service, [upstream]);
    emit('switched', `switched: ${options.proxy} -> ${record.name} (${upstream}), nginx reloaded gracefully`, { container: record.id, ms: Date.now() - t });
    return switched;
  };

  let next: ContainerRecord;
  if (naive) {
    await stopOld();
    next = await start();
    await switchTo(next);
    await healthy(next);
  } else {
    next = await start();
    try {
      await healthy(next);
    } catch (error) {
      // v1 still serves: the failed new container goes, nothing else changes.
      await engine.remove(next.id, { force: true }).catch(() => undefined);
      saveState(engine, state);
      throw error;
    }
    const { oldWorkers } = await switchTo(next);
    const t = Date.now();
    const drained = await waitWorkersGone(engine, options.proxy, oldWorkers, options.drainTimeoutMs ?? 30_000);
    emit('drained', drained ? `drained: the old nginx workers finished their requests in ${Date.now() - t} ms` : `drain timed out after ${Date.now() - t} ms: stopping anyway`, { ms: Date.now() - t });
    await stopOld();
  }
  state.current = { id: next.id, name: next.name, image: options.image };
  state.proxy = options.proxy;
  state.port = port;
  saveState(engine, state);
  const durationMs = Date.now() - began;
  emit('done', `deployed ${options.image} as ${next.name} in ${(durationMs / 1000).toFixed(1)}s`, { container: next.id, ms: durationMs });
  return { service: options.service, container: next.id, name: next.name, previous: old ? old.id : undefined, naive, durationMs };
}
