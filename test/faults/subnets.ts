// Issue 12 row 12: a subnet pool like Docker's default-address-pools.
// Before: three candidates (10.88/16, 172.30/16, 192.168.217/24); with those
// routed elsewhere (three berth roots, Docker plus a VPN) no bridged
// container could start: "no free subnet".  BERTH_ADDRESS_POOLS did not
// exist, and two engines starting bridges at once could take the same subnet.
//
// Everything here runs in a network namespace of the test's own (berth under
// `nsenter --net`, as `berth --host` does), where bridges with addresses play
// the routes that hold candidates: the host's routes are never touched.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BERTH_BIN, ok, type Result } from '../_berth.js';
import { berthRoot, tempDir } from '../_helpers.js';
import { statePaths } from '../../src/engine/paths.js';
import { PACKAGE_ROOT } from '../../src/engine/sys.js';

const subnets = suite('subnets: a pool of 32, configurable, shared safely between engines');

const netns = `bsub-${process.pid}`;
const mainBridge = process.env.BERTH_BRIDGE ?? 'berth0';
/** Extra state roots (other engines on the same machine): root -> bridge; each has its own cgroup parent too. */
const extra = new Map<string, string>();
const cgroupParent = (root: string) => `${process.env.BERTH_CGROUP_PARENT ?? 'berth'}-${extra.get(root)!.slice(-1)}`;
let image = '';

function ipIn(...args: string[]): void {
  const result = spawnSync('ip', ['-n', netns, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ip -n ${netns} ${args.join(' ')}: ${result.stderr}`);
}

/** berth inside the test's namespace, with the test's root or another one. */
function berthIn(args: readonly string[], options: { root?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  const root = options.root ?? berthRoot();
  const own = extra.has(root) ? { BERTH_BRIDGE: extra.get(root)!, BERTH_CGROUP_PARENT: cgroupParent(root) } : {};
  const env: NodeJS.ProcessEnv = { ...process.env, BERTH_ROOT: root, ...own, ...options.env };
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=/run/netns/${netns}`, process.execPath, '--', BERTH_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 137, stdout, stderr });
    });
  });
}

