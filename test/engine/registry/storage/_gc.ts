// Garbage collection and the purge of stale uploads (gc.ts, purge-uploads.ts)
// as tests over a driver: run over each one by _conformance.ts, so every
// backend (filesystem, memory, S3) is collected the same way.  Images are
// written through the registry's storage as the server would; after each
// collection every kept image is pulled back byte for byte, and after every
// test the backend must hold no temp files and no uploads.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MediaType } from '../../../../src/engine/store/oci.js';
import { digestBytes } from '../../../../src/engine/registry/storage/digests.js';
import type { StorageDriver } from '../../../../src/engine/registry/storage/driver.js';
import { DriverStorage } from '../../../../src/engine/registry/storage/driver-storage.js';
import { collectGarbage, type GcOptions, type GcReport } from '../../../../src/engine/registry/storage/gc.js';
import { blobPath, blobsPath, revisionsPath, tagsPath, uploadInfoPath } from '../../../../src/engine/registry/storage/layout.js';
import { BlobUnknownError, ManifestUnknownError, UploadUnknownError } from '../../../../src/engine/registry/storage/storage.js';
import { assertNoLeftovers, readAll, rejectsWith, type DriverSubject } from './_semantics.js';

const HOUR = 60 * 60 * 1000;
/** What the tests collect with unless they test the grace period: nothing pushed before the run counts as in progress. */
const NOW: GcOptions = { gracePeriodMs: 0 };

interface Context<D extends StorageDriver> {
  driver: D;
  storage: DriverStorage;
  /** every blob and manifest written, by digest, to compare pulls against */
  pushed: Map<string, Buffer>;
}

async function* chunks(data: Buffer): AsyncGenerator<Buffer> {
  yield data;
}

/** A blob written through an upload, as a push does; returns its digest. */
async function pushBlob(ctx: Context<StorageDriver>, repository: string, data: string | Buffer, algorithm: 'sha256' | 'sha512' = 'sha256'): Promise<string> {
  const bytes = Buffer.from(data);
  const upload = await ctx.storage.createUpload(repository);
  await ctx.storage.appendUpload(repository, upload.id, chunks(bytes));
  const digest = digestBytes(bytes, algorithm);
  await ctx.storage.commitUpload(repository, upload.id, digest);
  ctx.pushed.set(digest, bytes);
  return digest;
}

async function putManifest(ctx: Context<StorageDriver>, repository: string, doc: Record<string, unknown>, tag?: string): Promise<string> {
  const bytes = Buffer.from(JSON.stringify(doc));
  const subject = (doc.subject as { digest: string } | undefined)?.digest;
  const digest = await ctx.storage.putManifest(repository, bytes, { mediaType: doc.mediaType as string, ...(subject ? { subject } : {}) });
  if (tag) await ctx.storage.putTag(repository, tag, digest);
  ctx.pushed.set(digest, bytes);
  return digest;
}

interface Pushed {
  readonly digest: string;
  readonly config: string;
  readonly layers: readonly string[];
}

/** An image: a config of its own and the given layers (pushed unless already given as digests). */
async function pushImage(ctx: Context<StorageDriver>, repository: string, options: { tag?: string; layers: (string | Buffer | { digest: string })[]; subject?: string }): Promise<Pushed> {
  const config = await pushBlob(ctx, repository, JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, id: Math.random() }));
  const layers: string[] = [];
  for (const layer of options.layers) layers.push(typeof layer === 'string' || Buffer.isBuffer(layer) ? await pushBlob(ctx, repository, layer) : layer.digest);
  const doc = {
    schemaVersion: 2, mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: config, size: ctx.pushed.get(config)!.length },
    layers: layers.map((digest) => ({ mediaType: MediaType.OciLayerGzip, digest, size: ctx.pushed.get(digest)!.length })),
    ...(options.subject ? { subject: { mediaType: MediaType.OciManifest, digest: options.subject, size: ctx.pushed.get(options.subject)?.length ?? 1 } } : {}),
  };
  return { digest: await putManifest(ctx, repository, doc, options.tag), config, layers };
}

async function pushIndex(ctx: Context<StorageDriver>, repository: string, children: readonly string[], tag?: string): Promise<string> {
  return putManifest(ctx, repository, {
    schemaVersion: 2, mediaType: MediaType.OciIndex,
    manifests: children.map((digest, i) => ({ mediaType: MediaType.OciManifest, digest, size: ctx.pushed.get(digest)!.length, platform: { architecture: ['amd64', 'arm64'][i % 2], os: 'linux' } })),
  }, tag);
}

