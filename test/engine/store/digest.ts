import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DigestStream, digestHex, isDigest, sha256, validateDigest } from '../../../src/engine/store/digest.js';

const test = suite('store/digest');
const EMPTY = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

test('sha256 of known data', () => {
  assert.is(sha256(''), EMPTY);
  assert.is(sha256(Buffer.from('abc')), 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('only sha256:<64 lowercase hex> is a digest', () => {
  assert.ok(isDigest(EMPTY));
  for (const bad of ['sha256:../../x', `sha512:${'a'.repeat(64)}`, `sha256:${'A'.repeat(64)}`, `sha256:${'a'.repeat(63)}`, `sha256:${'a'.repeat(65)}`, 'a'.repeat(64), '']) {
    assert.not.ok(isDigest(bad), bad);
    assert.throws(() => validateDigest(bad), (e: Error) => e.message.includes(JSON.stringify(bad)));
  }
});

test('digestHex strips the algorithm and refuses path tricks', () => {
  assert.is(digestHex(EMPTY), EMPTY.slice(7));
  assert.throws(() => digestHex('sha256:../../etc/passwd'), /invalid digest/);
});

test('DigestStream passes data through and hashes it', async () => {
  const hasher = new DigestStream();
  const out: Buffer[] = [];
  await pipeline(Readable.from([Buffer.from('a'), Buffer.from('bc')]), hasher, new Writable({
    write(chunk, _e, cb) { out.push(chunk); cb(); },
  }));
  assert.is(Buffer.concat(out).toString(), 'abc');
  assert.is(hasher.digest, sha256('abc'));
  assert.is(hasher.size, 3);
});

test('DigestStream refuses to give a digest before the end', () => {
  assert.throws(() => new DigestStream().digest, /before the stream ended/);
});

test.run();
