import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  formatPortsColumn, formatPsPorts, naturalCompare, portEntries, portLines, portLookup, type PortEntry,
} from '../../../src/engine/network/port-format.js';
import { parsePortSpec, type PortBinding } from '../../../src/engine/network/port-spec.js';

const test = suite('network/port-format');

const exposed = (containerPort: number, protocol = 'tcp'): PortEntry => ({ containerPort, protocol });
const mapped = (hostIp: string, hostPort: number, containerPort: number, protocol = 'tcp'): PortEntry => ({ containerPort, protocol, hostIp, hostPort });
/** Bindings as `-p` would give them once resolved. */
const published = (...specs: string[]): PortBinding[] => specs.flatMap((s) => parsePortSpec(s));

// The cases of docker/cli's TestDisplayablePorts, with the outputs it expects.
const DOCKER_CASES: Array<[PortEntry[], string]> = [
  [[exposed(9988)], '9988/tcp'],
  [[exposed(9988, 'udp')], '9988/udp'],
  [[mapped('0.0.0.0', 0, 9988)], '0.0.0.0:0->9988/tcp'],
  [[{ containerPort: 9988, protocol: 'tcp', hostPort: 8899 }], '9988/tcp'],
  [[mapped('4.3.2.1', 8899, 9988)], '4.3.2.1:8899->9988/tcp'],
  [[mapped('4.3.2.1', 9988, 9988)], '4.3.2.1:9988->9988/tcp'],
  [[exposed(9988, 'udp'), exposed(9988, 'udp')], '9988/udp, 9988/udp'],
  [[mapped('1.2.3.4', 9998, 9998, 'udp'), mapped('1.2.3.4', 9999, 9999, 'udp')], '1.2.3.4:9998-9999->9998-9999/udp'],
  [[mapped('1.2.3.4', 8887, 9998, 'udp'), mapped('1.2.3.4', 8888, 9999, 'udp')], '1.2.3.4:8887->9998/udp, 1.2.3.4:8888->9999/udp'],
  [[exposed(9998, 'udp'), exposed(9999, 'udp')], '9998-9999/udp'],
  [[mapped('1.2.3.4', 7766, 6677), { containerPort: 9988, protocol: 'udp', hostPort: 8899 }], '9988/udp, 1.2.3.4:7766->6677/tcp'],
  [
    [mapped('1.2.3.4', 8899, 9988, 'udp'), mapped('1.2.3.4', 8899, 9988, 'tcp'), mapped('4.3.2.1', 3322, 2233, 'tcp')],
    '4.3.2.1:3322->2233/tcp, 1.2.3.4:8899->9988/tcp, 1.2.3.4:8899->9988/udp',
  ],
  [
    [{ containerPort: 9988, protocol: 'udp', hostPort: 8899 }, mapped('1.2.3.4', 7766, 6677), mapped('4.3.2.1', 3322, 2233)],
    '9988/udp, 4.3.2.1:3322->2233/tcp, 1.2.3.4:7766->6677/tcp',
  ],
  [
    [
      exposed(80), exposed(1024), exposed(80, 'udp'), exposed(1024, 'udp'),
      mapped('1.1.1.1', 80, 1024), mapped('1.1.1.1', 80, 1024, 'udp'), mapped('1.1.1.1', 1024, 80), mapped('1.1.1.1', 1024, 80, 'udp'),
      mapped('2.1.1.1', 80, 1024), mapped('2.1.1.1', 80, 1024, 'udp'), mapped('2.1.1.1', 1024, 80), mapped('2.1.1.1', 1024, 80, 'udp'),
      exposed(12345, 'sctp'),
    ],
    '80/tcp, 80/udp, 1024/tcp, 1024/udp, 12345/sctp, 1.1.1.1:1024->80/tcp, 1.1.1.1:1024->80/udp, 2.1.1.1:1024->80/tcp, '
      + '2.1.1.1:1024->80/udp, 1.1.1.1:80->1024/tcp, 1.1.1.1:80->1024/udp, 2.1.1.1:80->1024/tcp, 2.1.1.1:80->1024/udp',
  ],
];

test("docker/cli's own PORTS cases", () => {
  for (const [entries, expected] of DOCKER_CASES) assert.is(formatPortsColumn(entries), expected);
});

test('the input is not reordered in place', () => {
  const entries = [exposed(2), exposed(1)];
  formatPortsColumn(entries);
  assert.equal(entries, [exposed(2), exposed(1)]);
});

