// The client's small pure parts: challenges, names of registries, progress lines.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseChallenges } from '../../../src/engine/registry/client/challenge.js';
import { formatProgress, humanBytes, registryBaseUrl, registryHost } from '../../../src/engine/registry/client/index.js';
import { parseErrorBody } from '../../../src/engine/registry/client/errors.js';

const test = suite('registry/client-parts');

test('WWW-Authenticate: Basic, Bearer with quoted values (commas inside), several challenges', () => {
  assert.equal(parseChallenges('Basic realm="basic-realm"'), [{ scheme: 'basic', params: { realm: 'basic-realm' } }]);
  assert.equal(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull,push' } },
  ]);
  assert.equal(parseChallenges('Bearer realm=http://t/token, service=x, Basic realm="a \\"b\\""'), [
    { scheme: 'bearer', params: { realm: 'http://t/token', service: 'x' } },
    { scheme: 'basic', params: { realm: 'a "b"' } },
  ]);
  assert.equal(parseChallenges(null), []);
});

test('registry hosts and URLs', () => {
  assert.is(registryHost('http://127.0.0.1:5000/'), '127.0.0.1:5000');
  assert.is(registryHost('LocalHost:5000'), 'localhost:5000');
  assert.is(registryHost('https://index.docker.io/v1/'), 'docker.io');
  assert.is(registryHost('registry-1.docker.io'), 'docker.io');
  assert.is(registryBaseUrl('127.0.0.1:5000'), 'http://127.0.0.1:5000');
  assert.is(registryBaseUrl('localhost:5000'), 'http://localhost:5000');
  assert.is(registryBaseUrl('registry.example:443'), 'https://registry.example:443');
  assert.is(registryBaseUrl('docker.io'), 'https://registry-1.docker.io');
  assert.is(registryBaseUrl('http://hub.lab:5151/'), 'http://hub.lab:5151');
});

test('progress lines in Docker\'s words', () => {
  const digest = `sha256:${'ab'.repeat(32)}`;
  const id = 'abababababab';
  assert.is(formatProgress({ type: 'start', action: 'pull', repository: 'library/busybox', reference: 'latest' }), 'latest: Pulling from library/busybox');
  assert.is(formatProgress({ type: 'layer', id, digest, status: 'Downloading', current: 1_234_567, total: 3_400_000 }), `${id}: Downloading 1.23MB/3.4MB`);
  assert.is(formatProgress({ type: 'layer', id, digest, status: 'Already exists' }), `${id}: Already exists`);
  assert.is(formatProgress({ type: 'layer', id, digest, status: 'Mounted from', from: 'library/busybox' }), `${id}: Mounted from library/busybox`);
  assert.is(formatProgress({ type: 'pushed', tag: 'v1', digest, size: 528 }), `v1: digest: ${digest} size: 528`);
  assert.is(humanBytes(999), '999B');
  assert.is(humanBytes(2_000_000), '2MB');
});

test('error bodies: the catalogue entries, or nothing', () => {
  assert.equal(parseErrorBody('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"v9"}}]}'),
    [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'v9' } }]);
  assert.equal(parseErrorBody('<html>502 Bad Gateway</html>'), []);
});

test.run();
