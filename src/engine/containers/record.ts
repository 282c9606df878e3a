// A container as berth stores it: containers/<id>/container.json, written
// atomically.  Field names follow Docker's inspect output where one exists,
// so `berth inspect` can show it nearly as is.
import type { DeviceMapping } from '../security/types.js';
import type { LogConfig } from './log-config.js';
import fs from 'node:fs';
import path from 'node:path';
import { readJson, writeJsonAtomic } from '../fs-atomic.js';
import { statePaths } from '../paths.js';
import type { DriverName } from '../storage/driver.js';
import type { BundleFiles, RestartPolicy, RuntimeName } from '../runtime/driver.js';
import type { HealthRecord } from '../runtime/protocol.js';
import type { HealthConfig } from '../store/oci.js';
import type { PortBinding } from '../network/port-spec.js';
import type { NetworkSettings } from '../network/container-network.js';

/** The sockets dir of the state root that holds `containersDir` (see Paths.sockets). */
function socketsFor(containersDir: string): string {
  return statePaths(path.dirname(containersDir)).sockets;
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export type ContainerStatus = 'created' | 'running' | 'exited';
/** bridge (default), none, host, or container:<id> */
export type NetworkMode = string;

export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  monitorPid: number;
  exitCode: number;
  /** why the container could not start or stopped abnormally; '' otherwise */
  error: string;
  oomKilled: boolean;
  startedAt: string;
  finishedAt: string;
  /** the monitor waits to start the process again (restart policy); status stays 'running' */
  restarting?: boolean;
  /** the last health file the monitor wrote, when the container has a health check */
  health?: HealthRecord;
}

export interface ContainerConfig {
  hostname: string;
  user: string;
  env: string[];
  cmd: string[] | null;
  entrypoint: string[] | null;
  workingDir: string;
  tty: boolean;
  openStdin: boolean;
  stdinOnce: boolean;
  labels: Record<string, string>;
  stopSignal: string;
  /** --stop-timeout in seconds (stop's default grace period); undefined: 10 */
  stopTimeout?: number;
  /** Docker's Healthcheck, merged from the flags and the image; undefined: none */
  healthcheck?: HealthConfig;
  /** the image's EXPOSE list ("80/tcp"), for -P and the PORTS column */
  exposedPorts: string[];
}

export interface HostConfig {
  /** "host:container[:ro]" as given to -v */
  binds: string[];
  memory: number;
  nanoCpus: number;
  pidsLimit: number;
  networkMode: NetworkMode;
  autoRemove: boolean;
  runtime: RuntimeName;
  /** -p, as parsed (host port 0: chosen at start) */
  portBindings: PortBinding[];
  /** -P: publish every exposed port on a chosen host port */
  publishAllPorts: boolean;
  /** --restart (older records have none: "no") */
  restartPolicy?: RestartPolicy;
  /** --privileged, --cap-add, --cap-drop, --security-opt, --device, --read-only (older records: Docker's defaults) */
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
  devices?: DeviceMapping[];
  readonlyRootfs?: boolean;
  /** --log-opt, with berth's defaults filled in (older records: none, the defaults apply) */
  logConfig?: LogConfig;
}

export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  /** the image id (config digest) */
  image: string;
  /** the image as the user named it, for `ps` */
  imageName: string;
  /** the command that runs: entrypoint + cmd, split as Docker's Path and Args */
  path: string;
  args: string[];
  config: ContainerConfig;
  hostConfig: HostConfig;
  storageDriver: DriverName;
  state: ContainerState;
  restartCount: number;
  /** the network as set up at the last start (addresses, published ports); kept after exit for inspect */
  network?: NetworkSettings;
}

export function containerDir(containersDir: string, id: string): string {
  return path.join(containersDir, id);
}

/** Where a container's runtime files live; `socketsDir` is Paths.sockets. */
export function bundleFiles(containersDir: string, id: string, socketsDir = socketsFor(containersDir)): BundleFiles {
  const dir = containerDir(containersDir, id);
  return {
    id,
    dir,
    configJson: path.join(dir, 'config.json'),
    log: path.join(dir, `${id}-json.log`),
    socket: path.join(socketsDir, `${id}.sock`),
    exit: path.join(dir, 'exit.json'),
    pidfile: path.join(dir, 'monitor.pid'),
    health: path.join(dir, 'health.json'),
    restart: path.join(dir, 'restart.json'),
    stopFlag: path.join(dir, 'stopped-by-user'),
  };
}

const RECORD = 'container.json';

export function readRecord(containersDir: string, id: string): ContainerRecord | undefined {
  return readJson<ContainerRecord | undefined>(path.join(containersDir, id, RECORD), undefined);
}

export function writeRecord(containersDir: string, record: ContainerRecord): void {
  writeJsonAtomic(path.join(containersDir, record.id, RECORD), record);
}

/** Deleting the record first makes the container disappear at once; the rest is cleaned up after (or by reconcile). */
export function deleteRecord(containersDir: string, id: string): void {
  fs.rmSync(path.join(containersDir, id, RECORD), { force: true });
}

export function listRecords(containersDir: string): ContainerRecord[] {
  let ids: string[];
  try {
    ids = fs.readdirSync(containersDir);
  } catch {
    return [];
  }
  return ids.map((id) => readRecord(containersDir, id)).filter((r): r is ContainerRecord => r !== undefined);
}

/** Container dirs with no record: left by a crash in the middle of create or rm. */
export function orphanDirs(containersDir: string): string[] {
  let ids: string[];
  try {
    ids = fs.readdirSync(containersDir);
  } catch {
    return [];
  }
  return ids.filter((id) => !fs.existsSync(path.join(containersDir, id, RECORD)));
}
