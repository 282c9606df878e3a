// The S3 driver passes the conformance suite against a real S3 server: an
// OpenStack Swift with its s3api middleware (src/bench/swift-s3.ts), started
// here on loopback; each driver gets a fresh prefix of one bucket, and its
// debris is any unfinished multipart upload or hidden record under it.  Then
// what only an object store shows: a file being written resumed by a second
// driver (another process's view of the bucket), blobs of several parts,
// appends to a complete object, storage URLs, presigned GETs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { startSwiftForTest, swiftMissing } from '../../../_swift.js';
import { startRegistry } from '../../../../src/engine/registry/server/index.js';
import { sha256 } from '../../../../src/engine/store/digest.js';
import { DriverStorage } from '../../../../src/engine/registry/storage/driver-storage.js';
import { MIN_CHUNK_SIZE, S3Driver, type S3DriverOptions } from '../../../../src/engine/registry/storage/drivers/s3.js';
import { openRegistryStorage } from '../../../../src/engine/registry/storage/open.js';
import { S3Storage } from '../../../../src/engine/registry/storage/s3.js';
import { tempDir } from '../../../_helpers.js';
import { runConformance } from './_conformance.js';
import { readAll } from './_semantics.js';

// Never ask a cloud's metadata service for credentials: every driver here gets them from Swift.
process.env.AWS_EC2_METADATA_DISABLED = 'true';

const BUCKET = 'berth-test';
const dir = tempDir('swift-');
const { swift, reason } = await startSwiftForTest(dir, BUCKET);

