// `start`: mount the rootfs, make the cgroup, write the OCI bundle and hand it
// to the runtime under a monitor.  Everything set up here is undone if a later
// step fails, so a failed start leaves the container as it was.
import fs from 'node:fs';
import { BerthError } from '../errors.js';
import { writeJsonAtomic } from '../fs-atomic.js';
import type { EngineContext } from '../context.js';
import { createCgroup, removeCgroup, cgroupFor, type Cgroup } from '../runtime/cgroups.js';
import { buildOciSpec } from '../runtime/oci-spec.js';
import { resolveUser, defaultEnv } from '../runtime/user.js';
import { bundleFiles, writeRecord, type ContainerRecord } from './record.js';
import { findExecutable } from './rootfs-path.js';
import { validateBind } from './create.js';
import { refresh } from './reconcile.js';
import { removeContainer } from './remove.js';
import { findContainer } from './lookup.js';
import { attachNetwork, detachNetwork, type Attached, type NetworkRequest } from '../network/container-network.js';
import { exposedPorts } from '../network/port-spec.js';
import { listRecords } from './record.js';
import { healthProbe } from './health.js';
import { logLimits } from './log-config.js';
import { resolveSecurity } from '../security/options.js';

/** What the network needs to know: the ports to publish, those others hold, the peer for container:<id>. */
async function networkRequest(ctx: EngineContext, record: ContainerRecord, dir: string): Promise<NetworkRequest> {
  const others = [];
  for (const other of listRecords(ctx.paths.containers)) {
    if (other.id !== record.id) others.push(await refresh(ctx, other));
  }
  const running = others.filter((o) => o.state.status === 'running');
  const takenPorts = new Set(running.flatMap((o) => (o.network?.ports ?? []).map((p) => `${p.protocol}/${p.hostPort}`)));
  const published = record.hostConfig.publishAllPorts
    ? exposedPorts(Object.fromEntries(record.config.exposedPorts.map((p) => [p, {}]))).map((e) => ({ protocol: e.protocol, containerPort: e.containerPort, hostIp: '', hostPort: 0 }))
    : [];
  const mode = record.hostConfig.networkMode;
  let peer: NetworkRequest['peer'];
  if (mode.startsWith('container:')) {
    const other = running.find((o) => o.id === mode.slice(10));
    if (other) peer = { id: other.id, pid: other.state.pid, settings: other.network };
  }
  return {
    id: record.id,
    name: record.name,
    hostname: record.config.hostname,
    dir,
    mode,
    ports: [...record.hostConfig.portBindings, ...published],
    portDriver: ctx.portDriver,
    takenPorts,
    peer,
  };
}

export interface StartContainerOptions {
  /** The caller attaches at once (foreground run, start -a): hold the process until it has. */
  readonly attach?: boolean;
  /** Keep stdin for the attached client, and close it at the client's EOF. */
  readonly stdinOnce?: boolean;
  /** Terminal size for -t. */
  readonly consoleSize?: { rows: number; cols: number };
}

function limitsOf(record: ContainerRecord) {
  return {
    memoryBytes: record.hostConfig.memory || undefined,
    cpus: record.hostConfig.nanoCpus ? record.hostConfig.nanoCpus / 1e9 : undefined,
    pidsLimit: record.hostConfig.pidsLimit > 0 ? record.hostConfig.pidsLimit : undefined,
  };
}

/** The command a container runs must exist in its rootfs: say so the way Docker does, with 127/126. */
function checkCommand(rootfs: string, record: ContainerRecord, env: readonly string[], binds: ReadonlyArray<ReturnType<typeof validateBind>>): void {
  // Looked up as runc does, in the container's mount namespace: through the volumes (-v /dir:/t ... /t/prog).
  const found = findExecutable(rootfs, record.path, env, binds);
  if ('found' in found) return;
  const prefix = 'failed to create task for container: exec';
  if (found.error === 'not-found') {
    const what = record.path.includes('/') ? 'no such file or directory' : 'executable file not found in $PATH';
    throw new BerthError('command-not-found', `${prefix}: "${record.path}": ${what}`);
  }
  throw new BerthError('cannot-invoke', `${prefix}: "${record.path}": ${found.error === 'is-directory' ? 'is a directory' : 'permission denied'}`);
}

