import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BerthError } from '../../../src/engine/errors.js';
import {
  addressAt, chooseSubnet, contains, DEFAULT_ADDRESS_POOLS, hostCount, hostRoutes, intToIp, ipToInt, overlaps, parseAddressPools, parseCidr, poolSubnets,
} from '../../../src/engine/network/cidr.js';
import { resolveSettings } from '../../../src/engine/settings.js';

const test = suite('network/cidr');

/** Asserts that `fn` throws a BerthError of `kind` whose message matches `pattern`. */
function throwsKind(fn: () => unknown, kind: string, pattern: RegExp): void {
  try {
    fn();
  } catch (error) {
    assert.instance(error, BerthError);
    assert.is((error as BerthError).kind, kind);
    assert.match((error as Error).message, pattern);
    return;
  }
  assert.unreachable(`should have failed with ${pattern}`);
}

test('ipToInt and intToIp are inverse', () => {
  const cases: Array<[string, number]> = [['0.0.0.0', 0], ['10.88.0.1', 0x0a580001], ['255.255.255.255', 0xffffffff], ['192.168.217.254', 0xc0a8d9fe]];
  for (const [ip, n] of cases) {
    assert.is(ipToInt(ip), n, ip);
    assert.is(intToIp(n), ip, ip);
  }
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.-4', 'a.b.c.d', '1.2.3.4 ', '::1']) {
    throwsKind(() => ipToInt(bad), 'invalid', new RegExp(`invalid IPv4 address "${bad.replace(/\./g, '\\.')}"`));
  }
  assert.throws(() => intToIp(2 ** 32), /not an IPv4 address/);
  assert.throws(() => intToIp(-1), /not an IPv4 address/);
  assert.throws(() => intToIp(1.5), /not an IPv4 address/);
});

test('parseCidr', () => {
  assert.equal(parseCidr('10.88.0.0/16'), { network: 0x0a580000, prefix: 16, size: 65536, text: '10.88.0.0/16' });
  assert.equal(parseCidr('0.0.0.0/0'), { network: 0, prefix: 0, size: 2 ** 32, text: '0.0.0.0/0' });
  assert.equal(parseCidr('192.168.1.7/32').size, 1);
  assert.is(parseCidr(' 172.30.0.0/16 ').text, '172.30.0.0/16');
  const parsed = parseCidr('10.0.0.0/8');
  assert.is(parseCidr(parsed), parsed);
});

test('parseCidr refuses bad input, quoting it', () => {
  const cases: Array<[string, RegExp]> = [
    ['10.88.0.0', /invalid subnet "10\.88\.0\.0": write it as an IPv4 address and a prefix length, e\.g\. 10\.88\.0\.0\/16/],
    ['10.88.0.0/', /invalid subnet "10\.88\.0\.0\/": write it as/],
    ['10.88.0.0/33', /invalid subnet "10\.88\.0\.0\/33": the prefix length must be from 0 to 32/],
    ['10.88.0.0/-1', /invalid subnet "10\.88\.0\.0\/-1"/],
    ['10.88.0.0/16/2', /invalid subnet "10\.88\.0\.0\/16\/2"/],
    ['10.888.0.0/16', /invalid subnet "10\.888\.0\.0\/16": "10\.888\.0\.0" is not an IPv4 address/],
    ['fd00::/64', /invalid subnet "fd00::\/64"/],
    ['10.88.0.5/16', /invalid subnet "10\.88\.0\.5\/16": it has host bits set; did you mean 10\.88\.0\.0\/16\?/],
    ['', /invalid subnet ""/],
  ];
  for (const [text, pattern] of cases) throwsKind(() => parseCidr(text), 'invalid', pattern);
});

test('overlaps', () => {
  const cases: Array<[string, string, boolean]> = [
    ['10.0.0.0/8', '10.1.0.0/16', true],
    ['10.1.0.0/16', '10.0.0.0/8', true],
    ['10.88.0.0/16', '10.88.0.0/16', true],
    ['10.88.0.0/16', '10.89.0.0/16', false],
    ['10.88.0.0/16', '10.88.255.0/24', true],
    ['172.16.0.0/12', '172.30.0.0/16', true],
    ['172.16.0.0/12', '172.32.0.0/16', false],
    ['192.168.217.0/24', '192.168.216.0/24', false],
    ['192.168.0.0/16', '192.168.217.0/24', true],
    ['0.0.0.0/0', '1.2.3.4/32', true],
    ['1.2.3.4/32', '1.2.3.5/32', false],
  ];
  for (const [a, b, expected] of cases) assert.is(overlaps(a, b), expected, `${a} ${b}`);
});

