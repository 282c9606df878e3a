// The native runtime: berth's own C init (native/monitor/init.c).  It reads
// the same OCI config.json runc would and turns it into the monitor's spec
// records, so every decision (mounts, devices, capabilities, user) is made
// here in TypeScript and the C only carries it out.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { encodeSpec, execArgv, KEY, SEP, type Namespace } from './protocol.js';
import { EXEC_BIN, MONITOR_BIN, startMonitor } from './monitor-process.js';
import { capabilityNumber, mountFlags, DEFAULT_DEV_SYMLINKS } from './oci-spec.js';
import { BerthError } from '../errors.js';
import path from 'node:path';
import { applyDeviceRules, machineCgroups } from './cgroups.js';
import { expandCgroupfs } from './cgroup-mounts.js';
import type { OciDeviceRule } from './oci-types.js';
import type { BundleFiles, ExecOptions, Runtime, StartOptions, Started } from './driver.js';
import type { OciSeccomp } from './oci-types.js';
import { nativeSeccomp } from '../security/seccomp.js';

/** The parts of an OCI runtime config.json the native runtime reads. */
interface OciConfig {
  root: { path: string; readonly?: boolean };
  hostname?: string;
  process: {
    terminal?: boolean;
    consoleSize?: { height: number; width: number };
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env?: string[];
    cwd: string;
    capabilities?: { bounding?: string[] };
    noNewPrivileges?: boolean;
  };
  mounts?: Array<{ destination: string; type?: string; source?: string; options?: string[] }>;
  linux?: {
    namespaces?: Array<{ type: string; path?: string }>;
    devices?: Array<{ path: string; type: string; major: number; minor: number; fileMode?: number }>;
    maskedPaths?: string[];
    readonlyPaths?: string[];
    resources?: { devices?: OciDeviceRule[] };
    seccomp?: OciSeccomp;
  };
}

const NAMESPACES: Record<string, Namespace> = { pid: 'pid', mount: 'mount', uts: 'uts', ipc: 'ipc', network: 'net', cgroup: 'cgroup' };

type SpecRecord = readonly [string, string | number];

/** config.json + start options -> the monitor's spec records (protocol.h). */
export function nativeSpecRecords(config: OciConfig, bundle: BundleFiles, options: StartOptions): SpecRecord[] {
  const records: SpecRecord[] = [[KEY.MODE, 'native'], [KEY.ROOTFS, config.root.path]];
  const p = config.process;
  for (const arg of p.args) records.push([KEY.ARG, arg]);
  for (const env of p.env ?? []) records.push([KEY.ENV, env]);
  records.push([KEY.CWD, p.cwd || '/']);
  if (config.hostname) records.push([KEY.HOSTNAME, config.hostname]);
  let newNet = false;
  for (const ns of config.linux?.namespaces ?? []) {
    const name = NAMESPACES[ns.type];
    if (!name) throw new BerthError('invalid', `unknown namespace type in config.json: ${ns.type}`);
    if (ns.path) {
      // Join one the engine made (a bridged container's /run/netns/...) or another container's.
      records.push([KEY.NAMESPACE_PATH, `${name}${SEP}${ns.path}`]);
      continue;
    }
    if (name === 'net') newNet = true;
    records.push([KEY.NAMESPACE, name]);
  }
  for (const procs of options.cgroupProcs) records.push([KEY.CGROUP, procs]);
  // /sys/fs/cgroup (type "cgroup"): mounts this machine's cgroups need, after the cgroup namespace (cgroup-mounts.ts).
  const cgroupfs = expandCgroupfs(config.mounts ?? [], options.cgroups);
  for (const m of cgroupfs) {
    const { flags, data } = mountFlags(m.options ?? []);
    const type = m.type === 'bind' ? '' : m.type ?? '';
    records.push([KEY.MOUNT, [m.source ?? 'none', m.destination, type, flags, data].join(SEP)]);
  }
  for (const d of config.linux?.devices ?? []) {
    records.push([KEY.DEVICE, [d.path, d.type, d.major, d.minor, (d.fileMode ?? 0o666).toString(8)].join(SEP)]);
  }
  for (const { target, path } of DEFAULT_DEV_SYMLINKS) records.push([KEY.SYMLINK, `${target}${SEP}${path}`]);
  for (const masked of config.linux?.maskedPaths ?? []) records.push([KEY.MASKED, masked]);
  for (const ro of config.linux?.readonlyPaths ?? []) records.push([KEY.READONLY, ro]);
  if (config.root.readonly) records.push([KEY.ROOTFS_READONLY, 1]);
  records.push([KEY.UID, p.user.uid], [KEY.GID, p.user.gid]);
  for (const gid of p.user.additionalGids ?? []) records.push([KEY.GROUP, gid]);
  for (const cap of p.capabilities?.bounding ?? []) records.push([KEY.CAP, capabilityNumber(cap)]);
  records.push([KEY.NO_NEW_PRIVS, p.noNewPrivileges ? 1 : 0], [KEY.LOOPBACK_UP, newNet ? 1 : 0]);
  records.push([KEY.TTY, p.terminal ? 1 : 0]);
  if (p.terminal && p.consoleSize) records.push([KEY.TTY_ROWS, p.consoleSize.height], [KEY.TTY_COLS, p.consoleSize.width]);
  records.push(...seccompRecords(config.linux?.seccomp, bundle));
  records.push(...monitorRecords(bundle, options));
  return records;
}

