// The registry's storage semantics (the RegistryStorage contract) as tests,
// run over each driver by _conformance.ts.  After every test the suite fails
// the backend if a temp file or an upload is left behind.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BerthError } from '../../../../src/engine/errors.js';
import { sha256 } from '../../../../src/engine/store/digest.js';
import { MediaType } from '../../../../src/engine/store/oci.js';
import type { StorageDriver } from '../../../../src/engine/registry/storage/driver.js';
import { DriverStorage } from '../../../../src/engine/registry/storage/driver-storage.js';
import {
  BlobUnknownError, DigestMismatchError, ManifestUnknownError, TagUnknownError, UploadOffsetError, UploadUnknownError,
  type RegistryStorage,
} from '../../../../src/engine/registry/storage/storage.js';

/** A storage driver under test: how to make a fresh one, what debris it holds, how to remove it. */
export interface DriverSubject<D extends StorageDriver = StorageDriver> {
  readonly name: string;
  /** a fresh, empty driver */
  create(): D | Promise<D>;
  /** temp files (or other debris) the driver holds right now: must be [] between operations */
  leftovers(driver: D): string[] | Promise<string[]>;
  /** removes what create made */
  destroy?(driver: D): void | Promise<void>;
}

/** Throws when the driver holds temp files, or the storage over it live uploads (the suite runs it after every test). */
export async function assertNoLeftovers<D extends StorageDriver>(subject: DriverSubject<D>, driver: D, storage: RegistryStorage): Promise<void> {
  const files = await subject.leftovers(driver);
  if (files.length) throw new assert.Assertion({ message: `${subject.name} left temp files behind: ${files.join(', ')}`, expects: [], actual: files, operator: 'leftovers' });
  const uploads = await storage.listUploads();
  if (uploads.length) throw new assert.Assertion({ message: `${subject.name} left uploads behind: ${uploads.map((u) => u.id).join(', ')}`, expects: [], actual: uploads, operator: 'leftovers' });
}

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.from(part);
}

/** Yields `before`, then fails as a dropped connection does. */
async function* cutOff(before: Buffer): AsyncGenerator<Buffer> {
  yield before;
  throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
}

export async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts);
}

export async function rejectsWith<E>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E, what: string): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw new Error(`${what}: expected ${type.name}, got ${(error as Error)?.stack ?? error}`);
  }
  throw new Error(`${what}: expected ${type.name}, but it succeeded`);
}

async function pushBlob(storage: RegistryStorage, repository: string, data: string | Buffer): Promise<string> {
  const upload = await storage.createUpload(repository);
  await storage.appendUpload(repository, upload.id, chunks(data));
  return (await storage.commitUpload(repository, upload.id, sha256(data))).digest;
}

const imageManifest = (config: string, layers: string[], extra: Record<string, unknown> = {}) => Buffer.from(JSON.stringify({
  schemaVersion: 2, mediaType: MediaType.OciManifest,
  config: { mediaType: MediaType.OciConfig, digest: config, size: 2 },
  layers: layers.map((digest) => ({ mediaType: MediaType.OciLayerGzip, digest, size: 1 })), ...extra,
}));

