// A real S3 server on loopback for the S3 driver's tests and the registry
// bench: an all-in-one OpenStack Swift from Debian's packages (account,
// container and object servers and a proxy with the s3api and tempauth
// middlewares), one replica, its config, rings and storage inside the
// caller's directory.  A fake S3 would not do: the driver relies on
// ListMultipartUploads, ListParts and UploadPartCopy, which Swift's s3api has.
//
// Each server is its own child process in its own process group (workers =
// 0: no forked workers), so stop() ends the groups and checks that nothing is
// left.  Their logs come to a UDP syslog socket of ours on 127.0.0.1 (Swift
// logs to syslog, which a test machine may not run), kept with their stderr
// so a start that fails says why.
//
// Swift reads its hash prefix and storage policies from /etc/swift/swift.conf,
// which the `swift` package ships; everything else is ours.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from '../engine/index.js';

const BIN = '/usr/bin';
const SERVERS = ['account', 'container', 'object'] as const;
const PROXY = 'proxy' as const;
type ServerName = (typeof SERVERS)[number] | typeof PROXY;
/** the backends first: the proxy is of no use before them */
const ALL: readonly ServerName[] = [...SERVERS, PROXY];
/** what must be installed, by file, with the Debian package that brings it */
const NEEDED: ReadonlyArray<readonly [string, string]> = [
  [`${BIN}/swift-ring-builder`, 'swift'],
  ['/etc/swift/swift.conf', 'swift'],
  [`${BIN}/swift-proxy-server`, 'swift-proxy'],
  [`${BIN}/swift-account-server`, 'swift-account'],
  [`${BIN}/swift-container-server`, 'swift-container'],
  [`${BIN}/swift-object-server`, 'swift-object'],
];

export interface SwiftS3 {
  /** e.g. http://127.0.0.1:40123 (path-style addressing) */
  readonly endpoint: string;
  /** what s3api calls its location; SigV4 signs with it */
  readonly region: string;
  /** tempauth's "account:user" */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** makes a bucket (a Swift container); a bucket that is already there is fine */
  createBucket(name: string): Promise<void>;
  /** the servers' last log lines, for a failure's message */
  logs(): string;
  /** ends every server process group and checks that none is left */
  stop(): Promise<void>;
}

/** Why Swift cannot run here (the missing files and the packages to install), or undefined when it can. */
export function swiftS3Problem(): string | undefined {
  const missing = NEEDED.filter(([file]) => !fs.existsSync(file));
  if (missing.length === 0) return undefined;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  return `OpenStack Swift is not installed (missing ${missing.map(([file]) => file).join(', ')}): apt-get install ${packages.join(' ')} (scripts/setup.sh does)`;
}

/** Keeps the last lines of each source, for error messages. */
class LogTail {
  private readonly lines: string[] = [];

  add(source: string, text: string): void {
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      this.lines.push(`${source}: ${line}`);
      if (this.lines.length > 200) this.lines.shift();
    }
  }

  toString(): string {
    return this.lines.join('\n');
  }
}

/**
 * Starts Swift with s3api on 127.0.0.1 under `dir` (config in dir/etc,
 * storage in dir/srv, which must be on a file system with xattrs: ext4,
 * xfs, tmpfs); resolves once every server answers its healthcheck, within
 * `timeoutMs`, and fails with the servers' logs otherwise.
 */
