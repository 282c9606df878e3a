// `exec`: a new process in a running container's namespaces and cgroup, as
// the container's user unless -u says otherwise.
import type { ChildProcess } from 'node:child_process';
import { conflict } from '../errors.js';
import type { EngineContext } from '../context.js';
import { cgroupFor } from '../runtime/cgroups.js';
import { buildOciSpec } from '../runtime/oci-spec.js';
import { capabilityNumber } from '../runtime/oci-spec.js';
import { resolveUser, defaultEnv } from '../runtime/user.js';
import { bundleFiles, type ContainerRecord } from './record.js';
import { expandEnv, mergeEnv, validateBind } from './create.js';
import { refresh } from './reconcile.js';
import { findContainer } from './lookup.js';
import { findExecutable } from './rootfs-path.js';
import { BerthError } from '../errors.js';
import { resolveSecurity } from '../security/options.js';

export interface ExecContainerOptions {
  readonly args: readonly string[];
  readonly user?: string;
  readonly workingDir?: string;
  readonly env?: readonly string[];
  readonly tty?: boolean;
  readonly stdio?: 'inherit' | 'pipe';
}

export async function execInContainer(ctx: EngineContext, ref: string, options: ExecContainerOptions): Promise<{ process: ChildProcess; record: ContainerRecord }> {
  const record = await ctx.lock.with(async () => refresh(ctx, findContainer(ctx.paths.containers, ref)));
  if (record.state.status !== 'running') throw conflict(`Container ${record.id} is not running`);
  if (options.args.length === 0) throw new BerthError('invalid', 'exec needs a command: berth exec CONTAINER COMMAND [ARG...]');
  const rootfs = await ctx.storage.mount(record.id);
  const user = resolveUser(rootfs, options.user ?? record.config.user);
  const env = defaultEnv(mergeEnv(record.config.env, expandEnv(options.env ?? [])), user, record.config.hostname);
  const found = findExecutable(rootfs, options.args[0]!, env, record.hostConfig.binds.map(validateBind));
  if (!('found' in found)) {
    const what = found.error === 'not-found' ? (options.args[0]!.includes('/') ? 'no such file or directory' : 'executable file not found in $PATH') : 'permission denied';
    throw new BerthError(found.error === 'not-found' ? 'command-not-found' : 'cannot-invoke', `exec: "${options.args[0]}": ${what}`);
  }
  const spec = buildOciSpec({
    id: record.id, rootfs, args: [...options.args], env, cwd: options.workingDir || record.config.workingDir || '/',
    hostname: record.config.hostname, user, tty: options.tty ?? false, network: 'host',
    mounts: [], cgroupsPath: cgroupFor(record.id, ctx.cgroups).ociPath, limits: {},
    // The exec'd process gets the container's capabilities and seccomp filter, as Docker's exec does.
    security: resolveSecurity(record.hostConfig),
  });
  const child = ctx.runtime(record.hostConfig.runtime).exec(bundleFiles(ctx.paths.containers, record.id), record.state.pid, {
    args: options.args,
    env,
    cwd: spec.process.cwd,
    uid: user.uid,
    gid: user.gid,
    additionalGids: user.additionalGids,
    tty: options.tty ?? false,
    capabilities: (spec.process.capabilities?.bounding ?? []).map(capabilityNumber),
    noNewPrivileges: spec.process.noNewPrivileges ?? true,
    cgroupProcs: record.hostConfig.runtime === 'native' ? cgroupFor(record.id, ctx.cgroups).procsFiles : [],
    stdio: options.stdio ?? 'inherit',
  });
  return { process: child, record };
}
