// The zero-downtime deployment demo end to end, as the lesson does it with
// the real `berth`: the developer builds the app, runs and changes it,
// rebuilds, tags and pushes v1 and v2 to berth's registry; a production host
// (its own engine in its own network namespace) pulls them and serves them
// behind an nginx front door.  v1 -> v2 under load loses no request and every
// request started after the switch is answered by v2; the naive path (stop,
// then start) under the same load loses some.  Then the host goes, leaving
// nothing behind.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { berth, BERTH_BIN, ok, removeAll } from '../_berth.js';
import { berthRoot, eventually, tempDir } from '../_helpers.js';
import { PACKAGE_ROOT } from '../../src/engine/sys.js';
import { loadHost, type HostRecord } from '../../src/engine/host/host.js';
import { formatReport, runLoad, type LoadReport } from '../../src/engine/deploy/load.js';
import type { DeployEvent } from '../../src/engine/deploy/deploy.js';
import { freePort } from '../../src/engine/network/free-port.js';
import { resolveSettings } from '../../src/engine/settings.js';

/** this test run's settings (the runner's BERTH_ROOT...) */
const settings = resolveSettings();

const test = suite('deploy: development -> registry -> production, zero downtime');
// The app and the front door, as lesson 9 builds them.
const ASSETS = path.join(PACKAGE_ROOT, 'lessons', 'files', 'deploy');
const ROOT = berthRoot();
const HOST = `d${path.basename(ROOT).slice(-6).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
const BUILD_MS = 10 * 60_000;

let host: HostRecord;
let registry: ChildProcess | undefined;
let registryHost = '';
let env: NodeJS.ProcessEnv = {};
const summary: string[] = [];

async function get(url: string): Promise<{ status: number; body: string }> {
  return eventually(async () => {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return { status: response.status, body: await response.text() };
    } catch {
      return undefined;
    }
  }, 20_000, url);
}

/** `berth registry serve` on this machine's end of the host's link, as the lesson runs it. */
async function serveRegistry(address: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--', BERTH_BIN, 'registry', 'serve', '--host', address, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`registry did not start: ${out}`)), 20_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const match = /Registry listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return { child, port };
}

function onHost(args: readonly string[], timeoutMs = 120_000) {
  return ok(['--host', HOST, ...args], { env, timeoutMs });
}

/** Deploys with --json; returns the events. */
async function deployOnHost(image: string, extra: readonly string[] = []): Promise<DeployEvent[]> {
  const out = await onHost(['deploy', image, '--service', 'app', '--proxy', 'front', '--health-path', '/healthz', '--stop-timeout', '10', '--json', ...extra]);
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as DeployEvent);
}

/** Load through the front door around a deploy: starts first, ends a second after it. */
async function deployUnderLoad(image: string, extra: readonly string[] = []): Promise<{ report: LoadReport; events: DeployEvent[] }> {
  const abort = new AbortController();
  const loading = runLoad({ url: `http://${host.address}/?work=20`, concurrency: 4, pauseMs: 5, maxRequests: 50_000, maxMs: 180_000, timeoutMs: 5000, signal: abort.signal, settings });
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const events = await deployOnHost(image, extra);
    await new Promise((r) => setTimeout(r, 1000));
    abort.abort();
    return { report: await loading, events };
  } finally {
    abort.abort();
    await loading.catch(() => undefined);
  }
}

function describe(what: string, report: LoadReport, events: readonly DeployEvent[]): string {
  const done = events.find((e) => e.type === 'done');
  const healthy = events.find((e) => e.type === 'healthy');
  return `${what}: ${formatReport(report)}; deploy took ${((done?.ms ?? 0) / 1000).toFixed(1)}s (${healthy?.message ?? 'no health event'})`;
}

test.before(async () => {
  await ok(['host', 'create', HOST]);
  host = loadHost(HOST, settings.root)!;
  const served = await serveRegistry(host.gatewayAddress);
  registry = served.child;
  registryHost = `${host.gatewayAddress}:${served.port}`;
  // Plain HTTP to the lab's registry, on both sides (Docker's insecure-registries).
  env = { BERTH_INSECURE_REGISTRIES: registryHost };
});

test.after(async () => {
  for (const line of summary) console.log(`  ${line}`);
  if (registry && registry.exitCode === null) {
    registry.kill('SIGTERM');
    await new Promise((r) => registry!.once('close', r));
  }
  if (loadHost(HOST, settings.root)) await berth(['host', 'rm', HOST], { timeoutMs: 120_000 });
  await removeAll();
});