async function okIn(args: readonly string[], options?: Parameters<typeof berthIn>[1]): Promise<string> {
  const result = await berthIn(args, options);
  if (result.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result.stdout;
}

/** A bridge in the namespace holding `cidr` (its route is what berth must avoid). */
function hold(name: string, address: string): void {
  ipIn('link', 'add', name, 'type', 'bridge');
  ipIn('addr', 'add', address, 'dev', name);
  ipIn('link', 'set', name, 'up');
}

function release(name: string): void {
  spawnSync('ip', ['-n', netns, 'link', 'del', name]);
}

/** The subnet a bridged container of this root gets: its eth0 address/prefix. */
async function subnetOf(options?: Parameters<typeof berthIn>[1]): Promise<string> {
  const out = await okIn(['run', '--rm', 'busybox', 'ip', '-4', '-o', 'addr', 'show', 'eth0'], options);
  const match = / inet (\d+\.\d+\.\d+)\.\d+\/(\d+) /.exec(out);
  assert.ok(match, out);
  return `${match![1]}.0/${match![2]}`;
}

/** Another engine on this machine: its own root and bridge, busybox loaded from the test's. */
async function otherEngine(tag: string): Promise<string> {
  const root = tempDir(`root-${tag}-`);
  extra.set(root, `${mainBridge.slice(0, 9)}${tag}`);
  await okIn(['load', '-i', image], { root });
  return root;
}

subnets.before(async () => {
  spawnSync('ip', ['netns', 'del', netns]);
  const made = spawnSync('ip', ['netns', 'add', netns], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(made.stderr);
  ipIn('link', 'set', 'lo', 'up');
  await ok(['pull', 'busybox']);
  image = path.join(tempDir('image-'), 'busybox.tar');
  await ok(['save', '-o', image, 'busybox']);
});

subnets.after(async () => {
  for (const root of [berthRoot(), ...extra.keys()]) {
    const ids = (await berthIn(['ps', '-aq', '--no-trunc'], { root })).stdout.split('\n').filter(Boolean);
    if (ids.length) await berthIn(['rm', '-f', ...ids], { root });
  }
  const { removeCgroupParent } = await import(path.join(PACKAGE_ROOT, 'scripts', 'leftovers.mjs')) as { removeCgroupParent(parent: string): void };
  for (const root of extra.keys()) {
    await berthIn(['hub', 'stop'], { root });
    fs.rmSync(statePaths(root).sockets, { recursive: true, force: true });
    removeCgroupParent(cgroupParent(root));
  }
  // the subnet registry's (now empty) directory of this namespace
  const ns = spawnSync('nsenter', [`--net=/run/netns/${netns}`, 'readlink', '/proc/self/ns/net'], { encoding: 'utf8' }).stdout.replace(/\D/g, '');
  if (ns) fs.rmSync(path.join('/run/berth/networks', ns), { recursive: true, force: true });
  spawnSync('ip', ['netns', 'del', netns]);
});

subnets('the three old candidates held: the bridge takes the next subnet of the pool, 172.17.0.0/16, then 172.18.0.0/16', async () => {
  hold('hold1', '10.88.0.1/16');
  hold('hold2', '172.30.0.1/16');
  hold('hold3', '192.168.217.1/24');
  try {
    assert.is(await subnetOf(), '172.17.0.0/16');
    hold('hold4', '172.17.0.1/16'); // Docker's docker0
    try {
      assert.is(await subnetOf(), '172.18.0.0/16');
    } finally {
      release('hold4');
    }
  } finally {
    for (const name of ['hold1', 'hold2', 'hold3']) release(name);
  }
  assert.is(await subnetOf(), '10.88.0.0/16', 'with nothing in the way the first choice is still 10.88.0.0/16');
});

subnets('BERTH_ADDRESS_POOLS in both syntaxes; exhausted, the error names what holds each candidate and what to set', async () => {
  assert.is(await subnetOf({ env: { BERTH_ADDRESS_POOLS: 'base=10.99.0.0/16,size=24' } }), '10.99.0.0/24');
  assert.is(await subnetOf({ env: { BERTH_ADDRESS_POOLS: '[{"base":"10.98.0.0/16","size":20}]' } }), '10.98.0.0/20');
  hold('hold5', '10.99.0.1/23');
  try {
    assert.is(await subnetOf({ env: { BERTH_ADDRESS_POOLS: 'base=10.99.0.0/22,size=24' } }), '10.99.2.0/24', 'the held part is skipped');
    const full = await berthIn(['run', '--rm', 'busybox', 'true'], { env: { BERTH_ADDRESS_POOLS: 'base=10.99.0.0/23,size=24' } });
    assert.is(full.code, 125);
    assert.match(full.stderr, /no free subnet for berth's bridge/);
    assert.match(full.stderr, /10\.99\.0\.0\/24 and 10\.99\.1\.0\/24 by the host route 10\.99\.0\.0\/23 \(dev hold5\)/);
    assert.match(full.stderr, /BERTH_ADDRESS_POOLS/);
    assert.match(full.stderr, /BERTH_SUBNET/);
    // BERTH_SUBNET still fixes one subnet
    assert.is(await subnetOf({ env: { BERTH_SUBNET: '10.97.0.0/24' } }), '10.97.0.0/24');
  } finally {
    release('hold5');
  }
  const bad = await berthIn(['run', '--rm', 'busybox', 'true'], { env: { BERTH_ADDRESS_POOLS: 'base=10.99.0.0/16,size=8' } });
  assert.is(bad.code, 125);
  assert.match(bad.stderr, /invalid BERTH_ADDRESS_POOLS pool .*"size" must be a prefix length from 16/);
});

subnets('engines with other state roots: two bridges made at once never share a subnet, and a held one is named', async () => {
  const a = await otherEngine('a');
  const b = await otherEngine('b');
  // both start a bridge at the same moment
  const [ida, idb] = await Promise.all([a, b].map(async (root) => (await okIn(['run', '-d', 'busybox', 'sleep', '120'], { root })).trim()));
  const addressOf = async (root: string, id: string) => (await okIn(['inspect', '-f', '{{.NetworkSettings.IPAddress}}/{{.NetworkSettings.IPPrefixLen}}', id], { root })).trim();
  const [ipa, ipb] = [await addressOf(a, ida!), await addressOf(b, idb!)];
  const net = (address: string) => address.replace(/\.\d+\/(\d+)$/, '.0/$1');
  assert.is.not(net(ipa), net(ipb), `two engines, two subnets (${ipa}, ${ipb})`);
  assert.ok([net(ipa), net(ipb)].includes('10.88.0.0/16'), `one of them has the first choice (${ipa}, ${ipb})`);
  // a third engine whose pool is only a's subnet: the error says which bridge and state root hold it
  const c = await otherEngine('c');
  const refused = await berthIn(['run', '--rm', 'busybox', 'true'], { root: c, env: { BERTH_ADDRESS_POOLS: `base=${net(ipa)},size=${net(ipa).split('/')[1]}` } });
  assert.is(refused.code, 125);
  assert.ok(refused.stderr.includes(`by berth bridge ${extra.get(a)} (state root ${a})`), refused.stderr);
  await okIn(['rm', '-f', ida!], { root: a });
  await okIn(['rm', '-f', idb!], { root: b });
  // a's bridge is gone: its subnet is free for c
  assert.is(await subnetOf({ root: c, env: { BERTH_ADDRESS_POOLS: `base=${net(ipa)},size=${net(ipa).split('/')[1]}` } }), net(ipa));
});

subnets.run();
