// The execution contract.  A runtime takes an OCI bundle (config.json +
// rootfs) and starts it under berth's C monitor, which owns the container's
// stdio, log, attach socket and exit file whatever the runtime.  `native` is
// our own C init; `runc` runs the same bundle with runc.  Both pass
// test/engine/runtime/_conformance.ts.
import type { ChildProcess } from 'node:child_process';
import type { MachineCgroups } from './cgroups.js';

export type RuntimeName = 'native' | 'runc';
export const RUNTIME_NAMES: readonly RuntimeName[] = ['native', 'runc'];

/** Where one container's runtime files live (all inside its state dir). */
export interface BundleFiles {
  readonly id: string;
  /** containers/<id>/ — holds config.json, spec, log, socket, exit, pidfile */
  readonly dir: string;
  readonly configJson: string;
  readonly log: string;
  readonly socket: string;
  readonly exit: string;
  readonly pidfile: string;
  /** the monitor's health file (protocol.h section 6) */
  readonly health: string;
  /** the monitor's restart file (protocol.h section 7) */
  readonly restart: string;
  /** written by the engine before a user's stop or kill: the monitor then does not restart */
  readonly stopFlag: string;
}

/** A health probe as the monitor runs it (Docker's Healthcheck, resolved). */
export interface HealthProbe {
  /** argv inside the container (CMD-SHELL already turned into /bin/sh -c) */
  readonly cmd: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly startPeriodMs: number;
}

export type RestartPolicyName = 'no' | 'always' | 'on-failure' | 'unless-stopped';

export interface RestartPolicy {
  readonly name: RestartPolicyName;
  /** on-failure: at most this many restarts (0: no limit) */
  readonly maximumRetryCount: number;
}

export interface StartOptions {
  /** Hold the process until the first attach client connects (foreground `run`). */
  readonly waitAttach: boolean;
  /** Keep stdin open for attach clients (-i). */
  readonly stdin: boolean;
  /** Close stdin when the attached client sends EOF (`run -i` without -d). */
  readonly stdinOnce: boolean;
  /** cgroup.procs files to join (native); runc makes its own from config.json. */
  readonly cgroupProcs: readonly string[];
  /** the engine's cgroups (version, mounts): how the container's /sys/fs/cgroup is mounted; default this machine's */
  readonly cgroups?: MachineCgroups;
  /** Run after the exit file is written (detached containers clean themselves up). */
  readonly exitCommand?: readonly string[];
  /** Health checks run by the monitor. */
  readonly health?: HealthProbe;
  /** Restarts carried out by the monitor (a runtime that cannot restart refuses anything but "no"). */
  readonly restart?: RestartPolicy;
  /** json-file rotation by the monitor (--log-opt max-size, max-file); none: the log grows without limit */
  readonly log?: { readonly maxSize: number; readonly maxFile: number };
}

export interface Started {
  /** host pid of the container's process (native: its pid 1; runc: the runc process) */
  readonly pid: number;
  readonly monitorPid: number;
}

export interface ExecOptions {
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  readonly uid: number;
  readonly gid: number;
  readonly additionalGids: readonly number[];
  readonly tty: boolean;
  readonly capabilities: readonly number[];
  readonly noNewPrivileges: boolean;
  readonly cgroupProcs: readonly string[];
  readonly stdio: 'inherit' | 'pipe';
}

export interface Runtime {
  readonly name: RuntimeName;
  /** Throws BerthError 'permission' naming what is missing (e.g. runc not installed). */
  check(): void;
  start(bundle: BundleFiles, options: StartOptions): Promise<Started>;
  /** Sends a signal to the container's process. */
  kill(bundle: BundleFiles, pid: number, signal: NodeJS.Signals | number): Promise<void>;
  /** Runs a process in the running container's namespaces; exits with the process's code. */
  exec(bundle: BundleFiles, pid: number, options: ExecOptions): ChildProcess;
  /** Releases what the runtime keeps after the container exited (runc's state). Idempotent. */
  cleanup(bundle: BundleFiles): Promise<void>;
}
