// `inspect`: containers (and images) as JSON in Docker's shape, or through a --format template.
import { DEFAULT_LOG_OPTS, type Engine, type ContainerRecord, BerthError } from '../../engine/index.js';
import type { Cli } from '../program.js';
import { formatTemplate } from '../output.js';

/** A container record as `docker inspect` names its fields. */
export function containerInspect(engine: Engine, r: ContainerRecord) {
  return {
    Id: r.id,
    Created: r.created,
    Path: r.path,
    Args: r.args,
    State: {
      Status: r.state.restarting ? 'restarting' : r.state.status,
      Running: r.state.status === 'running',
      Paused: false,
      Restarting: r.state.restarting ?? false,
      OOMKilled: r.state.oomKilled,
      Dead: false,
      Pid: r.state.pid,
      ExitCode: r.state.exitCode,
      Error: r.state.error,
      StartedAt: r.state.startedAt,
      FinishedAt: r.state.finishedAt,
      ...(r.config.healthcheck && r.config.healthcheck.Test?.[0] !== 'NONE'
        ? { Health: r.state.health ?? { Status: r.state.status === 'running' ? 'starting' : 'unhealthy', FailingStreak: 0, Log: [] } }
        : {}),
    },
    Image: r.image,
    Name: `/${r.name}`,
    RestartCount: r.restartCount,
    Driver: r.storageDriver,
    LogPath: engine.logPath(r),
    HostConfig: {
      Binds: r.hostConfig.binds,
      NetworkMode: r.hostConfig.networkMode,
      AutoRemove: r.hostConfig.autoRemove,
      Runtime: r.hostConfig.runtime,
      Memory: r.hostConfig.memory,
      NanoCpus: r.hostConfig.nanoCpus,
      PidsLimit: r.hostConfig.pidsLimit || null,
      PortBindings: Object.fromEntries(r.hostConfig.portBindings.map((p) => [`${p.containerPort}/${p.protocol}`, [{ HostIp: p.hostIp, HostPort: p.hostPort ? String(p.hostPort) : '' }]])),
      PublishAllPorts: r.hostConfig.publishAllPorts,
      RestartPolicy: { Name: r.hostConfig.restartPolicy?.name ?? 'no', MaximumRetryCount: r.hostConfig.restartPolicy?.maximumRetryCount ?? 0 },
      Privileged: r.hostConfig.privileged ?? false,
      CapAdd: r.hostConfig.capAdd?.length ? r.hostConfig.capAdd : null,
      CapDrop: r.hostConfig.capDrop?.length ? r.hostConfig.capDrop : null,
      SecurityOpt: r.hostConfig.securityOpt?.length ? r.hostConfig.securityOpt : null,
      Devices: r.hostConfig.devices ?? [],
      ReadonlyRootfs: r.hostConfig.readonlyRootfs ?? false,
      LogConfig: { Type: r.hostConfig.logConfig?.type ?? 'json-file', Config: r.hostConfig.logConfig?.config ?? { ...DEFAULT_LOG_OPTS } },
    },
    Config: {
      Hostname: r.config.hostname,
      User: r.config.user,
      Tty: r.config.tty,
      OpenStdin: r.config.openStdin,
      StdinOnce: r.config.stdinOnce,
      Env: r.config.env,
      Cmd: r.config.cmd,
      Image: r.imageName,
      WorkingDir: r.config.workingDir,
      Entrypoint: r.config.entrypoint,
      Labels: r.config.labels,
      StopSignal: r.config.stopSignal,
      ...(r.config.stopTimeout !== undefined ? { StopTimeout: r.config.stopTimeout } : {}),
      ...(r.config.healthcheck ? { Healthcheck: r.config.healthcheck } : {}),
      ExposedPorts: Object.fromEntries(r.config.exposedPorts.map((p) => [p, {}])),
    },
    NetworkSettings: {
      Bridge: r.network?.bridge ?? '',
      SandboxKey: r.network?.sandboxKey ?? '',
      IPAddress: r.state.status === 'running' ? r.network?.ipAddress ?? '' : '',
      IPPrefixLen: r.network?.prefixLength ?? 0,
      Gateway: r.state.status === 'running' ? r.network?.gateway ?? '' : '',
      Ports: Object.fromEntries((r.state.status === 'running' ? r.network?.ports ?? [] : []).map((p) => [`${p.containerPort}/${p.protocol}`, [{ HostIp: p.hostIp || '0.0.0.0', HostPort: String(p.hostPort) }]])),
    },
    Mounts: r.hostConfig.binds.map((bind) => {
      const [source, destination, mode = ''] = bind.split(':');
      return { Type: 'bind', Source: source, Destination: destination, Mode: mode, RW: mode !== 'ro' };
    }),
  };
}

export function registerInspectCommands(cli: Cli): void {
  cli.program
    .command('inspect')
    .description('Return low-level information on containers or images')
    .option('-f, --format <template>', "format the output using a Go-style template, e.g. '{{.State.Status}}'")
    .option('--type <type>', 'only look for this type: container or image')
    .argument('<name|id...>')
    .action(async (names: string[], flags: { format?: string; type?: string }) => {
      const engine = await cli.engine();
      const found: unknown[] = [];
      let failed = false;
      for (const name of names) {
        try {
          if (flags.type !== 'image') {
            try {
              found.push(containerInspect(engine, await engine.inspect(name)));
              continue;
            } catch (error) {
              if (flags.type === 'container' || !(error instanceof BerthError && error.kind === 'not-found')) throw error;
            }
          }
          try {
            found.push(engine.inspectImage(name));
          } catch (error) {
            if (error instanceof BerthError && error.kind === 'not-found') throw new BerthError('not-found', `No such object: ${name}`);
            throw error;
          }
        } catch (error) {
          failed = true;
          process.stderr.write(`Error: ${(error as Error).message}\n`);
        }
      }
      if (flags.format) for (const item of found) console.log(formatTemplate(flags.format, item));
      else console.log(JSON.stringify(found, null, 4));
      if (failed) process.exitCode = 1;
    });
}