test('developer: build, run, change a file, rebuild, retest, tag and push v1 and v2; build and push the front door', async () => {
  const context = tempDir('app-');
  fs.cpSync(path.join(ASSETS, 'app'), context, { recursive: true });
  const started = Date.now();
  await ok(['build', '-t', 'app', context], { timeoutMs: BUILD_MS });
  const firstBuild = Date.now() - started;
  const port = await freePort();
  const v1 = (await ok(['run', '-d', '-p', `127.0.0.1:${port}:8000`, 'app'])).trim();
  assert.match((await get(`http://127.0.0.1:${port}/`)).body, /^hello from app v1 /);
  await ok(['tag', 'app', `${registryHost}/app:v1`]);

  // The change: a new version, rebuilt (the apt layer comes from the cache) and tested again.
  const source = path.join(context, 'Dockerfile');
  const changed = fs.readFileSync(source, 'utf8').replace('ARG VERSION=v1', 'ARG VERSION=v2');
  assert.ok(changed.includes('ARG VERSION=v2'), 'the app\'s version is set in its Dockerfile');
  fs.writeFileSync(source, changed);
  const again = Date.now();
  const rebuilt = await ok(['build', '-t', 'app', context], { timeoutMs: BUILD_MS });
  const rebuild = Date.now() - again;
  assert.match(rebuilt, /Using cache/);
  await ok(['rm', '-f', v1]);
  await ok(['run', '-d', '-p', `127.0.0.1:${port}:8000`, 'app']);
  assert.match((await get(`http://127.0.0.1:${port}/`)).body, /^hello from app v2 /);
  await ok(['tag', 'app', `${registryHost}/app:v2`]);
  await removeAll();

  const proxyStarted = Date.now();
  await ok(['build', '-t', `${registryHost}/front`, path.join(ASSETS, 'proxy')], { timeoutMs: BUILD_MS });
  const proxyBuild = Date.now() - proxyStarted;
  for (const name of ['app:v1', 'app:v2', 'front']) await ok(['push', `${registryHost}/${name}`], { env, timeoutMs: 120_000 });
  summary.push(`builds: app ${(firstBuild / 1000).toFixed(1)}s fresh, ${(rebuild / 1000).toFixed(1)}s after the change; front door ${(proxyBuild / 1000).toFixed(1)}s`);
});

test('production: its own image store; the front door and v1 pulled from the registry', async () => {
  assert.not.match(await onHost(['images']), /app/, 'nothing of the developer\'s is there before a pull');
  await onHost(['run', '-d', '--name', 'front', '-p', '80:80', `${registryHost}/front`]);
  assert.is((await get(`http://${host.address}/berth-proxy-health`)).body, 'ok\n');
  assert.is((await get(`http://${host.address}/`)).status, 502, 'no upstream before the first deploy');
  const events = await deployOnHost(`${registryHost}/app:v1`);
  assert.equal(events.map((e) => e.type), ['begin', 'pulled', 'started', 'healthy', 'switched', 'drained', 'done']);
  assert.match((await get(`http://${host.address}/`)).body, /^hello from app v1 /);
});

test('zero-downtime deploy of v2 under load: no failed request, v2 answers everything after the switch', async () => {
  const { report, events } = await deployUnderLoad(`${registryHost}/app:v2`);
  summary.push(describe('zero-downtime deploy v1 -> v2', report, events));
  assert.equal(events.map((e) => e.type), ['begin', 'pulled', 'started', 'healthy', 'switched', 'drained', 'stopping', 'stopped', 'removed', 'done']);
  assert.is(events.find((e) => e.type === 'stopped')!.message, 'stopped app-1: exit code 0', 'v1 drained on SIGTERM and exited by itself');
  assert.is(report.failed, 0, `failures: ${JSON.stringify(report.errors)}`);
  const switched = events.find((e) => e.type === 'switched')!.at;
  const after = report.samples.filter((s) => s.start >= switched);
  assert.ok(after.length > 20, `requests after the switch: ${after.length}`);
  assert.equal([...new Set(after.map((s) => s.version))], ['v2']);
  assert.ok((report.byVersion.v1 ?? 0) > 0, 'v1 answered before the switch');
  const ps = await onHost(['ps', '--format', '{{.Names}}']);
  assert.equal(ps.trim().split('\n').sort(), ['app-2', 'front']);
});

test('naive deploy (stop v1, then start v2) under the same load: requests fail', async () => {
  await deployOnHost(`${registryHost}/app:v1`); // back to v1, the safe way
  assert.match((await get(`http://${host.address}/`)).body, /^hello from app v1 /);
  const { report, events } = await deployUnderLoad(`${registryHost}/app:v2`, ['--naive']);
  summary.push(describe('naive deploy v1 -> v2', report, events));
  assert.equal(events.map((e) => e.type), ['begin', 'pulled', 'stopping', 'stopped', 'removed', 'started', 'switched', 'healthy', 'done']);
  assert.ok(report.failed > 0, `the naive path lost nothing? ${formatReport(report)}`);
  assert.match((await get(`http://${host.address}/`)).body, /^hello from app v2 /);
});

test('host rm: containers, namespaces, link, routes, rules, cgroups, processes, mounts and state all go', async () => {
  await ok(['host', 'rm', HOST], { timeoutMs: 120_000 });
  assert.is(loadHost(HOST, settings.root), undefined);
  const netns = fs.readdirSync('/run/netns').filter((n) => n === host.netns || n.startsWith(`${host.bridge}-`));
  assert.equal(netns, []);
  assert.not.ok(fs.existsSync(`/proc/sys/net/ipv4/conf/${host.veth}`), 'the veth is gone');
  const { execFileSync } = await import('node:child_process');
  assert.not.match(execFileSync('ip', ['route'], { encoding: 'utf8' }), new RegExp(`dev ${host.veth}\\b`));
  assert.not.match(execFileSync('iptables-save', [], { encoding: 'utf8' }), new RegExp(`BHOST-${HOST.toUpperCase()}`, 'i'));
  assert.not.match(fs.readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(host.root.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
  const processes = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(host.root);
    } catch {
      return false;
    }
  });
  assert.equal(processes, []);
  const cgroups = fs.readdirSync('/sys/fs/cgroup').map((c) => path.join('/sys/fs/cgroup', c, host.cgroupParent)).filter((d) => fs.existsSync(d));
  assert.equal(cgroups, []);
  assert.not.ok(fs.existsSync(host.root), 'its state root is gone');
});

test.run();
