import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { statePaths } from '../../../src/engine/paths.js';
import { ImageStore, type LayerInput } from '../../../src/engine/store/images.js';
import { sha256 } from '../../../src/engine/store/digest.js';
import { MediaType, type ImageManifest } from '../../../src/engine/store/oci.js';
import { BerthError } from '../../../src/engine/errors.js';
import { imageRecordsFile } from '../../../src/engine/store/image-records.js';
import { berthRoot } from '../../_helpers.js';

const test = suite('store/images');
const paths = statePaths(berthRoot());
const store = new ImageStore(paths);

/** A fake layer: the bytes need not be a real gzip tar for the store's bookkeeping. */
async function layer(text: string): Promise<LayerInput> {
  const blob = await store.blobs.put(Buffer.from(`blob:${text}`));
  return { blobDigest: blob.digest, diffId: sha256(`diff:${text}`), uncompressedSize: 1000 + text.length };
}

async function image(name: string | undefined, layers: LayerInput[], created: string, cmd = ['sh']) {
  return store.createImage({ config: { created, config: { Cmd: cmd } }, layers, tags: name ? [name] : [] });
}

const errorKind = (fn: () => unknown): string => {
  try { fn(); } catch (e) { return `${(e as BerthError).kind}: ${(e as Error).message}`; }
  return 'no error';
};

test('createImage writes a config and an OCI manifest; the id is the config digest', async () => {
  const base = await layer('base');
  const img = await image('app', [base], '2024-01-01T00:00:00.000Z');
  assert.equal(img.tags, ['app:latest']);
  assert.is(img.id, sha256(store.configBytes(img)));
  assert.is(img.manifestDigest, sha256(store.manifestBytes(img)));
  assert.is(img.size, base.uncompressedSize);
  const manifest = store.manifest(img);
  assert.is(manifest.mediaType, MediaType.OciManifest);
  assert.is(manifest.config.mediaType, MediaType.OciConfig);
  assert.equal(manifest.layers, [{ mediaType: MediaType.OciLayerGzip, digest: base.blobDigest, size: store.blobs.size(base.blobDigest) }]);
  assert.equal(store.imageConfig(img).rootfs, { type: 'layers', diff_ids: [base.diffId] });
  assert.equal(store.layers(img), [{ digest: base.blobDigest, diffId: base.diffId, mediaType: MediaType.OciLayerGzip, size: store.blobs.size(base.blobDigest), uncompressedSize: base.uncompressedSize }]);
});

test('references.json maps canonical names to manifest digests and round-trips', async () => {
  const img = store.resolve('app');
  store.tag('app', 'localhost:5000/app:v2');
  const onDisk = JSON.parse(fs.readFileSync(paths.references, 'utf8'));
  assert.equal(onDisk, { 'app:latest': img.manifestDigest, 'localhost:5000/app:v2': img.manifestDigest });
  const fresh = new ImageStore(paths);
  assert.equal(fresh.resolve('localhost:5000/app:v2').tags, ['app:latest', 'localhost:5000/app:v2']);
  assert.is(fresh.resolve('app:latest').id, img.id);
  assert.ok(fs.existsSync(imageRecordsFile(paths)));
});

test('resolve by full id, with or without sha256:, by short prefix, and by name@digest', async () => {
  const img = store.resolve('app');
  const hex = img.id.slice(7);
  assert.is(store.resolve(img.id).id, img.id);
  assert.is(store.resolve(hex).id, img.id);
  assert.is(store.resolve(hex.slice(0, 12)).id, img.id);
  assert.is(store.resolve(`sha256:${hex.slice(0, 5)}`).id, img.id);
  assert.is(store.resolve(`app@${img.manifestDigest}`).id, img.id);
  assert.match(errorKind(() => store.resolve(`other@${img.manifestDigest}`)), /^not-found: No such image: other@sha256:/);
});

test('unknown names give Docker\'s "No such image"', () => {
  assert.is(errorKind(() => store.resolve('nothing')), 'not-found: No such image: nothing:latest');
  assert.is(errorKind(() => store.resolve('nothing:v1')), 'not-found: No such image: nothing:v1');
  assert.is(errorKind(() => store.resolve('0000000')), 'not-found: No such image: 0000000');
  assert.match(errorKind(() => store.resolve('Bad..Name')), /^invalid: invalid reference format/);
});

test('an ambiguous id prefix is refused; a longer one resolves', async () => {
  // Make images until two ids share a first hex digit (at most 17 tries).
  const ids = new Map<string, string>();
  let clash: [string, string] | undefined;
  for (let i = 0; !clash; i++) {
    const img = await image(undefined, [await layer('base')], `2024-02-01T00:00:${String(i).padStart(2, '0')}.000Z`, ['echo', String(i)]);
    const first = img.id.slice(7, 8);
    const other = ids.get(first);
    if (other && other !== img.id) clash = [other, img.id];
    ids.set(first, img.id);
  }
  const prefix = clash[0].slice(7, 8);
  assert.match(errorKind(() => store.resolve(prefix)), new RegExp(`^invalid: image id prefix "${prefix}" is ambiguous: it matches sha256:`));
  let common = 1;
  while (clash[0][7 + common] === clash[1][7 + common]) common++;
  assert.is(store.resolve(clash[1].slice(7, 8 + common)).id, clash[1]);
  for (const id of new Set(ids.values())) store.remove(id);
});

test('list shows every image, dangling ones with no tags, newest first', async () => {
  await image(undefined, [await layer('base')], '2030-01-01T00:00:00.000Z', ['newest']);
  const list = store.list();
  assert.equal(list[0]?.tags, []);
  assert.is(list[0]?.created, '2030-01-01T00:00:00.000Z');
  assert.ok(list.some((i) => i.tags.includes('app:latest')));
  store.remove(list[0]!);
});

