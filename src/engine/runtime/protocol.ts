// Mirrors native/include/protocol.h (read that file for the protocol itself).
// test/engine/runtime/protocol.ts checks that every name and number agrees.

export const SEP = '\x1f';
export const SPEC_FILE = 'spec';
export const READY_FD = 3;
export const DETACH_1 = 0x10; // ctrl-p
export const DETACH_2 = 0x11; // ctrl-q
export const STREAM_STDOUT = 1;
export const STREAM_STDERR = 2;

export const KEY = {
  MODE: 'mode',
  ARG: 'arg',
  ENV: 'env',
  CWD: 'cwd',
  ROOTFS: 'rootfs',
  HOSTNAME: 'hostname',
  NAMESPACE: 'ns',
  NAMESPACE_PATH: 'ns_path',
  CGROUP: 'cgroup',
  MOUNT: 'mount',
  DEVICE: 'device',
  SYMLINK: 'symlink',
  MASKED: 'masked',
  READONLY: 'readonly',
  ROOTFS_READONLY: 'rootfs_readonly',
  UID: 'uid',
  GID: 'gid',
  GROUP: 'group',
  CAP: 'cap',
  NO_NEW_PRIVS: 'no_new_privs',
  LOOPBACK_UP: 'lo_up',
  TTY: 'tty',
  TTY_ROWS: 'tty_rows',
  TTY_COLS: 'tty_cols',
  STDIN: 'stdin',
  STDIN_ONCE: 'stdin_once',
  WAIT_ATTACH: 'wait_attach',
  LOG: 'log',
  LOG_MAX_SIZE: 'log_max_size',
  LOG_MAX_FILE: 'log_max_file',
  SOCKET: 'socket',
  EXIT: 'exit',
  PIDFILE: 'pidfile',
  EXIT_CMD: 'exit_cmd',
  HEALTH_CMD: 'health_cmd',
  HEALTH_INTERVAL: 'health_interval_ms',
  HEALTH_TIMEOUT: 'health_timeout_ms',
  HEALTH_RETRIES: 'health_retries',
  HEALTH_START_PERIOD: 'health_start_period_ms',
  HEALTH_FILE: 'health_file',
  HEALTH_ON_HOST: 'health_on_host',
  RESTART_POLICY: 'restart_policy',
  RESTART_MAX: 'restart_max',
  RESTART_COUNT: 'restart_count',
  STOP_FLAG: 'stop_flag',
  SECCOMP_DEFAULT: 'seccomp_default',
  SECCOMP_ARCH: 'seccomp_arch',
  SECCOMP_RULE: 'seccomp_rule',
  SECCOMP_FILE: 'seccomp_file',
  SECCOMP_CACHE: 'seccomp_cache',
} as const;

export type Namespace = 'pid' | 'mount' | 'uts' | 'ipc' | 'net' | 'cgroup';

/** A record of the exit file the monitor writes. */
export interface ExitRecord {
  exitCode: number;
  signal: number;
  finishedAt: string;
  error: string;
}

/** One probe in the health file (section 6). */
export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** The health file the monitor writes (section 6), in Docker's shape. */
export interface HealthRecord {
  Status: 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: HealthLogEntry[];
}

/** The restart file the monitor writes (section 7). */
export interface RestartRecord {
  count: number;
  restarting: 0 | 1;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
}

/** Encodes spec records as the monitor reads them: KEY\0VALUE\0 ... */
export function encodeSpec(records: ReadonlyArray<readonly [string, string | number]>): Buffer {
  let spec = '';
  for (const [key, value] of records) {
    const text = String(value);
    if (key.includes('\0') || text.includes('\0')) throw new Error(`spec ${key}: NUL bytes are not allowed`);
    spec += `${key}\0${text}\0`;
  }
  return Buffer.from(spec);
}

/** The 8-byte frame header of a non-tty attach stream. */
export function frameHeader(stream: number, size: number): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(size, 4);
  return header;
}
