// `create`: a container record and its writable layer on the image; nothing
// runs yet.  The record is written last, so a crash in the middle leaves an
// orphan dir that reconcile removes, never a half-made container.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, conflict, invalid } from '../errors.js';
import { MIN_MEMORY } from '../units.js';
import type { EngineContext } from '../context.js';
import type { RuntimeName } from '../runtime/driver.js';
import { containerDir, listRecords, writeRecord, ZERO_TIME, type ContainerRecord, type NetworkMode } from './record.js';
import { generateName, validateName } from './names.js';
import type { PortBinding } from '../network/port-spec.js';
import { findContainer } from './lookup.js';
import { healthConfigFromFlags, mergeHealthcheck, parseRestartPolicy, type HealthFlags } from './health.js';
import { parseSignal } from './signal.js';
import { securityHostConfig, type SecurityFlags } from '../security/options.js';
import { parseLogOpts } from './log-config.js';
import type { Listener, TransferEvent } from '../events.js';

export interface CreateOptions {
  readonly image: string;
  readonly name?: string;
  /** the command after the image name; replaces the image's Cmd */
  readonly cmd?: readonly string[];
  /** --entrypoint: replaces the image's Entrypoint ("" clears it) */
  readonly entrypoint?: string;
  /** -e: "K=V", or "K" to take K from the caller's environment */
  readonly env?: readonly string[];
  readonly workingDir?: string;
  readonly user?: string;
  readonly hostname?: string;
  readonly tty?: boolean;
  readonly interactive?: boolean;
  /** -v host:container[:ro|rw] */
  readonly binds?: readonly string[];
  readonly memory?: number;
  readonly cpus?: number;
  readonly pidsLimit?: number;
  /** bridge (default), none, host or container:<name|id> */
  readonly network?: NetworkMode;
  /** -p specs, parsed */
  readonly ports?: readonly PortBinding[];
  /** -P */
  readonly publishAll?: boolean;
  readonly autoRemove?: boolean;
  readonly runtime?: RuntimeName;
  readonly labels?: Readonly<Record<string, string>>;
  /** --health-cmd, --health-interval, ..., --no-healthcheck (merged with the image's HEALTHCHECK) */
  readonly health?: HealthFlags;
  /** --stop-signal (default: the image's STOPSIGNAL, else SIGTERM) */
  readonly stopSignal?: string;
  /** --stop-timeout in seconds (default 10) */
  readonly stopTimeout?: number;
  /** --restart no|always|unless-stopped|on-failure[:N] */
  readonly restart?: string;
  /** --privileged, --cap-add, --cap-drop, --security-opt, --device, --read-only */
  readonly security?: SecurityFlags;
  /** --log-opt KEY=VALUE (json-file: max-size, max-file) */
  readonly logOpts?: readonly string[];
  /** --log-driver (only json-file) */
  readonly logDriver?: string;
}

/** "K" without "=" takes the value from the caller's environment, or is dropped when unset (as docker -e does). */
export function expandEnv(env: readonly string[], from: NodeJS.ProcessEnv = process.env): string[] {
  return env.flatMap((entry) => {
    if (entry.includes('=')) {
      if (entry.startsWith('=')) throw invalid(`invalid environment variable: ${entry}`);
      return [entry];
    }
    const value = from[entry];
    return value === undefined ? [] : [`${entry}=${value}`];
  });
}

/** Later entries win, keeping the first position of each key (Docker's merge of image and -e env). */
export function mergeEnv(...lists: ReadonlyArray<readonly string[]>): string[] {
  const merged = new Map<string, string>();
  for (const list of lists) for (const entry of list) merged.set(entry.split('=')[0]!, entry);
  return [...merged.values()];
}

export function validateBind(bind: string): { source: string; destination: string; readonly: boolean } {
  const parts = bind.split(':');
  if (parts.length < 2 || parts.length > 3) {
    throw invalid(`invalid volume specification: '${bind}': use -v /host/path:/container/path[:ro]`);
  }
  const [source, destination, mode = 'rw'] = parts as [string, string, string?];
  if (!source.startsWith('/')) {
    throw invalid(`invalid volume specification: '${bind}': named volumes are not supported yet; give an absolute host path`);
  }
  if (!destination.startsWith('/')) throw invalid(`invalid volume specification: '${bind}': the container path must be absolute`);
  if (destination === '/') throw invalid(`invalid volume specification: '${bind}': cannot mount over the container's root`);
  if (path.posix.normalize(destination).split('/').includes('..')) throw invalid(`invalid volume specification: '${bind}': the container path may not contain ..`);
  if (mode !== 'ro' && mode !== 'rw') throw invalid(`invalid mode: ${mode} in volume '${bind}': use ro or rw`);
  return { source: path.resolve(source), destination: path.posix.normalize(destination), readonly: mode === 'ro' };
}

