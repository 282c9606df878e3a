// Real containers for the monitor and exec tests: a busybox rootfs, a spec
// written with encodeSpec, berth-monitor started as the engine starts it, and
// clean-up that leaves no process, mount or socket behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { encodeSpec, KEY, SPEC_FILE, type ExitRecord } from '../../../src/engine/runtime/protocol.js';
import { MS, NATIVE_BUILD } from '../../../src/engine/sys.js';
import { eventually, tempDir } from '../../_helpers.js';

export const MONITOR = path.join(NATIVE_BUILD, 'berth-monitor');
export const EXEC = path.join(NATIVE_BUILD, 'berth-exec');

// Docker's default capability set (numbers from linux/capability.h): no CAP_SYS_ADMIN.
export const DEFAULT_CAPS = [0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31];
export const ENV = ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root'];

let rootfsCache: string | undefined;

/** A busybox rootfs (shared by the file's tests; containers never write to it). */
export function busyboxRootfs(): string {
  if (rootfsCache) return rootfsCache;
  const root = tempDir('rootfs-');
  for (const dir of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'mnt']) {
    fs.mkdirSync(path.join(root, dir), { recursive: true });
  }
  fs.copyFileSync('/bin/busybox', path.join(root, 'bin/busybox'));
  fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);
  const applets = spawnSync('/bin/busybox', ['--list-full'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const applet of applets) {
    const link = path.join(root, applet);
    if (applet === 'bin/busybox' || fs.existsSync(link)) continue;
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync('/bin/busybox', link);
  }
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\napp:x:1000:1000::/tmp:/bin/sh\n');
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\napp:x:1000:\nextra:x:2000:\nnogroup:x:65534:\n');
  fs.chmodSync(path.join(root, 'tmp'), 0o1777);
  fs.chmodSync(root, 0o755);
  rootfsCache = root;
  return root;
}

export interface ContainerOptions {
  args: string[];
  rootfs?: string;
  mode?: 'native' | 'command';
  env?: string[];
  hostname?: string;
  uid?: number;
  gid?: number;
  groups?: number[];
  caps?: number[];
  tty?: boolean;
  stdin?: boolean;
  stdinOnce?: boolean;
  waitAttach?: boolean;
  cgroups?: string[];
  extraMounts?: Array<[string, string, string, number, string]>;
  /** argv of exit_cmd, given the container dir. */
  exitCmd?: (dir: string) => string[];
  namespaces?: string[];
}

export interface Container {
  dir: string;
  socket: string;
  log: string;
  exit: string;
  pidfile: string;
  monitor: ChildProcess;
  /** The first line the monitor wrote on fd 3. */
  ready: string;
  /** Host pid of the container process (0 when setup failed). */
  pid: number;
}

const SEP = '\x1f';