test('contains', () => {
  assert.ok(contains('10.88.0.0/16', '10.88.0.0'));
  assert.ok(contains('10.88.0.0/16', '10.88.255.255'));
  assert.not.ok(contains('10.88.0.0/16', '10.89.0.0'));
  assert.not.ok(contains('10.88.0.0/16', '10.87.255.255'));
  assert.ok(contains('0.0.0.0/0', '8.8.8.8'));
  assert.ok(contains('1.2.3.4/32', '1.2.3.4'));
  assert.throws(() => contains('10.88.0.0/16', '10.88.0.300'), /invalid IPv4 address "10\.88\.0\.300"/);
});

test('hostCount and addressAt: 1 is the gateway, the last is before broadcast', () => {
  assert.is(hostCount('10.88.0.0/16'), 65534);
  assert.is(hostCount('192.168.217.0/24'), 254);
  assert.is(hostCount('10.0.0.0/30'), 2);
  assert.is(hostCount('10.0.0.0/31'), 2);
  assert.is(hostCount('10.0.0.1/32'), 1);
  assert.is(addressAt('10.88.0.0/16', 1), '10.88.0.1');
  assert.is(addressAt('10.88.0.0/16', 2), '10.88.0.2');
  assert.is(addressAt('10.88.0.0/16', 256), '10.88.1.0');
  assert.is(addressAt('10.88.0.0/16', 65534), '10.88.255.254');
  assert.is(addressAt('192.168.217.0/24', 254), '192.168.217.254');
  assert.is(addressAt('10.0.0.0/31', 1), '10.0.0.0');
  assert.is(addressAt('10.0.0.0/31', 2), '10.0.0.1');
  assert.is(addressAt('10.0.0.1/32', 1), '10.0.0.1');
  throwsKind(() => addressAt('192.168.217.0/24', 255), 'invalid', /address number 255 is outside 192\.168\.217\.0\/24, which has 254 host addresses/);
  throwsKind(() => addressAt('192.168.217.0/24', 0), 'invalid', /address number 0 is outside/);
  throwsKind(() => addressAt('192.168.217.0/24', 1.5), 'invalid', /address number 1\.5 is outside/);
});

test('chooseSubnet: the first default candidate no host route overlaps; default routes ignored', () => {
  assert.is(chooseSubnet([]), '10.88.0.0/16');
  assert.is(chooseSubnet(['default dev eth0', '0.0.0.0/0 dev tun0', '192.0.2.0/24 dev eth0']), '10.88.0.0/16');
  assert.is(chooseSubnet(['10.0.0.0/8 dev eth1']), '172.17.0.0/16');
  assert.is(chooseSubnet(['10.88.5.0/24 dev wg0', '172.16.0.0/12 dev eth2']), '192.168.0.0/20');
  assert.is(chooseSubnet(['10.88.5.0/24 dev wg0', '172.16.0.0/12 dev eth2', '192.168.0.0/19 dev eth3']), '192.168.32.0/20');
  assert.is(chooseSubnet(['10.88.0.1 dev tun0']), '172.17.0.0/16', 'a bare address is a /32 route');
  assert.is(chooseSubnet(['10.88.0.0/16 dev docker1', '172.17.0.0/16 dev docker0']), '172.18.0.0/16');
  assert.is(chooseSubnet(['10.89.0.0/16 dev eth1', 'garbage', '', 'fe80::/64 dev eth0']), '10.88.0.0/16');
  assert.is(chooseSubnet(['10.0.0.0/8 dev eth1'], ['10.1.0.0/16', '10.250.0.0/16', '100.64.0.0/16']), '100.64.0.0/16');
});

test('chooseSubnet: none free → a conflict naming what holds each candidate, and what to set', () => {
  const routes = ['default dev eth0', '10.0.0.0/8 dev eth1', '172.16.0.0/12 dev eth2', '192.168.0.0/16 dev eth3', '203.0.113.0/24 dev eth4'];
  throwsKind(() => chooseSubnet(routes), 'conflict', new RegExp(
    '^no free subnet for berth\'s bridge: every candidate of the address pools is taken: '
      + '10\\.88\\.0\\.0/16 by the host route 10\\.0\\.0\\.0/8 \\(dev eth1\\); '
      + '172\\.17\\.0\\.0/16 … 172\\.31\\.0\\.0/16 \\(15 subnets\\) by the host route 172\\.16\\.0\\.0/12 \\(dev eth2\\); '
      + '192\\.168\\.0\\.0/20 … 192\\.168\\.240\\.0/20 \\(16 subnets\\) by the host route 192\\.168\\.0\\.0/16 \\(dev eth3\\)\\. '
      + 'Set BERTH_ADDRESS_POOLS to pools with room .*, or BERTH_SUBNET to one free subnet$',
  ));
  // a subnet another berth bridge holds is named with its state root
  const held = [{ subnet: '10.88.0.0/16', by: 'berth bridge bt1 (state root /r1)' }];
  assert.is(chooseSubnet([], undefined, undefined, held), '172.17.0.0/16');
  throwsKind(() => chooseSubnet([], ['10.88.0.0/24'], undefined, held), 'conflict', /10\.88\.0\.0\/24 by berth bridge bt1 \(state root \/r1\)/);
  throwsKind(() => chooseSubnet([], undefined, '10.88.1.0/24', held), 'conflict', /overlaps 10\.88\.0\.0\/16, held by berth bridge bt1/);
});

