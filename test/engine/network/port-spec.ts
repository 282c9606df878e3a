import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BerthError } from '../../../src/engine/errors.js';
import { exposedPorts, parsePortSpec, type PortBinding } from '../../../src/engine/network/port-spec.js';

const test = suite('network/port-spec');

const tcp = (containerPort: number, hostPort = 0, hostIp = ''): PortBinding => ({ protocol: 'tcp', containerPort, hostIp, hostPort });
const udp = (containerPort: number, hostPort = 0, hostIp = ''): PortBinding => ({ protocol: 'udp', containerPort, hostIp, hostPort });

/** Asserts that `spec` is refused as invalid input, with a message that quotes it and matches `why`. */
function refused(spec: string, why: RegExp): void {
  try {
    parsePortSpec(spec);
  } catch (error) {
    assert.instance(error, BerthError, spec);
    assert.is((error as BerthError).kind, 'invalid', spec);
    const message = (error as Error).message;
    assert.ok(message.startsWith(`invalid port spec ${JSON.stringify(spec)}: `), `${spec}: ${message}`);
    assert.match(message, why, spec);
    return;
  }
  assert.unreachable(`${JSON.stringify(spec)} should have been refused`);
}

const VALID: Array<[string, PortBinding[]]> = [
  ['80', [tcp(80)]],
  ['80/tcp', [tcp(80)]],
  ['80/TCP', [tcp(80)]],
  ['80/', [tcp(80)]],
  ['53/udp', [udp(53)]],
  ['8080:80', [tcp(80, 8080)]],
  ['8080:80/udp', [udp(80, 8080)]],
  ['0:80', [tcp(80, 0)]],
  ['65535:1', [tcp(1, 65535)]],
  ['080:0080', [tcp(80, 80)]],
  ['127.0.0.1:8080:80', [tcp(80, 8080, '127.0.0.1')]],
  ['0.0.0.0:8080:80/udp', [udp(80, 8080, '0.0.0.0')]],
  ['127.0.0.1::80', [tcp(80, 0, '127.0.0.1')]],
  [':8080:80', [tcp(80, 8080)]],
  ['::80', [tcp(80)]],
  ['[::1]:8080:80', [tcp(80, 8080, '::1')]],
  ['[::1]::80/udp', [udp(80, 0, '::1')]],
  ['[fe80::1]:443:443', [tcp(443, 443, 'fe80::1')]],
  ['::1:8080:80', [tcp(80, 8080, '::1')]],
  ['8000-8002:80-82', [tcp(80, 8000), tcp(81, 8001), tcp(82, 8002)]],
  ['8000-8002:80-82/udp', [udp(80, 8000), udp(81, 8001), udp(82, 8002)]],
  ['127.0.0.1:8000-8001:8000-8001', [tcp(8000, 8000, '127.0.0.1'), tcp(8001, 8001, '127.0.0.1')]],
  ['80-82', [tcp(80), tcp(81), tcp(82)]],
  ['127.0.0.1::80-81', [tcp(80, 0, '127.0.0.1'), tcp(81, 0, '127.0.0.1')]],
  ['8000-8002:80', [{ protocol: 'tcp', containerPort: 80, hostIp: '', hostPort: 8000, hostPortEnd: 8002 }]],
  ['127.0.0.1:8000-8010:80/udp', [{ protocol: 'udp', containerPort: 80, hostIp: '127.0.0.1', hostPort: 8000, hostPortEnd: 8010 }]],
  ['80-80', [tcp(80)]],
  ['8080-8080:80', [tcp(80, 8080)]],
];

test('valid specs', () => {
  for (const [spec, expected] of VALID) assert.equal(parsePortSpec(spec), expected, spec);
});

test('a single port has no hostPortEnd key at all', () => {
  assert.not.ok('hostPortEnd' in parsePortSpec('8080:80')[0]!);
  assert.not.ok('hostPortEnd' in parsePortSpec('80')[0]!);
});