export async function startContainer(ctx: EngineContext, ref: string, options: StartContainerOptions = {}): Promise<ContainerRecord> {
  return ctx.lock.with(async () => {
    let record = await refresh(ctx, findContainer(ctx.paths.containers, ref));
    if (record.state.status === 'running') return record;
    const bundle = bundleFiles(ctx.paths.containers, record.id);
    const runtime = ctx.runtime(record.hostConfig.runtime);
    for (const stale of [bundle.exit, bundle.socket, bundle.pidfile, bundle.health, bundle.restart, bundle.stopFlag]) fs.rmSync(stale, { force: true });

    const rootfs = await ctx.storage.mount(record.id);
    let cgroup: Cgroup | undefined;
    let network: Attached | undefined;
    try {
      const user = resolveUser(rootfs, record.config.user);
      const env = defaultEnv(record.config.env, user, record.config.hostname);
      const binds = record.hostConfig.binds.map(validateBind);
      checkCommand(rootfs, record, env, binds);
      const cgroupsPath = cgroupFor(record.id, ctx.cgroups);
      if (runtime.name === 'native') cgroup = createCgroup(record.id, limitsOf(record), ctx.cgroups);
      network = await attachNetwork(ctx.paths.root, ctx.settings, await networkRequest(ctx, record, bundle.dir));
      const spec = buildOciSpec({
        id: record.id,
        rootfs,
        args: [record.path, ...record.args],
        env,
        cwd: record.config.workingDir || '/',
        hostname: record.config.hostname,
        user,
        tty: record.config.tty,
        consoleSize: options.consoleSize,
        network: network.network,
        mounts: [...binds, ...network.mounts],
        cgroupsPath: cgroupsPath.ociPath,
        limits: limitsOf(record),
        cgroupfs: true,
        security: resolveSecurity(record.hostConfig),
      });
      // A missing source becomes a directory, as Docker makes it; an existing file is bound as it is.
      for (const bind of binds) if (!fs.existsSync(bind.source)) fs.mkdirSync(bind.source, { recursive: true });
      writeJsonAtomic(bundle.configJson, spec);
      const started = await runtime.start(bundle, {
        waitAttach: options.attach ?? false,
        stdin: record.config.openStdin,
        stdinOnce: options.stdinOnce ?? false,
        cgroupProcs: cgroup?.procsFiles ?? [],
        cgroups: ctx.cgroups,
        // the monitor runs it only when no attached client is left to finish the container (killed, detached)
        exitCommand: ctx.exitCommand(record.id),
        health: healthProbe(record.config.healthcheck),
        restart: record.hostConfig.restartPolicy,
        log: logLimits(record.hostConfig.logConfig),
      });
      record = {
        ...record,
        restartCount: 0,
        network: network.settings,
        state: {
          ...record.state,
          status: 'running',
          pid: started.pid,
          monitorPid: started.monitorPid,
          exitCode: 0,
          error: '',
          oomKilled: false,
          startedAt: new Date().toISOString(),
          restarting: false,
          health: undefined,
        },
      };
      writeRecord(ctx.paths.containers, record);
      return record;
    } catch (error) {
      if (network) await detachNetwork(ctx.paths.root, ctx.settings, record.id, network.settings).catch(() => undefined);
      if (cgroup) await removeCgroup(cgroup).catch(() => undefined);
      await ctx.storage.unmount(record.id).catch(() => undefined);
      const exitCode = error instanceof BerthError && error.exitCode !== 125 ? error.exitCode : record.state.exitCode;
      const failed = { ...record, state: { ...record.state, exitCode, error: (error as Error).message } };
      writeRecord(ctx.paths.containers, failed);
      // --rm: a container that could not start is removed, as Docker's daemon does; the error (and its code) stands.
      if (record.hostConfig.autoRemove) await removeContainer(ctx, failed, { force: true, onWarning: () => undefined }).catch(() => undefined);
      throw error;
    }
  });
}