if (!swift) {
  const test = suite('s3 driver on Swift');
  swiftMissing(test, reason!, 'the S3 driver conformance');
  test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  test.run();
} else {
  const server = swift;
  const run = crypto.randomBytes(3).toString('hex');
  let count = 0;
  const options = (extra: Partial<S3DriverOptions> = {}): S3DriverOptions => ({
    bucket: BUCKET,
    prefix: `${run}/driver-${count++}`,
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    ...extra,
  });
  const drivers: S3Driver[] = [];
  const driver = (extra: Partial<S3DriverOptions> = {}) => {
    const made = new S3Driver(options(extra));
    drivers.push(made);
    return made;
  };
  /** A second driver over the same bucket and prefix: what another registry process sees. */
  const twin = (of: S3Driver, extra: Partial<S3DriverOptions> = {}) => driver({ ...of.location, ...extra });

  runConformance({
    name: 's3 (Swift s3api)',
    create: () => driver(),
    leftovers: (d) => d.leftovers(),
    destroy: (d) => d.destroy(),
  });

  const test = suite('s3 driver on Swift: what only an object store shows');
  const bytes = (size: number, seed: string) => {
    // Distinct bytes everywhere, so a part in the wrong place or a lost tail cannot pass.
    const out = Buffer.alloc(size);
    let block = crypto.createHash('sha256').update(seed).digest();
    for (let at = 0; at < size; at += block.length) {
      block.copy(out, at);
      block = crypto.createHash('sha256').update(block).digest();
    }
    return out;
  };
  const partsOf = async (d: S3Driver, path: string) => {
    const head = await d.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: d.key(path) }));
    // A multipart object's ETag is "<md5 of the parts' md5s>-<number of parts>".
    return Number(/-(\d+)"?$/.exec(head.ETag ?? '')?.[1] ?? 1);
  };

  test('a writer closed in one driver resumes in a second one over the same bucket, and either sees its size', async () => {
    const first = driver({ chunkSize: MIN_CHUNK_SIZE });
    const second = twin(first);
    const whole = bytes(MIN_CHUNK_SIZE * 2 + 1234, 'resume');
    const cut = MIN_CHUNK_SIZE + 777; // one part sent, 777 bytes in the tail
    const writer = await first.writer('/uploads/u1/data', false);
    await writer.write(whole.subarray(0, cut));
    await writer.close();
    assert.is((await second.stat('/uploads/u1/data')).size, cut, 'the other process sees the size of a file being written');
    assert.equal(await second.list('/uploads/u1'), ['/uploads/u1/data']);
    const resumed = await second.writer('/uploads/u1/data', true);
    assert.is(resumed.size, cut);
    await resumed.write(whole.subarray(cut, cut + 10));
    await resumed.close();
    const back = await first.writer('/uploads/u1/data', true);
    assert.is(back.size, cut + 10);
    await back.write(whole.subarray(cut + 10));
    await back.commit();
    assert.ok((await second.get('/uploads/u1/data')).equals(whole), 'the bytes, in order');
    assert.is(await partsOf(first, '/uploads/u1/data'), 3);
    assert.equal(await first.leftovers(), []);
  });

  test('a 25 MB blob pushed in 3 appends of odd sizes, each by a fresh storage, round-trips byte-exact', async () => {
    const d = driver();
    const blob = bytes(25 * 1024 * 1024 + 3, 'blob');
    const cuts = [0, 7_340_033, 19_922_951, blob.length];
    const upload = await new DriverStorage(d).createUpload('lab/big');
    for (let i = 0; i < 3; i++) {
      const storage = new DriverStorage(twin(d));
      const status = await storage.appendUpload('lab/big', upload.id, (async function* () {
        // In 64 KiB chunks, as a request body arrives.
        for (let at = cuts[i]!; at < cuts[i + 1]!; at += 65_536) yield blob.subarray(at, Math.min(at + 65_536, cuts[i + 1]!));
      })(), cuts[i]);
      assert.is(status.size, cuts[i + 1]);
    }
    const digest = sha256(blob);
    const storage = new DriverStorage(twin(d));
    assert.equal(await storage.commitUpload('lab/big', upload.id, digest), { digest, size: blob.length });
    assert.ok((await readAll(await storage.readBlob('lab/big', digest))).equals(blob), 'the whole blob');
    const range = { start: 10 * 1024 * 1024 - 5, end: 10 * 1024 * 1024 + 5 };
    assert.ok((await readAll(await storage.readBlob('lab/big', digest, range))).equals(blob.subarray(range.start, range.end + 1)), 'a range across a part boundary');
    assert.equal(await d.leftovers(), []);
  });

  test('appending to a complete object copies its whole parts server-side and keeps every byte', async () => {
    const d = driver({ chunkSize: MIN_CHUNK_SIZE });
    const old = bytes(MIN_CHUNK_SIZE * 2 + 99, 'old');
    const more = bytes(1000, 'more');
    await d.put('/f', old);
    const writer = await d.writer('/f', true);
    assert.is(writer.size, old.length);
    await writer.write(more);
    await writer.close();
    assert.is((await d.stat('/f')).size, old.length + more.length);
    await (await d.writer('/f', true)).commit();
    assert.ok((await d.get('/f')).equals(Buffer.concat([old, more])));
    assert.is(await partsOf(d, '/f'), 3);
    assert.equal(await d.leftovers(), []);
  });

  test('deleting a directory aborts the unfinished uploads under it', async () => {
    const d = driver({ chunkSize: MIN_CHUNK_SIZE });
    const writer = await d.writer('/uploads/u2/data', false);
    await writer.write(bytes(MIN_CHUNK_SIZE + 1, 'unfinished'));
    await writer.close();
    await d.put('/uploads/u2/info.json', Buffer.from('{}'));
    assert.is((await d.leftovers()).length, 2, 'a record and a multipart upload while it is written');
    await d.delete('/uploads/u2');
    assert.equal(await d.leftovers(), []);
  });

  test('s3:// storage URLs open the S3 storage, credentials from the environment; two opens share the bucket', async () => {
    process.env.AWS_ACCESS_KEY_ID = server.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = server.secretAccessKey;
    const url = `s3://${BUCKET}/${run}/by-url?endpoint=${encodeURIComponent(server.endpoint)}&region=${server.region}&chunksize=${MIN_CHUNK_SIZE}&redirect=true`;
    const one = openRegistryStorage(url);
    assert.instance(one, S3Storage);
    const s3 = (one as S3Storage).driver;
    drivers.push(s3);
    assert.equal([s3.location.prefix, s3.location.forcePathStyle, s3.chunkSize, s3.redirect], [`${run}/by-url`, true, MIN_CHUNK_SIZE, true]);
    assert.match(one.description, `s3 s3://${BUCKET}/${run}/by-url at ${server.endpoint}`);
    const upload = await one.createUpload('lab/img');
    await one.appendUpload('lab/img', upload.id, (async function* () { yield Buffer.from('through a URL'); })());
    const digest = sha256('through a URL');
    await one.commitUpload('lab/img', upload.id, digest);
    const other = openRegistryStorage(url) as S3Storage;
    drivers.push(other.driver);
    assert.equal(await other.statBlob('lab/img', digest), { digest, size: 13 });
    assert.equal(await other.listRepositories(), ['lab/img']);
  });

  test('a presigned URL for a blob GETs its bytes without credentials', async () => {
    const d = driver();
    await d.put('/blobs/x', Buffer.from('presigned bytes'));
    const url = await d.urlFor('/blobs/x', 60);
    assert.ok(url.startsWith(`${server.endpoint}/${BUCKET}/`), url);
    const response = await fetch(url);
    assert.is(response.status, 200);
    assert.is(await response.text(), 'presigned bytes');
  });

  test('with redirect=true the registry answers a blob GET with a 307 to a presigned URL; HEAD stays', async () => {
    const storage = new S3Storage(options({ redirect: true }));
    drivers.push(storage.driver);
    const registry = await startRegistry({ host: '127.0.0.1', port: 0, storage, log: () => undefined });
    try {
      const upload = await storage.createUpload('lab/img');
      await storage.appendUpload('lab/img', upload.id, (async function* () { yield Buffer.from('a layer from S3'); })());
      const digest = sha256('a layer from S3');
      await storage.commitUpload('lab/img', upload.id, digest);
      const blob = `${registry.url}/v2/lab/img/blobs/${digest}`;
      const redirected = await fetch(blob, { redirect: 'manual' });
      assert.is(redirected.status, 307);
      const location = redirected.headers.get('location')!;
      assert.ok(location.startsWith(`${server.endpoint}/${BUCKET}/`), location);
      assert.is(await (await fetch(blob)).text(), 'a layer from S3', 'followed, the redirect gives the bytes');
      assert.is(await (await fetch(location, { headers: { Range: 'bytes=2-6' } })).text(), 'layer', 'a range from the store');
      const head = await fetch(blob, { method: 'HEAD', redirect: 'manual' });
      assert.equal([head.status, head.headers.get('content-length')], [200, '15']);
      assert.is((await fetch(`${registry.url}/v2/lab/img/blobs/${sha256('none')}`, { redirect: 'manual' })).status, 404, 'an unknown blob is not redirected');
    } finally {
      await registry.close();
    }
  });

  test('a bucket that does not exist, or wrong credentials, are errors that say what to do', async () => {
    const missing = driver({ bucket: 'no-such-bucket' });
    await missing.put('/x', Buffer.from('x')).then(
      () => assert.unreachable('a put into a missing bucket'),
      (error: Error) => assert.match(error.message, /NoSuchBucket.*create bucket "no-such-bucket" first/),
    );
    const wrong = driver({ credentials: { accessKeyId: server.accessKeyId, secretAccessKey: 'wrong' } });
    await wrong.put('/x', Buffer.from('x')).then(
      () => assert.unreachable('a put with a wrong secret'),
      (error: Error) => assert.match(error.message, /check the credentials/),
    );
  });

  // The last suite to run: Swift stops once everything above is done.
  test.after(async () => {
    for (const d of drivers) d.destroy();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  test.run();
}