const INVALID: Array<[string, RegExp]> = [
  ['', /no container port given/],
  ['8080:', /no container port given/],
  ['8080:/udp', /no container port given/],
  ['80:abc', /container port must be a number from 1 to 65535$/],
  ['abc', /container port must be a number from 1 to 65535/],
  ['0', /container port must be a number from 1 to 65535/],
  ['65536', /container port must be a number from 1 to 65535/],
  ['8080:99999', /container port must be a number from 1 to 65535/],
  ['-80', /container port must be a number/],
  ['+80', /container port must be a number/],
  ['80.5', /container port must be a number/],
  ['1e3', /container port must be a number/],
  ['80-', /container port must be a number/],
  ['80-81-82', /container port must be a number/],
  ['abc:80', /host port must be a number from 1 to 65535 \(or 0 to let berth choose\)/],
  ['65536:80', /host port must be a number/],
  ['0-5:80', /host port must be a number/],
  ['82-80', /container port range 82-80 ends before it starts/],
  ['8002-8000:80', /host port range 8002-8000 ends before it starts/],
  ['8000-8002:80-81', /host port range 8000-8002 and container port range 80-81 differ in length/],
  ['8080:80-81', /host port range 8080 and container port range 80-81 differ in length/],
  ['80/sctpx', /invalid protocol "sctpx" \(use tcp or udp\)/],
  ['80/sctp', /invalid protocol "sctp" \(berth publishes tcp and udp ports only\)/],
  ['8080:80/tcp/udp', /invalid protocol "tcp\/udp"/],
  ['300.1.1.1:8080:80', /invalid IP address "300.1.1.1"$/],
  ['localhost:8080:80', /invalid IP address "localhost"/],
  ['1.2.3:8080:80', /invalid IP address "1.2.3"/],
  ['[::1:8080:80', /invalid IP address "\[::1"/],
  ['[1.2.3.4]x:8080:80', /invalid IP address/],
  ['[::zz]:8080:80', /invalid IP address "\[::zz\]"/],
  [' 80', /must not contain spaces/],
  ['8080: 80', /must not contain spaces/],
];

test('invalid specs are refused, quoting the spec and saying what is wrong', () => {
  for (const [spec, why] of INVALID) refused(spec, why);
});

test('the protocol is checked before the ports, as Docker does', () => {
  refused('abc:def/xyz', /invalid protocol "xyz"/);
});

test('exposedPorts: ExposedPorts keys, sorted, sctp left out, ranges expanded', () => {
  assert.equal(exposedPorts(undefined), []);
  assert.equal(exposedPorts({}), []);
  assert.equal(exposedPorts({ '443/tcp': {}, '80/tcp': {}, '53/udp': {}, '53/tcp': {} }), [
    { containerPort: 53, protocol: 'tcp' },
    { containerPort: 53, protocol: 'udp' },
    { containerPort: 80, protocol: 'tcp' },
    { containerPort: 443, protocol: 'tcp' },
  ]);
  assert.equal(exposedPorts({ '8080': {}, '9000/sctp': {} }), [{ containerPort: 8080, protocol: 'tcp' }]);
  assert.equal(exposedPorts({ '8000-8002/tcp': {}, '8001/tcp': {} }), [8000, 8001, 8002].map((containerPort) => ({ containerPort, protocol: 'tcp' })));
  assert.equal(exposedPorts({ '80/UDP': {} }), [{ containerPort: 80, protocol: 'udp' }]);
});

test('exposedPorts refuses a malformed key, quoting it', () => {
  assert.throws(() => exposedPorts({ 'http/tcp': {} }), /invalid exposed port "http\/tcp" in the image config/);
  assert.throws(() => exposedPorts({ '80/icmp': {} }), /invalid exposed port "80\/icmp"/);
  assert.throws(() => exposedPorts({ '0/tcp': {} }), /invalid exposed port "0\/tcp"/);
  assert.throws(() => exposedPorts({ '70000/tcp': {} }), /"70000\/tcp"/);
  assert.throws(() => exposedPorts({ '90-80/tcp': {} }), /"90-80\/tcp"/);
});

test.run();
