import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatReference, normalizeReference, parseReference, parseNormalizedReference } from '../../../src/engine/store/reference.js';

const test = suite('store/reference');
const DIGEST = `sha256:${'ab'.repeat(32)}`;

test('an unqualified name is kept as written, with :latest added', () => {
  assert.equal(parseNormalizedReference('busybox'), { domain: undefined, path: 'busybox', name: 'busybox', tag: 'latest', digest: undefined });
  assert.is(normalizeReference('busybox'), 'busybox:latest');
  assert.is(normalizeReference('alice/app'), 'alice/app:latest');
  assert.is(normalizeReference('debian:bookworm'), 'debian:bookworm');
});

test('a first component with "." or ":" or equal to localhost is a registry', () => {
  const local = parseReference('localhost:5000/app:v2');
  assert.is(local.domain, 'localhost:5000');
  assert.is(local.path, 'app');
  assert.is(local.tag, 'v2');
  assert.is(formatReference(local), 'localhost:5000/app:v2');
  assert.is(parseReference('localhost/app').domain, 'localhost');
  const remote = parseReference(`host.example/a/b@${DIGEST}`);
  assert.equal([remote.domain, remote.path, remote.tag, remote.digest], ['host.example', 'a/b', undefined, DIGEST]);
  assert.is(normalizeReference(`host.example/a/b@${DIGEST}`), `host.example/a/b@${DIGEST}`);
  assert.is(parseReference('alice/app').domain, undefined);
  assert.is(parseReference('Registry.Example:443/x').domain, 'Registry.Example:443');
});

test('separators: ".", "_", "__" and runs of "-" between lowercase alphanumerics', () => {
  for (const ok of ['a.b', 'a_b', 'a__b', 'a---b', 'my-app/v1.2_x', 'x9/y8']) assert.is(parseReference(ok).name, ok);
});

test('tags: [\\w][\\w.-]{0,127}', () => {
  assert.is(parseReference('app:v1.2-rc_3').tag, 'v1.2-rc_3');
  assert.is(parseReference('app:V1').tag, 'V1');
  assert.is(parseReference(`app:${'a'.repeat(128)}`).tag?.length, 128);
  assert.throws(() => parseReference(`app:${'a'.repeat(129)}`), /invalid tag/);
  assert.throws(() => parseReference('app:.hidden'), /invalid tag "\.hidden"/);
  assert.throws(() => parseReference('app:-x'), /invalid tag/);
});

test('uppercase and ".." are refused, quoting the name', () => {
  assert.throws(() => parseReference('Busybox'), /repository name "Busybox" must be lowercase/);
  assert.throws(() => parseReference('alice/App'), /"alice\/App" must be lowercase/);
  assert.throws(() => parseReference('a/../x'), /invalid reference format: "a\/..\/x"/);
  assert.throws(() => parseReference('a..b'), /"a..b"/);
});

test('other malformed references are refused', () => {
  for (const bad of ['', ':tag', 'app:', '/app', 'app/', 'a//b', '-app', 'app-', 'app@sha256:123', 'app@md5:abc', 'bad host/app', 'a b']) {
    assert.throws(() => parseReference(bad), /invalid reference format/, JSON.stringify(bad));
  }
  assert.throws(() => parseReference(`${'a'.repeat(256)}`), /longer than 255/);
});

test('tag and digest together are both kept', () => {
  const ref = parseReference(`busybox:1.36@${DIGEST}`);
  assert.equal([ref.name, ref.tag, ref.digest], ['busybox', '1.36', DIGEST]);
  assert.is(formatReference(ref), `busybox:1.36@${DIGEST}`);
});

test.run();