/** Where the monitor writes the container's compiled seccomp filter for berth-exec (host-only, mode 0600). */
export function seccompFile(bundle: BundleFiles): string {
  return path.join(bundle.dir, 'seccomp.bpf');
}

/** Programs compiled from identical seccomp records, shared by every container of this state root (<root>/seccomp). */
export function seccompCacheDir(bundle: BundleFiles): string {
  return path.join(path.dirname(path.dirname(bundle.dir)), 'seccomp');
}

/** linux.seccomp -> protocol.h section 8 records (none: no filter).  Every rule is decided here (security/seccomp.ts);
 * the monitor hands them to libseccomp as they are, or reads the program it compiled before from the same records
 * (seccomp_cache, named by their hash: libseccomp takes ~20 ms for Docker's profile, reading it back ~0.05 ms). */
export function seccompRecords(seccomp: OciSeccomp | undefined, bundle: BundleFiles): SpecRecord[] {
  if (!seccomp) return [];
  // Every container of a process gets the same few filters: build their records and hash once.
  const key = JSON.stringify(seccomp);
  let rules = seccompRuleRecords.get(key);
  if (!rules) {
    const native = nativeSeccomp(seccomp);
    const records: SpecRecord[] = [[KEY.SECCOMP_DEFAULT, `${native.defaultAction}${SEP}${native.defaultErrno}`]];
    for (const arch of native.architectures) records.push([KEY.SECCOMP_ARCH, arch]);
    for (const rule of native.rules) {
      const fields: Array<string | number> = [rule.name, rule.action, rule.errno];
      for (const a of rule.args) fields.push(a.index, a.op, a.value, a.valueTwo);
      records.push([KEY.SECCOMP_RULE, fields.join(SEP)]);
    }
    const hash = crypto.createHash('sha256').update('berth-seccomp-1\0').update(encodeSpec(records)).digest('hex');
    seccompRuleRecords.set(key, (rules = { records, hash }));
  }
  return [...rules.records, [KEY.SECCOMP_FILE, seccompFile(bundle)], [KEY.SECCOMP_CACHE, path.join(seccompCacheDir(bundle), `${rules.hash}.bpf`)]];
}
const seccompRuleRecords = new Map<string, { records: SpecRecord[]; hash: string }>();

/** Whether the container was started with a seccomp filter (its config.json says so). */
function hasSeccomp(bundle: BundleFiles): boolean {
  try {
    return Boolean((JSON.parse(fs.readFileSync(bundle.configJson, 'utf8')) as OciConfig).linux?.seccomp);
  } catch {
    return fs.existsSync(seccompFile(bundle)); // fail closed: a filter written once is used
  }
}

