// The pure parts of the deploy demo: --host among the global options, the
// nginx site, latency percentiles, the load generator's allowed targets, and
// containers' MACs made from their addresses.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { splitHostOption } from '../../../src/cli/commands/host.js';
import { renderSite } from '../../../src/engine/deploy/proxy.js';
import { checkTarget, percentiles } from '../../../src/engine/deploy/load.js';
import { resolveSettings } from '../../../src/engine/settings.js';
import { macFor } from '../../../src/engine/network/names.js';
import { hostNames, validateHostName } from '../../../src/engine/host/host.js';
import { berthRoot } from '../../_helpers.js';

const test = suite('deploy: pure parts');

test('--host is found among the global options only, with --root kept apart', () => {
  assert.equal(splitHostOption(['--host', 'prod', 'ps', '-a']), { host: 'prod', root: undefined, rest: ['ps', '-a'] });
  assert.equal(splitHostOption(['--root', '/r', '--host=prod', '-s', 'vfs', 'run', '--host', 'x']), { host: 'prod', root: '/r', rest: ['-s', 'vfs', 'run', '--host', 'x'] });
  assert.is(splitHostOption(['run', '--host', 'prod', 'busybox']), undefined, 'after the command name it is the command\'s');
  assert.is(splitHostOption(['ps']), undefined);
});

test('host names: short, lowercase; parts named from them', () => {
  assert.equal(hostNames('prod'), { netns: 'berth-host-prod', veth: 'bh-prod', bridge: 'bhprod', chain: 'BHOST-PROD' });
  for (const bad of ['Prod', '1prod', 'production1', 'a-b', '']) assert.throws(() => validateHostName(bad), /invalid host name/);
});

test('the nginx site: the upstream named after the service, one server line each', () => {
  const site = renderSite('upstream {{SERVICE}} {\n{{SERVERS}}\n}\nproxy_pass http://{{SERVICE}};\n', 'app', ['10.89.0.3:8000', '10.89.0.4:8000']);
  assert.is(site, 'upstream app {\n    server 10.89.0.3:8000;\n    server 10.89.0.4:8000;\n}\nproxy_pass http://app;\n');
  assert.throws(() => renderSite('', 'a;b', []), /invalid service name/);
});

test('percentiles: nearest rank', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentiles(values), { p50: 50, p90: 90, p99: 99, max: 100 });
  assert.equal(percentiles([]), { p50: 0, p90: 0, p99: 0, max: 0 });
  assert.equal(percentiles([7]), { p50: 7, p90: 7, p99: 7, max: 7 });
});

test('load-test targets: loopback and berth\'s own addresses only', () => {
  const root = resolveSettings({ flags: { root: berthRoot() } });
  checkTarget('http://127.0.0.1:8080/', root);
  checkTarget('http://localhost/', root);
  assert.throws(() => checkTarget('http://192.0.2.10/', root), /only sends to loopback/);
  assert.throws(() => checkTarget('http://example.com/', root), /not names/);
  assert.throws(() => checkTarget('https://127.0.0.1/', root), /plain http/);
});

test('MACs from addresses, as Docker makes them', () => {
  assert.is(macFor('10.89.0.3'), '02:42:0a:59:00:03');
  assert.is(macFor('172.17.0.2'), '02:42:ac:11:00:02');
});

test.run();
