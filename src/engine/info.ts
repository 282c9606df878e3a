// `berth info`: what kind of machine this is, in the fields of Docker's
// `docker info` that apply to a daemonless engine (moby's system.Info, same
// names, so `--format '{{.CgroupVersion}}'` and `{{json .}}` read as they do
// with Docker).  A learner sees which storage driver and cgroup version the
// lessons run on; a bug report says on which machine it happened.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ContainerRecord } from './containers/record.js';
import { RUNTIME_NAMES, type RuntimeName } from './runtime/driver.js';
import { NATIVE_BUILD } from './sys.js';

export const SERVER_VERSION = '0.1.0';

/** A runtime as Docker lists it: the program that runs the containers. */
export interface RuntimeInfo {
  readonly path: string;
}

/** Docker's system.Info, the fields that apply (the daemon's own - swarm, plugins, goroutines - do not). */
export interface SystemInfo {
  readonly Containers: number;
  readonly ContainersRunning: number;
  readonly ContainersPaused: number;
  readonly ContainersStopped: number;
  readonly Images: number;
  readonly Driver: string;
  readonly LoggingDriver: 'json-file';
  /** berth writes the cgroup files itself, as Docker's cgroupfs driver does (not through systemd) */
  readonly CgroupDriver: 'cgroupfs';
  readonly CgroupVersion: '1' | '2';
  readonly KernelVersion: string;
  readonly OperatingSystem: string;
  readonly OSVersion: string;
  readonly OSType: 'linux';
  readonly Architecture: string;
  readonly NCPU: number;
  readonly MemTotal: number;
  readonly DockerRootDir: string;
  readonly Name: string;
  readonly ServerVersion: string;
  readonly Runtimes: Record<RuntimeName, RuntimeInfo>;
  readonly DefaultRuntime: RuntimeName;
  /** Docker's "name=seccomp,profile=builtin" form */
  readonly SecurityOptions: string[];
}

/** What the engine knows that the machine does not tell. */
export interface InfoInputs {
  readonly containers: readonly ContainerRecord[];
  readonly images: number;
  readonly storageDriver: string;
  readonly defaultRuntime: RuntimeName;
  readonly cgroupVersion: 1 | 2;
  readonly rootDir: string;
}

/** /etc/os-release's fields (PRETTY_NAME, VERSION_ID), quotes removed; none when there is no such file. */
export function osRelease(text?: string): Record<string, string> {
  let content = text;
  if (content === undefined) {
    try { content = fs.readFileSync('/etc/os-release', 'utf8'); } catch { return {}; }
  }
  const fields: Record<string, string> = {};
  for (const line of content.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) fields[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1');
  }
  return fields;
}

/**
 * The security options every container gets unless it asks otherwise:
 * the built-in seccomp profile, no-new-privileges (berth's default, as a
 * Docker daemon with "no-new-privileges": true) and a cgroup namespace.
 */
export const SECURITY_OPTIONS = ['name=seccomp,profile=builtin', 'name=no-new-privileges', 'name=cgroupns'];

export function systemInfo(inputs: InfoInputs): SystemInfo {
  const running = inputs.containers.filter((c) => c.state.status === 'running').length;
  const release = osRelease();
  const runtimes = { native: { path: path.join(NATIVE_BUILD, 'berth-monitor') }, runc: { path: 'runc' } };
  return {
    Containers: inputs.containers.length,
    ContainersRunning: running,
    ContainersPaused: 0,
    ContainersStopped: inputs.containers.length - running,
    Images: inputs.images,
    Driver: inputs.storageDriver,
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: inputs.cgroupVersion === 2 ? '2' : '1',
    KernelVersion: os.release(),
    OperatingSystem: release.PRETTY_NAME ?? os.type(),
    OSVersion: release.VERSION_ID ?? '',
    OSType: 'linux',
    Architecture: os.machine(),
    NCPU: os.availableParallelism(),
    MemTotal: os.totalmem(),
    DockerRootDir: inputs.rootDir,
    Name: os.hostname(),
    ServerVersion: SERVER_VERSION,
    Runtimes: Object.fromEntries(RUNTIME_NAMES.map((name) => [name, runtimes[name]])) as Record<RuntimeName, RuntimeInfo>,
    DefaultRuntime: inputs.defaultRuntime,
    SecurityOptions: [...SECURITY_OPTIONS],
  };
}
