// Mirrors native/include/protocol.h (read that file for the protocol itself).
// test/engine/runtime/protocol.ts checks that every name and number agrees.

export const SEP = '\x1f';
export const SPEC_FILE = 'spec';
export const READY_FD = 3;
export const DETACH_1 = 0x10; // ctrl-p
export const DETACH_2 = 0x11; // ctrl-q
/** The detach keys as a client types them (ctrl-p ctrl-q): the lab sends them to leave `attach` or `run -it`. */
export const DETACH_KEYS = String.fromCharCode(DETACH_1, DETACH_2);
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

/** Every field of each JSON file, in the order the monitor writes them (the test parses protocol.h's formats against these). */
export const EXIT_FIELDS = ['exitCode', 'signal', 'finishedAt', 'error'] as const satisfies readonly (keyof ExitRecord)[];
export const HEALTH_FIELDS = ['Status', 'FailingStreak', 'Log'] as const satisfies readonly (keyof HealthRecord)[];
export const HEALTH_LOG_FIELDS = ['Start', 'End', 'ExitCode', 'Output'] as const satisfies readonly (keyof HealthLogEntry)[];
export const RESTART_FIELDS = ['count', 'restarting', 'exitCode', 'startedAt', 'finishedAt'] as const satisfies readonly (keyof RestartRecord)[];
// ...and no interface field is missing from its list (a compile error names the list)
type Covers<List extends readonly string[], Record> = Exclude<keyof Record, List[number]> extends never ? true : never;
const covered: [Covers<typeof EXIT_FIELDS, ExitRecord>, Covers<typeof HEALTH_FIELDS, HealthRecord>, Covers<typeof HEALTH_LOG_FIELDS, HealthLogEntry>, Covers<typeof RESTART_FIELDS, RestartRecord>] = [true, true, true, true];
void covered;

/** berth-exec's long options (section 9). */
export const EXEC_OPT = {
  PID: 'pid',
  NAMESPACES: 'ns',
  CGROUP: 'cgroup',
  UID: 'uid',
  GID: 'gid',
  GROUP: 'group',
  CWD: 'cwd',
  ENV: 'env',
  CAP: 'cap',
  NO_NEW_PRIVS: 'no-new-privs',
  SECCOMP: 'seccomp',
} as const;

export interface ExecArgs {
  readonly pid: number;
  readonly namespaces: readonly Namespace[];
  readonly cgroups: readonly string[];
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly number[];
  readonly cwd: string;
  readonly env: readonly string[];
  readonly caps: readonly number[];
  readonly noNewPrivs: boolean;
  readonly seccompFile?: string;
  readonly argv: readonly string[];
}

/** The arguments of berth-exec for `a`. */
export function execArgv(a: ExecArgs): string[] {
  const o = (name: string, value: string | number) => [`--${name}`, String(value)];
  return [
    ...o(EXEC_OPT.PID, a.pid),
    ...o(EXEC_OPT.NAMESPACES, a.namespaces.join(',')),
    ...o(EXEC_OPT.UID, a.uid),
    ...o(EXEC_OPT.GID, a.gid),
    ...o(EXEC_OPT.CWD, a.cwd),
    ...a.groups.flatMap((gid) => o(EXEC_OPT.GROUP, gid)),
    ...a.cgroups.flatMap((procs) => o(EXEC_OPT.CGROUP, procs)),
    ...a.env.flatMap((env) => o(EXEC_OPT.ENV, env)),
    ...a.caps.flatMap((cap) => o(EXEC_OPT.CAP, cap)),
    ...(a.noNewPrivs ? [`--${EXEC_OPT.NO_NEW_PRIVS}`] : []),
    ...(a.seccompFile === undefined ? [] : o(EXEC_OPT.SECCOMP, a.seccompFile)),
    '--',
    ...a.argv,
  ];
}

/** berth-proxy's long options (section 10). */
export const PROXY_OPT = {
  PROTO: 'proto',
  HOST_IP: 'host-ip',
  HOST_PORT: 'host-port',
  CONTAINER_IP: 'container-ip',
  CONTAINER_PORT: 'container-port',
  READY_FD: 'ready-fd',
  UDP_IDLE_TIMEOUT: 'udp-idle-timeout',
} as const;

export interface ProxyArgs {
  readonly proto: 'tcp' | 'udp';
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerIp: string;
  readonly containerPort: number;
  readonly readyFd: number;
  readonly udpIdleTimeoutS?: number;
}

/** The arguments of berth-proxy for `a`. */
export function proxyArgv(a: ProxyArgs): string[] {
  const o = (name: string, value: string | number) => [`--${name}`, String(value)];
  return [
    ...o(PROXY_OPT.PROTO, a.proto),
    ...o(PROXY_OPT.HOST_IP, a.hostIp),
    ...o(PROXY_OPT.HOST_PORT, a.hostPort),
    ...o(PROXY_OPT.CONTAINER_IP, a.containerIp),
    ...o(PROXY_OPT.CONTAINER_PORT, a.containerPort),
    ...o(PROXY_OPT.READY_FD, a.readyFd),
    ...(a.udpIdleTimeoutS === undefined ? [] : o(PROXY_OPT.UDP_IDLE_TIMEOUT, a.udpIdleTimeoutS)),
  ];
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