export function runSemanticsConformance<D extends StorageDriver>(subject: DriverSubject<D>): void {
  const test = suite<{ driver: D; storage: RegistryStorage }>(`registry storage conformance: ${subject.name}`, {} as { driver: D; storage: RegistryStorage });
  test.before.each(async (context) => {
    context.driver = await subject.create();
    context.storage = new DriverStorage(context.driver);
  });
  test.after.each(async (context) => {
    try {
      await assertNoLeftovers(subject, context.driver, context.storage);
    } finally {
      await subject.destroy?.(context.driver);
    }
  });

  test('a new backend is empty', async ({ storage }) => {
    assert.equal(await storage.listRepositories(), []);
    assert.equal(await storage.listUploads(), []);
    assert.equal(await storage.listTags('lab/none'), []);
    assert.equal(await storage.listReferrers('lab/none', sha256('x')), []);
    await rejectsWith(storage.statBlob('lab/none', sha256('x')), BlobUnknownError, 'statBlob');
    await rejectsWith(storage.readBlob('lab/none', sha256('x')), BlobUnknownError, 'readBlob');
    await rejectsWith(storage.getManifest('lab/none', sha256('x')), ManifestUnknownError, 'getManifest');
    await rejectsWith(storage.resolveTag('lab/none', 'latest'), TagUnknownError, 'resolveTag');
  });

  test('an upload in chunks becomes a blob when committed with its digest, and the upload is gone', async ({ storage }) => {
    const upload = await storage.createUpload('lab/img');
    assert.is(upload.size, 0);
    assert.is(upload.repository, 'lab/img');
    assert.equal((await storage.statUpload('lab/img', upload.id)).size, 0);
    assert.is((await storage.appendUpload('lab/img', upload.id, chunks('hello '), 0)).size, 6);
    assert.is((await storage.appendUpload('lab/img', upload.id, chunks('blob', ' world'))).size, 16);
    assert.is((await storage.statUpload('lab/img', upload.id)).size, 16);
    assert.equal((await storage.listUploads()).map((u) => u.id), [upload.id]);
    const digest = sha256('hello blob world');
    await rejectsWith(storage.statBlob('lab/img', digest), BlobUnknownError, 'blob visible before commit');
    assert.equal(await storage.commitUpload('lab/img', upload.id, digest), { digest, size: 16 });
    assert.equal(await storage.statBlob('lab/img', digest), { digest, size: 16 });
    assert.is((await readAll(await storage.readBlob('lab/img', digest))).toString(), 'hello blob world');
    assert.is((await readAll(await storage.readBlob('lab/img', digest, { start: 6, end: 9 }))).toString(), 'blob');
    await rejectsWith(storage.statUpload('lab/img', upload.id), UploadUnknownError, 'upload after commit');
    assert.equal(await storage.listRepositories(), ['lab/img']);
  });

  test('an empty blob can be uploaded', async ({ storage }) => {
    const digest = await pushBlob(storage, 'lab/img', '');
    assert.equal(await storage.statBlob('lab/img', digest), { digest, size: 0 });
    assert.is((await readAll(await storage.readBlob('lab/img', digest))).length, 0);
  });

  test('a commit whose digest does not match stores nothing and ends the upload', async ({ storage }) => {
    const upload = await storage.createUpload('lab/img');
    await storage.appendUpload('lab/img', upload.id, chunks('actual bytes'));
    const claimed = sha256('other bytes');
    const error = await rejectsWith(storage.commitUpload('lab/img', upload.id, claimed), DigestMismatchError, 'commit');
    assert.is(error.expected, claimed);
    assert.is(error.actual, sha256('actual bytes'));
    await rejectsWith(storage.statBlob('lab/img', claimed), BlobUnknownError, 'claimed digest');
    await rejectsWith(storage.statBlob('lab/img', sha256('actual bytes')), BlobUnknownError, 'actual digest');
    await rejectsWith(storage.statUpload('lab/img', upload.id), UploadUnknownError, 'upload after mismatch');
    assert.equal(await storage.listRepositories(), []);
  });

  test('an append at the wrong offset is refused without reading the data', async ({ storage }) => {
    const upload = await storage.createUpload('lab/img');
    await storage.appendUpload('lab/img', upload.id, chunks('0123'));
    let read = false;
    async function* watched() { read = true; yield Buffer.from('x'); }
    const error = await rejectsWith(storage.appendUpload('lab/img', upload.id, watched(), 2), UploadOffsetError, 'append at 2');
    assert.is(error.size, 4);
    assert.is(error.offset, 2);
    assert.not.ok(read, 'the data was read');
    assert.is((await storage.statUpload('lab/img', upload.id)).size, 4);
    await storage.cancelUpload('lab/img', upload.id);
  });

  test('data cut off half way keeps what arrived; the upload resumes from there', async ({ storage }) => {
    const whole = Buffer.from('first half|second half');
    const upload = await storage.createUpload('lab/img');
    await rejectsWith(storage.appendUpload('lab/img', upload.id, cutOff(whole.subarray(0, 11))), Error, 'cut off');
    const status = await storage.statUpload('lab/img', upload.id);
    assert.is(status.size, 11);
    await rejectsWith(storage.statBlob('lab/img', sha256(whole)), BlobUnknownError, 'half a blob');
    await storage.appendUpload('lab/img', upload.id, chunks(whole.subarray(11)), 11);
    await storage.commitUpload('lab/img', upload.id, sha256(whole));
    assert.is((await readAll(await storage.readBlob('lab/img', sha256(whole)))).toString(), whole.toString());
  });

  test('an upload resumes at its offset after a restart (a new storage over the same driver), and the commit still verifies', async ({ driver, storage }) => {
    const whole = Buffer.from('before the restart|after it');
    const upload = await storage.createUpload('lab/img');
    await storage.appendUpload('lab/img', upload.id, chunks(whole.subarray(0, 18)));
    const restarted = new DriverStorage(driver);
    assert.is((await restarted.statUpload('lab/img', upload.id)).size, 18);
    await rejectsWith(restarted.appendUpload('lab/img', upload.id, chunks('x'), 0), UploadOffsetError, 'append at 0');
    await restarted.appendUpload('lab/img', upload.id, chunks(whole.subarray(18)), 18);
    await rejectsWith(restarted.commitUpload('lab/img', upload.id, sha256(whole.subarray(18))), DigestMismatchError, 'the tail alone');
    const again = await restarted.createUpload('lab/img');
    await restarted.appendUpload('lab/img', again.id, chunks(whole));
    await new DriverStorage(driver).commitUpload('lab/img', again.id, sha256(whole));
    assert.is((await readAll(await storage.readBlob('lab/img', sha256(whole)))).toString(), whole.toString());
  });

  test('a cancelled upload is gone, and so are its bytes', async ({ storage }) => {
    const upload = await storage.createUpload('lab/img');
    await storage.appendUpload('lab/img', upload.id, chunks('some bytes'));
    await storage.cancelUpload('lab/img', upload.id);
    await rejectsWith(storage.statUpload('lab/img', upload.id), UploadUnknownError, 'stat');
    await rejectsWith(storage.appendUpload('lab/img', upload.id, chunks('more')), UploadUnknownError, 'append');
    await rejectsWith(storage.commitUpload('lab/img', upload.id, sha256('some bytes')), UploadUnknownError, 'commit');
    await rejectsWith(storage.cancelUpload('lab/img', upload.id), UploadUnknownError, 'cancel twice');
    assert.equal(await storage.listUploads(), []);
  });

  test('an upload belongs to its repository; unknown ids are refused', async ({ storage }) => {
    const upload = await storage.createUpload('lab/img');
    await rejectsWith(storage.statUpload('lab/other', upload.id), UploadUnknownError, 'other repository');
    await rejectsWith(storage.statUpload('lab/img', '00000000-0000-4000-8000-000000000000'), UploadUnknownError, 'unknown id');
    await rejectsWith(storage.statUpload('lab/img', '../../etc'), UploadUnknownError, 'crafted id');
    await storage.cancelUpload('lab/img', upload.id);
  });

  test('appends to one upload run one at a time: a second append at the same offset is refused', async ({ storage }) => {
    const upload = await storage.createUpload('lab/img');
    const results = await Promise.allSettled([
      storage.appendUpload('lab/img', upload.id, chunks('aaaa', 'aaaa'), 0),
      storage.appendUpload('lab/img', upload.id, chunks('bbbb', 'bbbb'), 0),
    ]);
    assert.equal(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.instance(rejected.reason, UploadOffsetError);
    assert.is((await storage.statUpload('lab/img', upload.id)).size, 8);
    await storage.cancelUpload('lab/img', upload.id);
  });

  test('concurrent uploads of the same bytes into two repositories both land, once', async ({ storage }) => {
    const data = Buffer.alloc(200_000, 'z');
    const [a, b] = await Promise.all([pushBlob(storage, 'lab/a', data), pushBlob(storage, 'lab/b', data)]);
    assert.is(a, sha256(data));
    assert.is(b, sha256(data));
    assert.is((await storage.statBlob('lab/a', a)).size, data.length);
    assert.is((await storage.statBlob('lab/b', b)).size, data.length);
    assert.equal(await storage.listRepositories(), ['lab/a', 'lab/b']);
  });

  test('blobs are linked per repository: mount links one across, delete unlinks only there', async ({ storage }) => {
    const digest = await pushBlob(storage, 'lab/a', 'shared layer');
    await rejectsWith(storage.statBlob('lab/b', digest), BlobUnknownError, 'not linked in b');
    await rejectsWith(storage.mountBlob('lab/b', digest, 'lab/c'), BlobUnknownError, 'mount from a repository without it');
    assert.equal(await storage.mountBlob('lab/b', digest, 'lab/a'), { digest, size: 12 });
    assert.equal(await storage.mountBlob('lab/b', digest, 'lab/a'), { digest, size: 12 });
    await storage.deleteBlob('lab/a', digest);
    await rejectsWith(storage.statBlob('lab/a', digest), BlobUnknownError, 'deleted from a');
    await rejectsWith(storage.deleteBlob('lab/a', digest), BlobUnknownError, 'deleted twice');
    assert.is((await readAll(await storage.readBlob('lab/b', digest))).toString(), 'shared layer');
    assert.equal(await storage.listRepositories(), ['lab/b']);
  });

  test('manifests keep their exact bytes and media type; tags point at them', async ({ storage }) => {
    const config = await pushBlob(storage, 'lab/img', '{}');
    const bytes = Buffer.from(`  ${imageManifest(config, []).toString()}\n`);
    const digest = await storage.putManifest('lab/img', bytes, { mediaType: MediaType.OciManifest });
    assert.is(digest, sha256(bytes));
    assert.is(await storage.putManifest('lab/img', bytes, { mediaType: MediaType.OciManifest }), digest);
    const record = await storage.getManifest('lab/img', digest);
    assert.ok(record.bytes.equals(bytes));
    assert.is(record.mediaType, MediaType.OciManifest);
    await rejectsWith(storage.getManifest('lab/other', digest), ManifestUnknownError, 'other repository');
    await rejectsWith(storage.putTag('lab/img', 'v1', sha256('nothing')), ManifestUnknownError, 'tag to nothing');
    const before = Date.now();
    await storage.putTag('lab/img', 'v2', digest);
    await storage.putTag('lab/img', 'v1', digest);
    await storage.putTag('lab/img', 'Latest_1.0-rc', digest);
    assert.is(await storage.resolveTag('lab/img', 'v1'), digest);
    const tags = await storage.listTags('lab/img');
    assert.equal(tags.map((t) => t.tag), ['Latest_1.0-rc', 'v1', 'v2']);
    assert.ok(tags.every((t) => t.digest === digest && t.updatedAt >= before - 1000 && t.updatedAt <= Date.now() + 1000));
    await storage.deleteTag('lab/img', 'v2');
    await rejectsWith(storage.resolveTag('lab/img', 'v2'), TagUnknownError, 'deleted tag');
    await rejectsWith(storage.deleteTag('lab/img', 'v2'), TagUnknownError, 'deleted twice');
    assert.ok((await storage.getManifest('lab/img', digest)).bytes.equals(bytes), 'untagging keeps the manifest');
  });

  test('a tag moves to another manifest', async ({ storage }) => {
    const one = await storage.putManifest('lab/img', Buffer.from('{"one":1}'), { mediaType: MediaType.OciIndex });
    const two = await storage.putManifest('lab/img', Buffer.from('{"two":2}'), { mediaType: MediaType.OciIndex });
    await storage.putTag('lab/img', 'latest', one);
    await storage.putTag('lab/img', 'latest', two);
    assert.is(await storage.resolveTag('lab/img', 'latest'), two);
    assert.equal((await storage.listTags('lab/img')).length, 1);
  });

  test('deleting a manifest removes the tags that point at it and its referrer entry', async ({ storage }) => {
    const subject = sha256('subject');
    const keep = await storage.putManifest('lab/img', Buffer.from('{"keep":1}'), { mediaType: MediaType.OciManifest });
    const gone = await storage.putManifest('lab/img', Buffer.from('{"gone":1}'), { mediaType: MediaType.OciManifest, subject });
    await storage.putTag('lab/img', 'a', gone);
    await storage.putTag('lab/img', 'b', gone);
    await storage.putTag('lab/img', 'c', keep);
    await storage.deleteManifest('lab/img', gone);
    await rejectsWith(storage.getManifest('lab/img', gone), ManifestUnknownError, 'deleted manifest');
    await rejectsWith(storage.deleteManifest('lab/img', gone), ManifestUnknownError, 'deleted twice');
    assert.equal((await storage.listTags('lab/img')).map((t) => t.tag), ['c']);
    assert.equal(await storage.listReferrers('lab/img', subject), []);
  });

  test('referrers: manifests naming a subject, with artifactType and annotations, per repository', async ({ storage }) => {
    const subject = sha256('the image');
    const sig = Buffer.from('{"sig":1}');
    const sbom = Buffer.from('{"sbom":1}');
    const d1 = await storage.putManifest('lab/img', sig, { mediaType: MediaType.OciManifest, subject, artifactType: 'application/vnd.example.sig', annotations: { 'org.example': 'yes' } });
    const d2 = await storage.putManifest('lab/img', sbom, { mediaType: MediaType.OciManifest, subject, artifactType: 'application/spdx+json' });
    await storage.putManifest('lab/img', Buffer.from('{"plain":1}'), { mediaType: MediaType.OciManifest });
    const found = await storage.listReferrers('lab/img', subject);
    const expected = [
      { mediaType: MediaType.OciManifest, digest: d1, size: sig.length, artifactType: 'application/vnd.example.sig', annotations: { 'org.example': 'yes' } },
      { mediaType: MediaType.OciManifest, digest: d2, size: sbom.length, artifactType: 'application/spdx+json' },
    ].sort((a, b) => (a.digest < b.digest ? -1 : 1));
    assert.equal(found, expected);
    assert.equal(await storage.listReferrers('lab/other', subject), []);
  });

  test('repositories are listed sorted, nested names included', async ({ storage }) => {
    await pushBlob(storage, 'lab/img', 'x');
    await pushBlob(storage, 'lab', 'y');
    const digest = await storage.putManifest('library/busybox', Buffer.from('{}'), { mediaType: MediaType.OciManifest });
    await storage.putTag('library/busybox', 'latest', digest);
    await pushBlob(storage, 'a-b/c.d/e__f', 'z');
    assert.equal(await storage.listRepositories(), ['a-b/c.d/e__f', 'lab', 'lab/img', 'library/busybox']);
  });

  test('uploads are listed oldest first', async ({ storage }) => {
    const one = await storage.createUpload('lab/a');
    await new Promise((r) => setTimeout(r, 5));
    const two = await storage.createUpload('lab/b');
    assert.equal((await storage.listUploads()).map((u) => [u.id, u.repository]), [[one.id, 'lab/a'], [two.id, 'lab/b']]);
    await storage.cancelUpload('lab/a', one.id);
    await storage.cancelUpload('lab/b', two.id);
  });

  test('malformed names, digests and tags are refused before anything is touched', async ({ storage }) => {
    const invalid = async (promise: Promise<unknown>, what: string) => {
      const error = await rejectsWith(promise, BerthError, what);
      assert.is(error.kind, 'invalid', what);
    };
    for (const name of ['../etc', 'Lab/img', 'lab//img', 'lab/', '/lab', 'lab/_layers', 'a'.repeat(256)]) {
      await invalid(storage.createUpload(name), `createUpload ${name}`);
      await invalid(storage.listTags(name), `listTags ${name}`);
      await invalid(storage.putManifest(name, Buffer.from('{}'), { mediaType: MediaType.OciManifest }), `putManifest ${name}`);
    }
    for (const digest of ['sha256:../../etc/passwd', 'sha256:ABC', 'md5:00', '']) {
      await invalid(storage.statBlob('lab/img', digest), `statBlob ${digest}`);
      await invalid(storage.getManifest('lab/img', digest), `getManifest ${digest}`);
    }
    const digest = await storage.putManifest('lab/img', Buffer.from('{}'), { mediaType: MediaType.OciManifest });
    for (const tag of ['../x', '.hidden', '-x', 'a/b', 'x'.repeat(129)]) await invalid(storage.putTag('lab/img', tag, digest), `putTag ${tag}`);
    const upload = await storage.createUpload('lab/img');
    await invalid(storage.commitUpload('lab/img', upload.id, 'sha256:nope'), 'commit with a bad digest');
    await storage.cancelUpload('lab/img', upload.id);
  });

  test.run();
}