/** Pulls the manifest (an index: each child too) and every blob it names, and compares them with what was pushed. */
async function assertPulls(ctx: Context<StorageDriver>, repository: string, reference: string): Promise<void> {
  const digest = reference.includes(':') ? reference : await ctx.storage.resolveTag(repository, reference);
  const record = await ctx.storage.getManifest(repository, digest);
  assert.ok(record.bytes.equals(ctx.pushed.get(digest)!), `manifest ${repository}@${digest} byte-exact`);
  const doc = JSON.parse(record.bytes.toString('utf8')) as { config?: { digest: string }; layers?: { digest: string }[]; manifests?: { digest: string }[] };
  for (const blob of [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])]) {
    const bytes = await readAll(await ctx.storage.readBlob(repository, blob.digest));
    assert.ok(bytes.equals(ctx.pushed.get(blob.digest)!), `blob ${blob.digest} of ${repository}@${digest} byte-exact`);
  }
  for (const child of doc.manifests ?? []) await assertPulls(ctx, repository, child.digest);
}

async function assertBlobGone(ctx: Context<StorageDriver>, repository: string, digest: string): Promise<void> {
  await rejectsWith(ctx.storage.statBlob(repository, digest), BlobUnknownError, `blob ${digest} in ${repository}`);
}

const digests = (report: GcReport) => report.blobs.map((b) => b.digest);

/**
 * Resolves once the clock is in the next whole second: a store may keep
 * modification times to the second (S3's Last-Modified), and what a test
 * writes must be seen as written after the collector started.
 */