export async function startSwiftS3(options: { dir: string; timeoutMs?: number }): Promise<SwiftS3> {
  const problem = swiftS3Problem();
  if (problem) throw new Error(problem);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const etc = path.join(options.dir, 'etc');
  const srv = path.join(options.dir, 'srv');
  fs.mkdirSync(etc, { recursive: true });
  fs.mkdirSync(path.join(srv, 'd1'), { recursive: true });

  const tail = new LogTail();
  const sink = dgram.createSocket('udp4');
  sink.on('message', (message) => {
    // "<134>proxy-server: GET /..." : drop the syslog priority.
    const text = message.toString('utf8').replace(/^<\d+>/, '');
    const colon = text.indexOf(': ');
    tail.add(colon > 0 && colon < 40 ? text.slice(0, colon) : 'swift', colon > 0 && colon < 40 ? text.slice(colon + 2) : text);
  });
  await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
  const logPort = sink.address().port;
  const noCache = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => noCache.listen(0, '127.0.0.1', resolve));
  const noCachePort = (noCache.address() as net.AddressInfo).port;

  const ports = {} as Record<ServerName, number>;
  for (const name of ALL) ports[name] = await freePort();
  const user = os.userInfo().username;
  const accessKeyId = 'test:tester';
  const secretAccessKey = crypto.randomBytes(12).toString('hex');
  const region = 'us-east-1';

  const common = (name: ServerName) => [
    '[DEFAULT]',
    'bind_ip = 127.0.0.1',
    `bind_port = ${ports[name]}`,
    'workers = 0',
    `user = ${user}`,
    `swift_dir = ${etc}`,
    `devices = ${srv}`,
    'mount_check = false',
    'log_udp_host = 127.0.0.1',
    `log_udp_port = ${logPort}`,
    `log_name = ${name}-server`,
    '',
  ];
  for (const name of SERVERS) {
    fs.writeFileSync(path.join(etc, `${name}-server.conf`), [
      ...common(name),
      '[pipeline:main]',
      `pipeline = healthcheck ${name}-server`,
      '[filter:healthcheck]',
      'use = egg:swift#healthcheck',
      `[app:${name}-server]`,
      `use = egg:swift#${name}`,
      ...(name === 'object' ? ['disable_fallocate = true'] : []),
      '',
    ].join('\n'));
  }
  fs.writeFileSync(path.join(etc, 'proxy-server.conf'), [
    ...common(PROXY),
    '[pipeline:main]',
    // s3api's documented tempauth pipeline; slo makes multipart uploads, copy serves CopyObject.
    'pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo versioned_writes proxy-logging proxy-server',
    '[app:proxy-server]',
    'use = egg:swift#proxy',
    'account_autocreate = true',
    '[filter:s3api]',
    'use = egg:swift#s3api',
    `location = ${region}`,
    '[filter:tempauth]',
    'use = egg:swift#tempauth',
    `user_test_tester = ${secretAccessKey} .admin`,
    '[filter:cache]',
    'use = egg:swift#memcache',
    // No memcached: tempauth insists on a cache, so it gets one that finds
    // nothing (a port of ours that hangs up at once), and the proxy asks the
    // servers instead; never a memcached someone else runs on this machine.
    `memcache_servers = 127.0.0.1:${noCachePort}`,
    ...['catch_errors', 'gatekeeper', 'healthcheck', 'proxy-logging', 'listing_formats', 'bulk', 'copy', 'slo', 'dlo', 'versioned_writes']
      .flatMap((filter) => [`[filter:${filter}]`, `use = egg:swift#${filter.replace('-', '_')}`]),
    '',
  ].join('\n'));

  // Rings: 2^6 partitions, 1 replica, all on the one device.
  for (const name of SERVERS) {
    const builder = path.join(etc, `${name}.builder`);
    ringBuilder(builder, ['create', '6', '1', '1']);
    ringBuilder(builder, ['add', '--region', '1', '--zone', '1', '--ip', '127.0.0.1', '--port', String(ports[name]), '--device', 'd1', '--weight', '1']);
    ringBuilder(builder, ['rebalance']);
  }

  const children = new Map<ServerName, ChildProcess>();
  const exits = new Map<ServerName, Promise<void>>();
  const killAll = (signal: NodeJS.Signals) => {
    for (const child of children.values()) {
      try { process.kill(-child.pid!, signal); } catch { /* group gone */ }
    }
  };
  const onExit = () => killAll('SIGKILL');
  process.once('exit', onExit);
  for (const name of ALL) {
    const child = spawn(`${BIN}/swift-${name}-server`, [path.join(etc, `${name}-server.conf`)], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: options.dir,
    });
    child.stdout!.on('data', (d: Buffer) => tail.add(`${name}-server`, d.toString()));
    child.stderr!.on('data', (d: Buffer) => tail.add(`${name}-server`, d.toString()));
    children.set(name, child);
    exits.set(name, new Promise((resolve) => child.once('close', () => resolve())));
    child.once('error', (error) => tail.add(`${name}-server`, `cannot start: ${error.message}`));
  }

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killAll('SIGTERM');
    const timer = setTimeout(() => killAll('SIGKILL'), 5000);
    await Promise.all(exits.values());
    clearTimeout(timer);
    // The leader has exited; a straggler in its group (an eventlet helper) is ended too.
    const left: string[] = [];
    for (const [name, child] of children) {
      for (let i = 0; groupAlive(child.pid!) && i < 50; i++) {
        if (i === 10) killAll('SIGKILL');
        await new Promise((r) => setTimeout(r, 100));
      }
      if (groupAlive(child.pid!)) left.push(`${name}-server (process group ${child.pid})`);
    }
    process.removeListener('exit', onExit);
    sink.close();
    noCache.close();
    if (left.length) throw new Error(`Swift processes are still running after stop: ${left.join(', ')}`);
  };

  const endpoint = `http://127.0.0.1:${ports[PROXY]}`;
  const deadline = Date.now() + timeoutMs;
  try {
    for (const name of ALL) {
      for (;;) {
        const child = children.get(name)!;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`swift-${name}-server exited (${child.exitCode ?? child.signalCode}) before it answered`);
        }
        if (await healthy(`http://127.0.0.1:${ports[name]}/healthcheck`)) break;
        if (Date.now() > deadline) throw new Error(`swift-${name}-server did not answer on 127.0.0.1:${ports[name]} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    await stop().catch(() => undefined);
    throw new Error(`${(error as Error).message}; config in ${etc}; the servers said:\n${tail.toString() || '(nothing)'}`);
  }

  const client = new S3Client({
    endpoint, region, forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    async createBucket(name: string) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      } catch (error) {
        const code = (error as { name?: string }).name;
        if (code === 'BucketAlreadyOwnedByYou' || code === 'BucketAlreadyExists') return;
        throw new Error(`Swift (${endpoint}): cannot create bucket ${name}: ${(error as Error).message}\n${tail.toString()}`);
      }
    },
    logs: () => tail.toString(),
    async stop() {
      client.destroy();
      await stop();
    },
  };
}

function ringBuilder(builder: string, args: string[]): void {
  const result = spawnSync(`${BIN}/swift-ring-builder`, [builder, ...args], { encoding: 'utf8' });
  // 1 is a warning (e.g. "balance could be better"), which one device never needs to mind.
  if (result.error || (result.status !== 0 && result.status !== 1)) {
    throw new Error(`swift-ring-builder ${path.basename(builder)} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}): ${result.stdout}${result.stderr}`);
  }
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