/** The records every runtime gives the monitor: stdio, log, socket, exit, restarts, and the health probe as `probeArgv` makes it. */
export function monitorRecords(bundle: BundleFiles, options: StartOptions, probeArgv: (cmd: readonly string[]) => { argv: readonly string[]; onHost: boolean } = (cmd) => ({ argv: cmd, onHost: false })): SpecRecord[] {
  const records: SpecRecord[] = [
    [KEY.STDIN, options.stdin ? 1 : 0],
    [KEY.STDIN_ONCE, options.stdinOnce ? 1 : 0],
    [KEY.WAIT_ATTACH, options.waitAttach ? 1 : 0],
    [KEY.LOG, bundle.log],
    [KEY.SOCKET, bundle.socket],
    [KEY.EXIT, bundle.exit],
    [KEY.PIDFILE, bundle.pidfile],
  ];
  for (const arg of options.exitCommand ?? []) records.push([KEY.EXIT_CMD, arg]);
  records.push([KEY.RESTART_COUNT, bundle.restart], [KEY.STOP_FLAG, bundle.stopFlag]);
  if (options.log) records.push([KEY.LOG_MAX_SIZE, options.log.maxSize], [KEY.LOG_MAX_FILE, options.log.maxFile]);
  const restart = options.restart;
  if (restart && restart.name !== 'no') records.push([KEY.RESTART_POLICY, restart.name], [KEY.RESTART_MAX, restart.maximumRetryCount]);
  const health = options.health;
  if (health && health.cmd.length) {
    const probe = probeArgv(health.cmd);
    for (const arg of probe.argv) records.push([KEY.HEALTH_CMD, arg]);
    records.push(
      [KEY.HEALTH_INTERVAL, health.intervalMs],
      [KEY.HEALTH_TIMEOUT, health.timeoutMs],
      [KEY.HEALTH_RETRIES, health.retries],
      [KEY.HEALTH_START_PERIOD, health.startPeriodMs],
      [KEY.HEALTH_FILE, bundle.health],
      [KEY.HEALTH_ON_HOST, probe.onHost ? 1 : 0],
    );
  }
  return records;
}

export const nativeRuntime: Runtime = {
  name: 'native',
  check() {
    if (!fs.existsSync(MONITOR_BIN) || !fs.existsSync(EXEC_BIN)) {
      throw new BerthError('permission', `the native runtime is not built (${MONITOR_BIN} is missing): run npm run build`);
    }
  },
  async start(bundle: BundleFiles, options: StartOptions): Promise<Started> {
    const config = JSON.parse(fs.readFileSync(bundle.configJson, 'utf8')) as OciConfig;
    // The devices allow-list goes on the container's cgroup before its init joins (runc applies the same rules itself).
    const deviceRules = config.linux?.resources?.devices;
    if (deviceRules && options.cgroupProcs.length > 0) applyDeviceRules((options.cgroups ?? machineCgroups()).version, options.cgroupProcs.map((f) => path.dirname(f)), deviceRules);
    if (config.linux?.seccomp) fs.mkdirSync(seccompCacheDir(bundle), { recursive: true, mode: 0o700 });
    return startMonitor(bundle.dir, nativeSpecRecords(config, bundle, options));
  },
  async kill(_bundle: BundleFiles, pid: number, signal: NodeJS.Signals | number) {
    if (pid <= 0) return; // between two runs of a restart policy: nothing to signal (and 0 would be our own group)
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  },
  exec(bundle: BundleFiles, pid: number, o: ExecOptions): ChildProcess {
    const args = execArgv({
      pid,
      namespaces: ['pid', 'mount', 'uts', 'ipc', 'net', 'cgroup'],
      uid: o.uid,
      gid: o.gid,
      cwd: o.cwd,
      groups: o.additionalGids,
      cgroups: o.cgroupProcs,
      env: o.env,
      caps: o.capabilities,
      noNewPrivs: o.noNewPrivileges,
      // Docker applies the container's profile to exec'd processes too; berth-exec fails (125) if the file is missing.
      seccompFile: hasSeccomp(bundle) ? seccompFile(bundle) : undefined,
      argv: o.args,
    });
    return spawn(EXEC_BIN, args, { stdio: o.stdio });
  },
  async cleanup() {},
};