async function nextSecond(): Promise<void> {
  const second = Math.floor(Date.now() / 1000);
  while (Math.floor(Date.now() / 1000) <= second) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** The driver, except that the first listing of `path` runs `meanwhile` before it answers (a push while the collector runs). */
function listingHook(driver: StorageDriver, path: string, meanwhile: () => Promise<void>): StorageDriver {
  let fired = false;
  return {
    name: driver.name,
    get: (p) => driver.get(p),
    put: (p, c) => driver.put(p, c),
    reader: (p, o) => driver.reader(p, o),
    writer: (p, a) => driver.writer(p, a),
    stat: (p) => driver.stat(p),
    move: (f, t) => driver.move(f, t),
    delete: (p) => driver.delete(p),
    async list(p) {
      const listed = await driver.list(p);
      if (p === path && !fired) {
        fired = true;
        await meanwhile();
      }
      return listed;
    },
  };
}

export function runGcConformance<D extends StorageDriver>(subject: DriverSubject<D>): void {
  const test = suite<Context<D>>(`registry garbage collection: ${subject.name}`, {} as Context<D>);
  test.before.each(async (context) => {
    context.driver = await subject.create();
    context.storage = new DriverStorage(context.driver);
    context.pushed = new Map();
  });
  test.after.each(async (context) => {
    try {
      await assertNoLeftovers(subject, context.driver, context.storage);
    } finally {
      await subject.destroy?.(context.driver);
    }
  });

  test('a blob a tagged manifest names is never deleted; a blob nothing names is, with its link', async (ctx) => {
    const image = await pushImage(ctx, 'lab/app', { tag: 'v1', layers: ['layer one', Buffer.alloc(300_000, 7)] });
    const orphan = await pushBlob(ctx, 'lab/app', 'uploaded, never used by a manifest');
    const report = await collectGarbage(ctx.storage, NOW);
    assert.equal(digests(report), [orphan]);
    assert.is(report.bytesFreed, ctx.pushed.get(orphan)!.length);
    assert.equal(report.links, [{ repository: 'lab/app', digest: orphan }]);
    assert.equal(report.manifests, []);
    for (const digest of [image.digest, image.config, ...image.layers]) assert.ok(report.marked.includes(digest), `${digest} marked`);
    await assertBlobGone(ctx, 'lab/app', orphan);
    await assertPulls(ctx, 'lab/app', 'v1');
    assert.equal(digests(await collectGarbage(ctx.storage, NOW)), [], 'a second run finds nothing');
  });

  test('an untagged manifest and its blobs survive without --delete-untagged, and go with it', async (ctx) => {
    const kept = await pushImage(ctx, 'lab/app', { tag: 'v2', layers: ['kept layer'] });
    const untagged = await pushImage(ctx, 'lab/app', { tag: 'v1', layers: ['old layer'] });
    await ctx.storage.deleteTag('lab/app', 'v1');
    const without = await collectGarbage(ctx.storage, NOW);
    assert.equal(without.blobs, []);
    assert.equal(without.manifests, []);
    await assertPulls(ctx, 'lab/app', untagged.digest);
    const report = await collectGarbage(ctx.storage, { ...NOW, deleteUntagged: true });
    assert.equal(report.manifests, [{ repository: 'lab/app', digest: untagged.digest }]);
    assert.equal(digests(report), [untagged.digest, untagged.config, ...untagged.layers].sort());
    await rejectsWith(ctx.storage.getManifest('lab/app', untagged.digest), ManifestUnknownError, 'the untagged manifest');
    for (const digest of [untagged.config, ...untagged.layers]) await assertBlobGone(ctx, 'lab/app', digest);
    await assertPulls(ctx, 'lab/app', 'v2');
    assert.is(kept.digest, await ctx.storage.resolveTag('lab/app', 'v2'));
  });

  test('a repository left with nothing is gone from the catalog', async (ctx) => {
    await pushImage(ctx, 'lab/gone', { tag: 'v1', layers: ['only layer'] });
    await pushImage(ctx, 'lab/stays', { tag: 'v1', layers: ['other layer'] });
    await ctx.storage.deleteTag('lab/gone', 'v1');
    await collectGarbage(ctx.storage, { ...NOW, deleteUntagged: true });
    assert.equal(await ctx.storage.listRepositories(), ['lab/stays']);
    await assertPulls(ctx, 'lab/stays', 'v1');
  });

  test("an index's untagged children and their layers survive --delete-untagged", async (ctx) => {
    const amd64 = await pushImage(ctx, 'lab/multi', { layers: ['amd64 layer'] });
    const arm64 = await pushImage(ctx, 'lab/multi', { layers: ['arm64 layer', 'arm64 second layer'] });
    const index = await pushIndex(ctx, 'lab/multi', [amd64.digest, arm64.digest], 'latest');
    const nested = await pushIndex(ctx, 'lab/multi', [index], 'nested');
    const report = await collectGarbage(ctx.storage, { ...NOW, deleteUntagged: true });
    assert.equal(report.manifests, []);
    assert.equal(report.blobs, []);
    for (const digest of [index, nested, amd64.digest, arm64.digest, amd64.config, ...arm64.layers]) assert.ok(report.marked.includes(digest), `${digest} marked`);
    await assertPulls(ctx, 'lab/multi', 'latest');
    await assertPulls(ctx, 'lab/multi', 'nested');
  });

  test('a blob shared by a kept and a deleted manifest survives; the deleted one\'s own blobs go', async (ctx) => {
    const shared = await pushBlob(ctx, 'lab/app', Buffer.alloc(100_000, 's'));
    const kept = await pushImage(ctx, 'lab/app', { tag: 'v2', layers: [{ digest: shared }, 'v2 only'] });
    const gone = await pushImage(ctx, 'lab/app', { layers: [{ digest: shared }, 'v1 only'] });
    // The same layer in another repository, through a mount.
    await ctx.storage.mountBlob('lab/other', shared, 'lab/app');
    const report = await collectGarbage(ctx.storage, { ...NOW, deleteUntagged: true });
    assert.equal(report.manifests, [{ repository: 'lab/app', digest: gone.digest }]);
    assert.equal(digests(report), [gone.digest, gone.config, gone.layers[1]!].sort());
    assert.not.ok(digests(report).includes(shared));
    assert.equal(report.links.filter((l) => l.digest === shared), []);
    await assertPulls(ctx, 'lab/app', 'v2');
    assert.equal(await ctx.storage.statBlob('lab/other', shared), { digest: shared, size: 100_000 });
    assert.ok(kept.layers.includes(shared));
  });

  test('referrers: kept while their subject is kept, even untagged; deleted with an untagged subject', async (ctx) => {
    const image = await pushImage(ctx, 'lab/app', { tag: 'v1', layers: ['signed layer'] });
    const signature = await pushImage(ctx, 'lab/app', { layers: ['signature bytes'], subject: image.digest });
    const sbomOfSignature = await pushImage(ctx, 'lab/app', { layers: ['sbom of the signature'], subject: signature.digest });
    const old = await pushImage(ctx, 'lab/app', { layers: ['old layer'] });
    const oldSignature = await pushImage(ctx, 'lab/app', { layers: ['old signature'], subject: old.digest });
    const report = await collectGarbage(ctx.storage, { ...NOW, deleteUntagged: true });
    assert.equal(report.manifests.map((m) => m.digest).sort(), [old.digest, oldSignature.digest].sort());
    assert.equal((await ctx.storage.listReferrers('lab/app', image.digest)).map((d) => d.digest), [signature.digest]);
    assert.equal((await ctx.storage.listReferrers('lab/app', old.digest)), []);
    await assertPulls(ctx, 'lab/app', signature.digest);
    await assertPulls(ctx, 'lab/app', sbomOfSignature.digest);
    await assertPulls(ctx, 'lab/app', 'v1');
  });

  test('a dry run deletes nothing and reports what the real run then deletes', async (ctx) => {
    await pushImage(ctx, 'lab/app', { tag: 'v2', layers: ['kept'] });
    const gone = await pushImage(ctx, 'lab/app', { tag: 'v1', layers: ['dropped'] });
    await ctx.storage.deleteTag('lab/app', 'v1');
    const orphan = await pushBlob(ctx, 'lab/other', 'orphan');
    const stale = await ctx.storage.createUpload('lab/app');
    await ctx.storage.appendUpload('lab/app', stale.id, chunks(Buffer.from('abandoned')));
    await ctx.driver.put(uploadInfoPath(stale.id), Buffer.from(JSON.stringify({ repository: 'lab/app', startedAt: Date.now() - 200 * HOUR })));
    const dry = await collectGarbage(ctx.storage, { ...NOW, deleteUntagged: true, dryRun: true });
    assert.ok(dry.dryRun);
    assert.is(dry.blobs.length, 4);
    assert.is(dry.uploads?.purged.length, 1);
    for (const digest of ctx.pushed.keys()) await ctx.driver.stat(blobPath(digest));
    assert.equal(await ctx.storage.statBlob('lab/other', orphan), { digest: orphan, size: 6 });
    await assertPulls(ctx, 'lab/app', gone.digest);
    assert.is((await ctx.storage.statUpload('lab/app', stale.id)).size, 9);
    const real = await collectGarbage(ctx.storage, { ...NOW, deleteUntagged: true });
    assert.equal(real.blobs, dry.blobs);
    assert.equal(real.manifests, dry.manifests);
    assert.equal(real.links, dry.links);
    assert.equal(real.marked, dry.marked);
    assert.equal(real.uploads?.purged, dry.uploads?.purged);
    assert.is(real.bytesFreed, dry.bytesFreed);
    await assertPulls(ctx, 'lab/app', 'v2');
  });

  test('what changed within the grace period is kept and reported: a push in progress', async (ctx) => {
    const orphan = await pushBlob(ctx, 'lab/app', 'just uploaded, its manifest not yet');
    const child = await pushImage(ctx, 'lab/multi', { layers: ['child layer'] });
    const report = await collectGarbage(ctx.storage, { deleteUntagged: true });
    assert.is(report.gracePeriodMs, HOUR);
    assert.equal(report.blobs, []);
    assert.equal(report.manifests, []);
    assert.equal(report.recentBlobs.map((b) => b.digest), [orphan]);
    assert.equal(report.recentManifests, [{ repository: 'lab/multi', digest: child.digest }]);
    assert.ok(report.marked.includes(child.layers[0]!));
    await assertPulls(ctx, 'lab/multi', child.digest);
  });

  test('a manifest pushed while the collector runs keeps an old blob it names', async (ctx) => {
    const old = await pushBlob(ctx, 'lab/app', 'was there before, unreferenced');
    let late: Pushed | undefined;
    const hooked = new DriverStorage(listingHook(ctx.driver, revisionsPath('lab/app'), async () => {
      late = await pushImage(ctx, 'lab/app', { layers: [{ digest: old }] });
    }));
    await pushImage(ctx, 'lab/app', { tag: 'v1', layers: ['tagged'] });
    const report = await collectGarbage(hooked, NOW);
    assert.ok(late, 'the push ran during the collection');
    assert.not.ok(digests(report).includes(old));
    await assertPulls(ctx, 'lab/app', late!.digest);
  });

  test('an old blob mounted while the collector sweeps is kept', async (ctx) => {
    const old = await pushBlob(ctx, 'lab/app', 'old, unreferenced, about to be mounted');
    await pushImage(ctx, 'lab/other', { tag: 'v1', layers: ['other layer'] });
    const hooked = new DriverStorage(listingHook(ctx.driver, blobsPath('sha256'), async () => {
      await nextSecond();
      await ctx.storage.mountBlob('lab/other', old, 'lab/app');
    }));
    const report = await collectGarbage(hooked, NOW);
    assert.equal(report.blobs, []);
    assert.equal(report.recentBlobs.map((b) => b.digest), [old]);
    assert.equal(await ctx.storage.statBlob('lab/other', old), { digest: old, size: ctx.pushed.get(old)!.length });
  });

  test('an untagged manifest tagged while the collector runs is kept', async (ctx) => {
    const untagged = await pushImage(ctx, 'lab/app', { layers: ['about to be tagged'] });
    const hooked = new DriverStorage(listingHook(ctx.driver, tagsPath('lab/app'), () => ctx.storage.putTag('lab/app', 'now', untagged.digest)));
    await pushImage(ctx, 'lab/app', { tag: 'v1', layers: ['tagged'] });
    const report = await collectGarbage(hooked, { ...NOW, deleteUntagged: true });
    assert.equal(report.manifests, []);
    assert.equal(report.blobs, []);
    await assertPulls(ctx, 'lab/app', 'now');
  });

  test('sha512 blobs and manifests are collected like sha256 ones', async (ctx) => {
    const layer = await pushBlob(ctx, 'lab/app', 'a sha512 layer', 'sha512');
    const orphan = await pushBlob(ctx, 'lab/app', 'a sha512 orphan', 'sha512');
    await pushImage(ctx, 'lab/app', { tag: 'v1', layers: [{ digest: layer }] });
    const report = await collectGarbage(ctx.storage, NOW);
    assert.equal(digests(report), [orphan]);
    await assertPulls(ctx, 'lab/app', 'v1');
  });

  test('a stale upload is purged; a fresh one, and an old one still being written, are not', async (ctx) => {
    const stale = await ctx.storage.createUpload('lab/app');
    await ctx.storage.appendUpload('lab/app', stale.id, chunks(Buffer.alloc(5000, 1)));
    const startedAt = Date.now() - 200 * HOUR;
    await ctx.driver.put(uploadInfoPath(stale.id), Buffer.from(JSON.stringify({ repository: 'lab/app', startedAt })));
    const fresh = await ctx.storage.createUpload('lab/app');
    await ctx.storage.appendUpload('lab/app', fresh.id, chunks(Buffer.from('on its way')));
    // Old, but written to just now (by the appends above): left alone while the grace period lasts.
    const writing = await ctx.storage.createUpload('lab/app');
    await ctx.storage.appendUpload('lab/app', writing.id, chunks(Buffer.from('slow wifi')));
    await ctx.driver.put(uploadInfoPath(writing.id), Buffer.from(JSON.stringify({ repository: 'lab/app', startedAt })));
    const graced = await collectGarbage(ctx.storage, { uploadMaxAgeMs: 168 * HOUR });
    assert.equal(graced.uploads?.purged, []);
    await ctx.storage.cancelUpload('lab/app', writing.id);
    const report = await collectGarbage(ctx.storage, NOW);
    assert.equal(report.uploads?.maxAgeMs, 168 * HOUR);
    assert.equal(report.uploads?.purged, [{ id: stale.id, repository: 'lab/app', startedAt, size: 5000, reason: 'stale' }]);
    assert.is(report.bytesFreed, 5000);
    await rejectsWith(ctx.storage.statUpload('lab/app', stale.id), UploadUnknownError, 'the stale upload');
    assert.equal((await ctx.storage.listUploads()).map((u) => u.id), [fresh.id]);
    // A shorter age is a setting; 0 purges none.
    assert.equal((await collectGarbage(ctx.storage, { ...NOW, uploadMaxAgeMs: 0 })).uploads, undefined);
    await ctx.storage.cancelUpload('lab/app', fresh.id);
  });

  test('an upload whose info is missing or broken is purged', async (ctx) => {
    const missing = await ctx.storage.createUpload('lab/app');
    await ctx.storage.appendUpload('lab/app', missing.id, chunks(Buffer.from('orphaned data')));
    await ctx.driver.delete(uploadInfoPath(missing.id));
    const broken = await ctx.storage.createUpload('lab/app');
    await ctx.driver.put(uploadInfoPath(broken.id), Buffer.from('{"repository": "lab/app", "startedAt": '));
    const graced = await collectGarbage(ctx.storage, {});
    assert.equal(graced.uploads?.purged, [], 'just written: may be an upload being created');
    const report = await collectGarbage(ctx.storage, NOW);
    assert.equal(report.uploads?.purged.map((u) => [u.id, u.reason, u.size]).sort(), [[missing.id, 'no info.json', 13], [broken.id, 'unreadable info.json', 0]].sort());
    assert.equal(await ctx.storage.listUploads(), []);
  });

  test.run();
}
