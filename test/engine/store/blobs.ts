import fs from 'node:fs';
import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { statePaths } from '../../../src/engine/paths.js';
import { BlobStore } from '../../../src/engine/store/blobs.js';
import { sha256 } from '../../../src/engine/store/digest.js';
import { BerthError } from '../../../src/engine/errors.js';
import { berthRoot, rejects } from '../../_helpers.js';

const test = suite('store/blobs');
const paths = statePaths(berthRoot());
const blobs = new BlobStore(paths);
const tmpFiles = () => (fs.existsSync(paths.tmp) ? fs.readdirSync(paths.tmp) : []);

test('put from a Buffer lands at blobs/sha256/<hex> and reads back', async () => {
  const data = Buffer.from('hello blob');
  const info = await blobs.put(data);
  assert.is(info.digest, sha256(data));
  assert.is(info.size, data.length);
  assert.is(blobs.path(info.digest), `${paths.blobs}/sha256/${info.digest.slice(7)}`);
  assert.ok(blobs.has(info.digest));
  assert.is(blobs.read(info.digest).toString(), 'hello blob');
  assert.is(blobs.size(info.digest), data.length);
  assert.equal(tmpFiles(), []);
});

test('put from a stream with the expected digest and size', async () => {
  const parts = [Buffer.from('part one, '), Buffer.from('part two')];
  const whole = Buffer.concat(parts);
  const info = await blobs.put(Readable.from(parts), { digest: sha256(whole), size: whole.length });
  assert.is(info.digest, sha256(whole));
  const streamed: Buffer[] = [];
  for await (const chunk of blobs.stream(info.digest)) streamed.push(chunk as Buffer);
  assert.is(Buffer.concat(streamed).toString(), whole.toString());
});

test('a digest mismatch is refused and leaves neither blob nor temp file', async () => {
  const claimed = sha256('something else');
  const error = await rejects(blobs.put(Readable.from([Buffer.from('actual bytes')]), { digest: claimed }),
    new RegExp(`^digest mismatch: expected ${claimed}, got ${sha256('actual bytes')}$`));
  assert.ok(error instanceof BerthError && error.kind === 'invalid');
  assert.not.ok(blobs.has(sha256('actual bytes')));
  assert.not.ok(blobs.has(claimed));
  assert.equal(tmpFiles(), []);
});

test('a truncated stream is refused (by digest, and by size)', async () => {
  const full = Buffer.alloc(100_000, 7);
  const truncated = full.subarray(0, 60_000);
  await rejects(blobs.put(Readable.from([truncated]), { digest: sha256(full), size: full.length }), /digest mismatch/);
  await rejects(blobs.put(Readable.from([truncated]), { size: full.length }), /size mismatch .* expected 100000 bytes, got 60000/);
  assert.not.ok(blobs.has(sha256(truncated)));
  assert.equal(tmpFiles(), []);
});

test('a stream that fails midway leaves nothing', async () => {
  const failing = new Readable({
    read() {
      this.push(Buffer.alloc(1000, 1));
      this.destroy(new Error('connection reset'));
    },
  });
  await rejects(blobs.put(failing), /connection reset/);
  assert.equal(tmpFiles(), []);
});

test('a malformed digest is refused before touching the disk', async () => {
  await rejects(blobs.put(Buffer.from('x'), { digest: 'sha256:../../x' }), /invalid digest "sha256:..\/..\/x"/);
  assert.throws(() => blobs.path('sha256:../../etc/passwd'), /invalid digest/);
});

test('list, delete, and notFound for a missing blob', async () => {
  const a = await blobs.put(Buffer.from('list a'));
  const b = await blobs.put(Buffer.from('list b'));
  const listed = blobs.list();
  assert.ok(listed.includes(a.digest) && listed.includes(b.digest));
  assert.ok(blobs.delete(a.digest));
  assert.not.ok(blobs.delete(a.digest));
  assert.not.ok(blobs.list().includes(a.digest));
  assert.throws(() => blobs.read(a.digest), (e: BerthError) => e.kind === 'not-found' && e.message.includes(a.digest));
});

test('putting the same bytes twice is harmless', async () => {
  const first = await blobs.put(Readable.from([Buffer.from('twice')]));
  const second = await blobs.put(Readable.from([Buffer.from('twice')]));
  assert.equal(first, second);
  assert.equal(tmpFiles(), []);
});

test.run();