test('tag moves a name; the old image stays, dangling', async () => {
  const old = store.resolve('app');
  const newer = await image(undefined, [await layer('base'), await layer('top')], '2024-03-01T00:00:00.000Z', ['new']);
  store.tag(newer.id, 'app');
  assert.is(store.resolve('app').id, newer.id);
  assert.equal(store.resolve(old.id).tags, ['localhost:5000/app:v2']);
  assert.is(store.resolve(newer.id).size, 1000 + 'base'.length + 1000 + 'top'.length);
  assert.throws(() => store.tag('app', `x@sha256:${'a'.repeat(64)}`), /refusing to create a tag with a digest/);
});

test('untag removes one name and reports the image', () => {
  const img = store.untag('localhost:5000/app:v2');
  assert.equal(img.tags, []);
  assert.match(errorKind(() => store.untag('localhost:5000/app:v2')), /^not-found: No such image: localhost:5000\/app:v2/);
});

test('remove keeps layer blobs another image uses and deletes the rest', async () => {
  const shared = await layer('shared');
  const onlyA = await layer('only-a');
  const onlyB = await layer('only-b');
  const a = await image('app-a', [shared, onlyA], '2024-04-01T00:00:00.000Z', ['a']);
  const b = await image('app-b', [shared, onlyB], '2024-04-01T00:00:00.000Z', ['b']);
  const removed = store.remove('app-a');
  assert.equal(removed.untagged, ['app-a:latest']);
  assert.is(removed.deleted[0], a.id);
  assert.ok(removed.deleted.includes(onlyA.blobDigest) && removed.deleted.includes(a.manifestDigest));
  assert.not.ok(removed.deleted.includes(shared.blobDigest));
  assert.ok(store.blobs.has(shared.blobDigest), 'the shared layer stays');
  assert.not.ok(store.blobs.has(onlyA.blobDigest));
  assert.not.ok(store.blobs.has(a.id), 'its config is gone');
  assert.is(store.resolve('app-b').id, b.id);
  assert.match(errorKind(() => store.resolve('app-a')), /^not-found/);
  store.remove(b);
  assert.not.ok(store.blobs.has(shared.blobDigest), 'the last user takes the shared layer with it');
});

test('history rows (newest first) and inspect data', async () => {
  const base = await layer('h1');
  const top = await layer('h2');
  const img = await store.createImage({
    config: {
      created: '2024-05-01T00:00:00.000Z',
      config: { Cmd: ['sh'], Env: ['A=1'] },
      history: [
        { created: '2024-05-01T00:00:00.000Z', created_by: 'import' },
        { created: '2024-05-01T00:00:01.000Z', created_by: 'ENV A=1', empty_layer: true },
        { created: '2024-05-01T00:00:02.000Z', created_by: 'touch /x', comment: 'added x' },
      ],
    },
    layers: [base, top],
    tags: ['hist:1'],
  });
  const rows = store.history('hist:1');
  assert.equal(rows.map((r) => [r.id, r.createdBy, r.size, r.emptyLayer]), [
    [img.id, 'touch /x', top.uncompressedSize, false],
    ['<missing>', 'ENV A=1', 0, true],
    ['<missing>', 'import', base.uncompressedSize, false],
  ]);
  const data = store.inspect(img);
  assert.is(data.Id, img.id);
  assert.equal(data.RepoTags, ['hist:1']);
  assert.equal(data.Config, { Cmd: ['sh'], Env: ['A=1'] });
  assert.equal(data.RootFS, { Type: 'layers', Layers: [base.diffId, top.diffId] });
  assert.is(data.Size, base.uncompressedSize + top.uncompressedSize);
  assert.is(data.Os, 'linux');
  assert.is(data.Descriptor.digest, img.manifestDigest);
});

test('putManifest keeps received bytes as they are and records digest references', async () => {
  const base = await layer('pulled');
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [base.diffId] }, config: {} }));
  const configBlob = await store.blobs.put(config);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.DockerManifest,
    config: { mediaType: MediaType.DockerConfig, digest: configBlob.digest, size: configBlob.size },
    layers: [{ mediaType: MediaType.DockerLayerGzip, digest: base.blobDigest, size: store.blobs.size(base.blobDigest) }],
  };
  const bytes = Buffer.from(JSON.stringify(manifest, null, 3)); // unusual spacing: must survive
  const digest = sha256(bytes);
  const img = await store.putManifest(bytes, { tags: ['registry.example/team/tool:1', `registry.example/team/tool@${digest}`], layerSizes: [42] });
  assert.is(img.manifestDigest, digest);
  assert.ok(store.manifestBytes(img).equals(bytes));
  assert.equal(img.tags, ['registry.example/team/tool:1']);
  assert.equal(img.digests, [`registry.example/team/tool@${digest}`]);
  assert.is(store.resolve(`registry.example/team/tool@${digest}`).id, configBlob.digest);
  assert.equal(store.inspect(img).RepoDigests, [`registry.example/team/tool@${digest}`]);
  assert.is(img.size, 42);
});

test('putManifest refuses a manifest whose blobs are missing or that is not an image manifest', async () => {
  const missing = `sha256:${'0'.repeat(64)}`;
  const bad = (m: unknown) => store.putManifest(Buffer.from(JSON.stringify(m)));
  await bad({ schemaVersion: 2, config: { mediaType: MediaType.OciConfig, digest: missing, size: 1 }, layers: [] }).then(
    () => assert.unreachable(), (e: BerthError) => assert.match(e.message, /config blob sha256:0+ not found/));
  await bad({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] }).then(
    () => assert.unreachable(), (e: BerthError) => assert.match(e.message, /expected an image manifest/));
});

test.run();