test('address pools: 32 default subnets; BERTH_ADDRESS_POOLS as JSON or base=,size=', () => {
  const all = [...poolSubnets(DEFAULT_ADDRESS_POOLS)];
  assert.is(all.length, 32);
  assert.equal(all.slice(0, 3), ['10.88.0.0/16', '172.17.0.0/16', '172.18.0.0/16']);
  assert.equal(all.slice(-2), ['192.168.224.0/20', '192.168.240.0/20']);
  assert.equal(parseAddressPools('base=172.80.0.0/16,size=24; base=10.10.0.0/16,size=24'), [{ base: '172.80.0.0/16', size: 24 }, { base: '10.10.0.0/16', size: 24 }]);
  assert.equal(parseAddressPools('[{"base":"172.80.0.0/16","size":24}]'), [{ base: '172.80.0.0/16', size: 24 }]);
  assert.equal(parseAddressPools('base=10.1.0.0/16'), [{ base: '10.1.0.0/16', size: 16 }]);
  assert.equal([...poolSubnets(parseAddressPools('base=10.1.0.0/23,size=24'))], ['10.1.0.0/24', '10.1.1.0/24']);
  const pools = (env: NodeJS.ProcessEnv) => resolveSettings({ env: { BERTH_CONFIG_DIR: '/nonexistent', ...env } }).addressPools;
  assert.equal(pools({}), DEFAULT_ADDRESS_POOLS);
  assert.equal(pools({ BERTH_ADDRESS_POOLS: 'base=10.1.0.0/16,size=20' }), [{ base: '10.1.0.0/16', size: 20 }]);
  for (const [text, pattern] of [
    ['base=10.1.0.0/16,size=8', /"size" must be a prefix length from 16/],
    ['base=10.1.0.0/16,size=31', /"size" must be a prefix length from 16 \(the base's\) to 30/],
    ['base=10.1.0.5/16,size=24', /host bits set/],
    ['size=24', /"base" must be a subnet/],
    ['base', /write base=CIDR,size=PREFIX/],
    ['[{"base":"10.0.0.0/8","size":30}]', /more than 65536 subnets/],
    ['[{"base":"10.0.0.0/8","bits":24}]', /only "base" and "size"/],
    ['[oops', /not valid JSON/],
  ] as Array<[string, RegExp]>) throwsKind(() => parseAddressPools(text), 'invalid', pattern);
});

test('chooseSubnet: a requested subnet wins unless a host route overlaps it', () => {
  assert.is(chooseSubnet(['10.1.0.0/16 dev eth1'], undefined, '10.2.0.0/16'), '10.2.0.0/16');
  assert.is(chooseSubnet(['default dev eth0'], undefined, '10.0.0.0/8'), '10.0.0.0/8');
  assert.is(chooseSubnet([], undefined, ''), '10.88.0.0/16', 'an empty BERTH_SUBNET means none');
  throwsKind(() => chooseSubnet(['default dev eth0', '10.1.0.0/16 dev eth1'], undefined, '10.0.0.0/8'), 'conflict',
    /^subnet 10\.0\.0\.0\/8 clashes with the host route 10\.1\.0\.0\/16 \(dev eth1\): choose another with BERTH_SUBNET$/);
  throwsKind(() => chooseSubnet(['10.0.0.0/8 dev eth1'], undefined, '10.88.0.0/16'), 'conflict', /clashes with the host route 10\.0\.0\.0\/8 \(dev eth1\)/);
  throwsKind(() => chooseSubnet([], undefined, '10.88.0.1/16'), 'invalid', /invalid subnet "10\.88\.0\.1\/16": it has host bits set/);
});

test('hostRoutes reads `ip -j route show` as "dst dev name" and leaves out the given devices', async () => {
  const all = await hostRoutes();
  for (const route of all) assert.match(route, /^(default|[\d.]+(\/\d+)?)( dev \S+| \w+)$/);
  const devices = [...new Set(all.map((r) => / dev (\S+)$/.exec(r)?.[1]).filter((d): d is string => !!d))];
  if (devices.length > 0) {
    const without = await hostRoutes([devices[0]!]);
    assert.ok(without.every((r) => !r.endsWith(` dev ${devices[0]}`)));
    assert.is(without.length, all.filter((r) => !r.endsWith(` dev ${devices[0]}`)).length);
  }
  // Whatever the host routes are, the choice is one that clashes with none of them.
  const chosen = (() => { try { return chooseSubnet(all); } catch { return undefined; } })();
  if (chosen) assert.ok(all.every((r) => r.startsWith('default') || !overlaps(chosen, r.split(' ')[0]!.includes('/') ? r.split(' ')[0]! : `${r.split(' ')[0]}/32`)));
});

test.run();