test('ps: published bindings, with "" shown as 0.0.0.0', () => {
  assert.is(formatPsPorts([]), '');
  assert.is(formatPsPorts(published('8888:80', '4444:443')), '0.0.0.0:8888->80/tcp, 0.0.0.0:4444->443/tcp');
  assert.is(formatPsPorts(published('127.0.0.1:8080:80/udp')), '127.0.0.1:8080->80/udp');
  assert.is(formatPsPorts(published('[::1]:8080:80')), '[::1]:8080->80/tcp');
  assert.is(formatPsPorts(published('[::]:8080:8080')), '[::]:8080->8080/tcp');
});

test('ps: a range collapses only where host and container ports are equal, as in Docker', () => {
  assert.is(formatPsPorts(published('8000-8002:8000-8002')), '0.0.0.0:8000-8002->8000-8002/tcp');
  assert.is(formatPsPorts(published('8000-8002:80-82')), '0.0.0.0:8000->80/tcp, 0.0.0.0:8001->81/tcp, 0.0.0.0:8002->82/tcp');
  assert.is(formatPsPorts(published('8000-8001:8000-8001', '8003:8003')), '0.0.0.0:8000-8001->8000-8001/tcp, 0.0.0.0:8003->8003/tcp');
  assert.is(formatPsPorts(published('8000-8001:8000-8001/udp', '8002:8002')), '0.0.0.0:8000-8001->8000-8001/udp, 0.0.0.0:8002->8002/tcp');
});

test('ps: exposed ports that are not published are listed bare, before the mappings', () => {
  const exposedPorts = [{ containerPort: 80, protocol: 'tcp' as const }, { containerPort: 443, protocol: 'tcp' as const }, { containerPort: 444, protocol: 'tcp' as const }];
  assert.is(formatPsPorts([], exposedPorts), '80/tcp, 443-444/tcp');
  assert.is(formatPsPorts(published('8080:80'), exposedPorts), '443-444/tcp, 0.0.0.0:8080->80/tcp');
  assert.equal(portEntries(published('8080:80'), [{ containerPort: 80, protocol: 'udp' }]), [
    { containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080 },
    { containerPort: 80, protocol: 'udp' },
  ]);
});

test('docker port: "80/tcp -> 0.0.0.0:8888" lines in natural order', () => {
  assert.equal(portLines([]), []);
  assert.equal(portLines(published('8888:80', '4444:443', '5353:53/udp', '127.0.0.1:9000:9000', '[::1]:8888:80')), [
    '53/udp -> 0.0.0.0:5353',
    '80/tcp -> 0.0.0.0:8888',
    '80/tcp -> [::1]:8888',
    '443/tcp -> 0.0.0.0:4444',
    '9000/tcp -> 127.0.0.1:9000',
  ]);
});

test('docker port c 80: the host addresses only; tcp unless a protocol is given', () => {
  const bindings = published('8888:80', '127.0.0.1:7777:80', '5353:53/udp', '[::1]:8888:80');
  assert.equal(portLookup(bindings, '80', 'web'), ['0.0.0.0:8888', '127.0.0.1:7777', '[::1]:8888']);
  assert.equal(portLookup(bindings, '80/tcp', 'web'), ['0.0.0.0:8888', '127.0.0.1:7777', '[::1]:8888']);
  assert.equal(portLookup(bindings, '53/udp', 'web'), ['0.0.0.0:5353']);
  assert.throws(() => portLookup(bindings, '53', 'web'), /^No public port '53' published for web$/);
  assert.throws(() => portLookup(bindings, '80/udp', 'web'), /^No public port '80\/udp' published for web$/);
  assert.throws(() => portLookup(bindings, 'http', 'web'), /invalid port "http"/);
  assert.throws(() => portLookup(bindings, '70000', 'web'), /invalid port "70000"/);
});

test('naturalCompare follows sortorder.NaturalLess', () => {
  const sorted = ['a10', 'a2', 'a1', 'b', 'a', '10', '9', 'a01', 'x-1', 'x1'].sort(naturalCompare);
  assert.equal(sorted, ['9', '10', 'a', 'a1', 'a01', 'a2', 'a10', 'b', 'x1', 'x-1']);
  assert.is(naturalCompare('same', 'same'), 0);
  assert.ok(naturalCompare('443/tcp', '80/tcp') > 0);
  assert.ok(naturalCompare('80/tcp -> 0.0.0.0:1', '80/tcp -> [::]:1') < 0);
});

test.run();
