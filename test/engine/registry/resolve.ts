// "The namespace is a URL": which registry each name goes to.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveName, isInsecure, indexRegistry } from '../../../src/engine/registry/resolve.js';

const HUB = 'http://127.0.0.1:5151';

test('one-part names are official images on the index', () => {
  assert.equal(resolveName('busybox', HUB), { baseUrl: HUB, repository: 'library/busybox', reference: 'latest', localName: 'busybox:latest', onIndex: true });
  assert.is(resolveName('debian:bookworm', HUB).reference, 'bookworm');
});

test('a plain namespace goes to the index', () => {
  const alice = resolveName('alice/app', HUB);
  assert.is(alice.repository, 'alice/app');
  assert.is(alice.baseUrl, HUB);
  assert.is(alice.onIndex, true);
});

test('a host in the name is the registry: plain HTTP on loopback, HTTPS elsewhere', () => {
  const local = resolveName('localhost:5000/app', HUB);
  assert.equal([local.baseUrl, local.repository, local.localName, local.onIndex], ['http://localhost:5000', 'app', 'localhost:5000/app:latest', false]);
  assert.is(resolveName('127.0.0.1:5000/team/app:v2', HUB).baseUrl, 'http://127.0.0.1:5000');
  assert.is(resolveName('registry.example/app', HUB).baseUrl, 'https://registry.example');
  const pinned = resolveName(`localhost:5000/app@sha256:${'a'.repeat(64)}`, HUB);
  assert.is(pinned.reference, `sha256:${'a'.repeat(64)}`);
});

test('Docker Hub as the index uses its registry host', () => {
  assert.is(indexRegistry('https://index.docker.io'), 'https://registry-1.docker.io');
  assert.is(indexRegistry('docker.io'), 'https://registry-1.docker.io');
  assert.is(indexRegistry('http://10.0.0.5:5000/'), 'http://10.0.0.5:5000');
});

test('insecure registries: loopback, and those listed in BERTH_INSECURE_REGISTRIES', () => {
  assert.ok(isInsecure('localhost:5000', []));
  assert.ok(isInsecure('127.0.0.1:5000', []));
  assert.ok(isInsecure('[::1]:5000', []));
  assert.not.ok(isInsecure('registry.example', []));
  assert.not.ok(isInsecure('classroom:5000', []));
  assert.ok(isInsecure('classroom:5000', ['classroom:5000']));
  assert.is(resolveName('classroom:5000/app', 'http://hub', ['classroom:5000']).baseUrl, 'http://classroom:5000');
  assert.is(resolveName('classroom:5000/app', 'http://hub').baseUrl, 'https://classroom:5000');
});

test('bad names are refused with the name quoted', () => {
  assert.throws(() => resolveName('Alice/App', HUB), /must be lowercase/);
  assert.throws(() => resolveName('a/../b', HUB), /invalid reference format/);
});

test.run();