export async function createContainer(ctx: EngineContext, options: CreateOptions, onEvent?: Listener<TransferEvent>): Promise<ContainerRecord> {
  const image = ctx.images.resolve(options.image);
  const imageConfig = ctx.images.imageConfig(image).config ?? {};
  const entrypoint = options.entrypoint !== undefined ? (options.entrypoint === '' ? null : [options.entrypoint]) : imageConfig.Entrypoint ?? null;
  // Docker drops the image's Cmd when --entrypoint is given.
  const cmd = options.cmd?.length ? [...options.cmd] : options.entrypoint !== undefined ? null : imageConfig.Cmd ?? null;
  const command = [...(entrypoint ?? []), ...(cmd ?? [])];
  if (command.length === 0) throw new BerthError('invalid', 'No command specified');
  for (const bind of options.binds ?? []) validateBind(bind);
  if (options.memory !== undefined && options.memory > 0 && options.memory < MIN_MEMORY) {
    throw invalid('Minimum memory limit allowed is 6MB');
  }
  if (options.pidsLimit !== undefined && (!Number.isInteger(options.pidsLimit) || options.pidsLimit < -1)) {
    throw invalid(`invalid --pids-limit ${options.pidsLimit}: use a positive whole number (or -1 for none)`);
  }
  const network = options.network ?? 'bridge';
  if (!['bridge', 'none', 'host'].includes(network) && !network.startsWith('container:')) {
    throw invalid(`invalid network mode "${network}": use bridge, none, host or container:<name|id>`);
  }
  if (network.startsWith('container:')) findContainer(ctx.paths.containers, network.slice(10));
  if ((options.ports?.length || options.publishAll) && network !== 'bridge') {
    throw invalid(`published ports need the bridge network (this container uses --net ${network})`);
  }
  const runtime = options.runtime ?? ctx.defaultRuntime;
  ctx.runtime(runtime).check();
  const restartPolicy = parseRestartPolicy(options.restart ?? 'no');
  if (restartPolicy.name !== 'no' && options.autoRemove) throw invalid('Conflicting options: --restart and --rm');
  if (restartPolicy.name !== 'no' && runtime === 'runc') {
    throw invalid(`--restart ${options.restart} is not supported with --runtime runc (runc run --keep cannot run the same container again): use --runtime native`);
  }
  const healthcheck = mergeHealthcheck(healthConfigFromFlags(options.health ?? {}), imageConfig.Healthcheck);
  const stopSignal = options.stopSignal || imageConfig.StopSignal || 'SIGTERM';
  parseSignal(stopSignal);
  if (options.stopTimeout !== undefined && !Number.isInteger(options.stopTimeout)) throw invalid(`invalid --stop-timeout ${options.stopTimeout}: use a whole number of seconds`);
  const security = securityHostConfig(options.security ?? {});
  const logConfig = parseLogOpts(options.logOpts, options.logDriver);

  const topLayer = await ctx.layers.prepare(ctx.images.layers(image), onEvent);
  return ctx.lock.with(async () => {
    const records = listRecords(ctx.paths.containers);
    const name = options.name ? validateName(options.name) : generateName(new Set(records.map((r) => r.name)));
    const holder = records.find((r) => r.name === name);
    if (holder) {
      throw conflict(`Conflict. The container name "/${name}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    const id = crypto.randomBytes(32).toString('hex');
    fs.mkdirSync(containerDir(ctx.paths.containers, id), { recursive: true, mode: 0o700 });
    await ctx.storage.create(id, topLayer || undefined);
    const record: ContainerRecord = {
      id,
      name,
      created: new Date().toISOString(),
      image: image.id,
      imageName: options.image,
      path: command[0]!,
      args: command.slice(1),
      config: {
        hostname: options.hostname || id.slice(0, 12),
        user: options.user ?? imageConfig.User ?? '',
        env: mergeEnv(imageConfig.Env ?? [], expandEnv(options.env ?? [])),
        cmd,
        entrypoint,
        workingDir: options.workingDir || imageConfig.WorkingDir || '',
        tty: options.tty ?? false,
        openStdin: options.interactive ?? false,
        stdinOnce: false,
        labels: { ...(imageConfig.Labels ?? {}), ...(options.labels ?? {}) },
        stopSignal,
        ...(options.stopTimeout !== undefined ? { stopTimeout: options.stopTimeout } : {}),
        ...(healthcheck ? { healthcheck } : {}),
        exposedPorts: Object.keys(imageConfig.ExposedPorts ?? {}),
      },
      hostConfig: {
        binds: [...(options.binds ?? [])],
        memory: options.memory ?? 0,
        nanoCpus: Math.round((options.cpus ?? 0) * 1e9),
        pidsLimit: options.pidsLimit ?? 0,
        networkMode: network.startsWith('container:') ? `container:${findContainer(ctx.paths.containers, network.slice(10)).id}` : network,
        autoRemove: options.autoRemove ?? false,
        runtime,
        portBindings: [...(options.ports ?? [])],
        publishAllPorts: options.publishAll ?? false,
        restartPolicy,
        privileged: security.privileged,
        capAdd: [...security.capAdd],
        capDrop: [...security.capDrop],
        securityOpt: [...security.securityOpt],
        devices: [...security.devices],
        readonlyRootfs: security.readonlyRootfs,
        logConfig,
      },
      storageDriver: ctx.storage.name,
      state: { status: 'created', pid: 0, monitorPid: 0, exitCode: 0, error: '', oomKilled: false, startedAt: ZERO_TIME, finishedAt: ZERO_TIME },
      restartCount: 0,
    };
    writeRecord(ctx.paths.containers, record);
    return record;
  });
}