export function specRecords(dir: string, o: ContainerOptions): Array<[string, string | number]> {
  const r: Array<[string, string | number]> = [['mode', o.mode ?? 'native']];
  for (const a of o.args) r.push([KEY.ARG, a]);
  for (const e of o.env ?? ENV) r.push([KEY.ENV, e]);
  r.push([KEY.CWD, '/'], [KEY.ROOTFS, o.rootfs ?? busyboxRootfs()], [KEY.HOSTNAME, o.hostname ?? 'berthbox']);
  for (const ns of o.namespaces ?? ['pid', 'mount', 'uts', 'ipc', 'net', 'cgroup']) r.push([KEY.NAMESPACE, ns]);
  for (const cg of o.cgroups ?? []) r.push([KEY.CGROUP, cg]);
  const mount = (src: string, target: string, type: string, flags: number, data: string) => r.push([KEY.MOUNT, [src, target, type, flags, data].join(SEP)]);
  const nosuidNodevNoexec = MS.NOSUID | MS.NODEV | MS.NOEXEC;
  mount('proc', '/proc', 'proc', nosuidNodevNoexec, '');
  mount('tmpfs', '/dev', 'tmpfs', MS.NOSUID | MS.STRICTATIME, 'mode=755,size=65536k');
  mount('devpts', '/dev/pts', 'devpts', MS.NOSUID | MS.NOEXEC, 'newinstance,ptmxmode=0666,mode=0620');
  mount('shm', '/dev/shm', 'tmpfs', nosuidNodevNoexec, 'mode=1777,size=65536k');
  mount('mqueue', '/dev/mqueue', 'mqueue', nosuidNodevNoexec, '');
  mount('sysfs', '/sys', 'sysfs', nosuidNodevNoexec | MS.RDONLY, '');
  for (const m of o.extraMounts ?? []) mount(...m);
  const devices: Array<[string, number, number]> = [['null', 1, 3], ['zero', 1, 5], ['full', 1, 7], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0]];
  for (const [name, major, minor] of devices) r.push([KEY.DEVICE, [`/dev/${name}`, 'c', major, minor, '666'].join(SEP)]);
  for (const [target, link] of [['/proc/self/fd', '/dev/fd'], ['/proc/self/fd/0', '/dev/stdin'], ['/proc/self/fd/1', '/dev/stdout'], ['/proc/self/fd/2', '/dev/stderr'], ['pts/ptmx', '/dev/ptmx']]) {
    r.push([KEY.SYMLINK, `${target}${SEP}${link}`]);
  }
  for (const p of ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/acpi', '/sys/firmware', '/proc/scsi']) r.push([KEY.MASKED, p]);
  for (const p of ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']) r.push([KEY.READONLY, p]);
  r.push([KEY.UID, o.uid ?? 0], [KEY.GID, o.gid ?? 0]);
  for (const g of o.groups ?? []) r.push([KEY.GROUP, g]);
  for (const c of o.caps ?? DEFAULT_CAPS) r.push([KEY.CAP, c]);
  r.push([KEY.NO_NEW_PRIVS, 1], [KEY.LOOPBACK_UP, 1]);
  r.push([KEY.TTY, o.tty ? 1 : 0], [KEY.TTY_ROWS, 24], [KEY.TTY_COLS, 80]);
  r.push([KEY.STDIN, o.stdin ? 1 : 0], [KEY.STDIN_ONCE, o.stdinOnce ? 1 : 0], [KEY.WAIT_ATTACH, o.waitAttach ? 1 : 0]);
  r.push([KEY.LOG, path.join(dir, 'log.json')], [KEY.SOCKET, path.join(dir, 'attach.sock')]);
  r.push([KEY.EXIT, path.join(dir, 'exit.json')], [KEY.PIDFILE, path.join(dir, 'pid')]);
  for (const a of o.exitCmd?.(dir) ?? []) r.push([KEY.EXIT_CMD, a]);
  return r;
}

const running = new Set<Container>();

/** Writes the spec and starts berth-monitor; resolves once the ready line is read. */
export async function start(o: ContainerOptions, records?: Array<[string, string | number]>): Promise<Container> {
  const dir = tempDir('ctr-');
  fs.writeFileSync(path.join(dir, SPEC_FILE), encodeSpec(records ?? specRecords(dir, o)));
  const monitor = spawn(MONITOR, [dir], { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const c: Container = {
    dir, monitor, ready: '', pid: 0,
    socket: path.join(dir, 'attach.sock'), log: path.join(dir, 'log.json'),
    exit: path.join(dir, 'exit.json'), pidfile: path.join(dir, 'pid'),
  };
  running.add(c);
  const readyStream = monitor.stdio[3] as NodeJS.ReadableStream;
  c.ready = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ready line after 10 s (got ${JSON.stringify(text)})`)), 10_000);
    readyStream.on('data', (d: Buffer) => { text += d.toString(); });
    readyStream.on('end', () => { clearTimeout(timer); resolve(text.trim()); });
  });
  const match = /^ok (\d+)$/.exec(c.ready);
  if (match) c.pid = Number(match[1]);
  return c;
}

/** Resolves when the monitor process has exited. */
export function monitorGone(c: Container, ms = 10_000): Promise<number | null> {
  if (c.monitor.exitCode !== null || c.monitor.signalCode !== null) return Promise.resolve(c.monitor.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`monitor still running after ${ms} ms`)), ms);
    c.monitor.on('exit', (code) => { clearTimeout(timer); resolve(code); });
  });
}

/** Waits for the exit file and the monitor's own exit. */
export async function waitExit(c: Container, ms = 10_000): Promise<ExitRecord> {
  await monitorGone(c, ms);
  running.delete(c);
  return JSON.parse(fs.readFileSync(c.exit, 'utf8')) as ExitRecord;
}

export interface LogLine { log: string; stream: string; time: string }

export function readLog(c: Container): LogLine[] {
  if (!fs.existsSync(c.log)) return [];
  return fs.readFileSync(c.log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine);
}

export function logText(c: Container, stream?: string): string {
  return readLog(c).filter((l) => !stream || l.stream === stream).map((l) => l.log).join('');
}

/** Runs a short-lived container to its end and returns it with its exit record. */
export async function run(o: ContainerOptions): Promise<{ c: Container; exit: ExitRecord }> {
  const c = await start(o);
  if (!c.pid) throw new Error(`monitor did not start the container: ${c.ready}`);
  return { c, exit: await waitExit(c) };
}

/** An attach client that collects everything the monitor sends. */
export interface Client { socket: net.Socket; data: () => Buffer; closed: Promise<void> }

export async function attach(c: Container): Promise<Client> {
  const socket = net.createConnection(c.socket);
  const chunks: Buffer[] = [];
  socket.on('data', (d) => chunks.push(d));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  return { socket, data: () => Buffer.concat(chunks), closed };
}

/** Splits a non-tty attach stream into its frames. */
export function frames(buf: Buffer): Array<{ stream: number; text: string }> {
  const out: Array<{ stream: number; text: string }> = [];
  for (let off = 0; off + 8 <= buf.length;) {
    const size = buf.readUInt32BE(off + 4);
    out.push({ stream: buf[off], text: buf.subarray(off + 8, off + 8 + size).toString() });
    off += 8 + size;
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Kills whatever is still running (container first, then monitor) and waits for both. */
export async function cleanup(): Promise<void> {
  for (const c of [...running]) {
    if (c.pid && isAlive(c.pid)) { try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } }
    try { await monitorGone(c, 5000); } catch {
      try { process.kill(c.monitor.pid!, 'SIGKILL'); } catch { /* gone */ }
      await monitorGone(c, 5000).catch(() => {});
    }
    running.delete(c);
  }
  await eventually(() => ![...running].length, 1000, 'containers to stop');
}
