// save/load: berth's tar is what docker load and skopeo read (manifest.json +
// an OCI layout); load reads it back, a plain OCI layout, Docker's older
// format, and what skopeo writes; hostile archives are refused.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadImages, saveImages } from '../../../src/engine/archive/docker-archive.js';
import { ensureBusybox } from '../../../src/engine/hub/busybox.js';
import { statePaths } from '../../../src/engine/paths.js';
import { sha256 } from '../../../src/engine/store/digest.js';
import { ImageStore, type Image } from '../../../src/engine/store/images.js';
import { MediaType, type ImageIndex } from '../../../src/engine/store/oci.js';
import { berthRoot, rejects, tempDir } from '../../_helpers.js';
import { twoLayerImage } from '../store/_images.js';

const test = suite('archive/docker-archive');
const store = new ImageStore(statePaths(berthRoot()));
const newStore = () => new ImageStore(statePaths(tempDir('store-')));
let busybox: Image;
let app: Image;
const work = tempDir('archives-');

interface Entry { name: string; data?: Buffer; type?: 'file' | 'directory' | 'symlink' | 'link'; linkname?: string }

async function makeTar(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === 'symlink' || e.type === 'link') pack.entry({ name: e.name, type: e.type, linkname: e.linkname });
    else if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory' });
    else pack.entry({ name: e.name, size: e.data!.length }, e.data!);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as unknown as Readable) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function readTar(file: string): Promise<Map<string, Buffer>> {
  const entries = new Map<string, Buffer>();
  const extract = tar.extract();
  fs.createReadStream(file).pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(Buffer.from(chunk as Uint8Array));
    entries.set(entry.header.name, Buffer.concat(chunks));
  }
  return entries;
}

async function save(items: Array<{ image: Image; tags: string[] }>, name: string): Promise<string> {
  const file = path.join(work, name);
  await saveImages(store, items, fs.createWriteStream(file));
  return file;
}

const skopeo = (...args: string[]) => execFileSync('skopeo', ['--insecure-policy', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test.before(async () => {
  busybox = await ensureBusybox(store);
  app = await twoLayerImage(store, busybox, 'hello\n', ['app:v1', 'localhost:5000/app:v1']);
});

test('save writes manifest.json and an OCI layout over the same blobs', async () => {
  const file = await save([{ image: busybox, tags: ['busybox:latest'] }, { image: app, tags: ['app:v1', 'localhost:5000/app:v1'] }], 'two.tar');
  const entries = await readTar(file);
  const hex = (d: string) => `blobs/sha256/${d.slice(7)}`;
  const manifestJson = JSON.parse(entries.get('manifest.json')!.toString());
  assert.equal(manifestJson, [
    { Config: hex(busybox.id), RepoTags: ['busybox:latest'], Layers: store.layers(busybox).map((l) => hex(l.digest)) },
    { Config: hex(app.id), RepoTags: ['app:v1', 'localhost:5000/app:v1'], Layers: store.layers(app).map((l) => hex(l.digest)) },
  ]);
  assert.equal(JSON.parse(entries.get('oci-layout')!.toString()), { imageLayoutVersion: '1.0.0' });
  const index = JSON.parse(entries.get('index.json')!.toString()) as ImageIndex;
  assert.equal(index.manifests.map((m) => [m.digest, m.annotations]), [
    [busybox.manifestDigest, { 'io.containerd.image.name': 'docker.io/library/busybox:latest', 'org.opencontainers.image.ref.name': 'latest' }],
    [app.manifestDigest, { 'io.containerd.image.name': 'docker.io/library/app:v1', 'org.opencontainers.image.ref.name': 'v1' }],
    [app.manifestDigest, { 'io.containerd.image.name': 'localhost:5000/app:v1', 'org.opencontainers.image.ref.name': 'v1' }],
  ]);
  // Every blob once, named by its digest, with the stored bytes.
  const blobs = [...entries.keys()].filter((n) => /^blobs\/sha256\/[0-9a-f]{64}$/.test(n));
  assert.is(blobs.length, new Set([busybox.manifestDigest, busybox.id, app.manifestDigest, app.id, ...store.layers(app).map((l) => l.digest)]).size);
  for (const name of blobs) assert.is(sha256(entries.get(name)!), `sha256:${name.slice(13)}`);
  assert.ok(entries.get(hex(app.manifestDigest))!.equals(store.manifestBytes(app)));
});

test('load round trip: the same ids, manifests, layers and tags', async () => {
  const file = path.join(work, 'two.tar');
  const target = newStore();
  const loaded = await loadImages(target, fs.createReadStream(file));
  assert.equal(loaded.map((i) => [i.id, i.manifestDigest, i.tags]), [
    [busybox.id, busybox.manifestDigest, ['busybox:latest']],
    [app.id, app.manifestDigest, ['app:v1', 'localhost:5000/app:v1']],
  ]);
  assert.equal(target.layers(loaded[1]!), store.layers(app));
  assert.ok(target.manifestBytes(loaded[1]!).equals(store.manifestBytes(app)));
  assert.equal(fs.readdirSync(target.paths.tmp), []);
});

test('skopeo reads berth\'s save (inspect, copy to an OCI layout)', async () => {
  const file = await save([{ image: app, tags: ['app:v1'] }], 'app.tar');
  const inspect = JSON.parse(skopeo('inspect', `docker-archive:${file}`));
  assert.is(inspect.Architecture, store.imageConfig(app).architecture);
  assert.is(inspect.Created, '2024-02-02T00:00:00Z');
  assert.is(inspect.Layers.length, 2);
  assert.equal(inspect.Env, store.imageConfig(app).config?.Env ?? null);
  const config = JSON.parse(skopeo('inspect', '--config', `docker-archive:${file}`));
  assert.equal(config.rootfs.diff_ids, store.layers(app).map((l) => l.diffId));
  const oci = path.join(work, 'oci-from-berth');
  skopeo('copy', `docker-archive:${file}`, `oci:${oci}:app:v1`);
  const index = JSON.parse(fs.readFileSync(path.join(oci, 'index.json'), 'utf8')) as ImageIndex;
  assert.is(index.manifests[0]!.annotations?.['org.opencontainers.image.ref.name'], 'app:v1');
  // ... and that layout, tarred, loads back into berth with the same image id.
  const layoutTar = path.join(work, 'oci-from-berth.tar');
  execFileSync('tar', ['-C', oci, '-cf', layoutTar, '.']);
  const target = newStore();
  const [loaded] = await loadImages(target, fs.createReadStream(layoutTar));
  assert.is(loaded!.id, app.id);
  assert.equal(loaded!.tags, ['app:v1']);
});

test('load what skopeo wrote as a docker-archive (uncompressed layers kept as plain tar layers)', async () => {
  const oci = path.join(work, 'oci-busybox');
  skopeo('copy', `docker-archive:${await save([{ image: busybox, tags: ['busybox:latest'] }], 'busybox.tar')}`, `oci:${oci}:busybox:latest`);
  const file = path.join(work, 'from-skopeo.tar');
  skopeo('copy', `oci:${oci}:busybox:latest`, `docker-archive:${file}:mirror/busybox:1`);
  const target = newStore();
  const [loaded] = await loadImages(target, fs.createReadStream(file));
  // skopeo re-serializes the config on its way through (Go field order, no milliseconds): its own bytes name the image.
  const configName = [...(await readTar(file)).keys()].find((n) => /^[0-9a-f]{64}\.json$/.test(n))!;
  assert.is(loaded!.id, `sha256:${configName.slice(0, 64)}`);
  assert.equal(target.imageConfig(loaded!).config, store.imageConfig(busybox).config);
  assert.equal(loaded!.tags, ['mirror/busybox:1']);
  const [layer] = target.layers(loaded!);
  assert.is(layer!.diffId, store.layers(busybox)[0]!.diffId);
  assert.is(layer!.uncompressedSize, store.layers(busybox)[0]!.uncompressedSize);
  assert.is(loaded!.size, busybox.size);
});

test('Docker\'s older format: <id>/layer.tar, <id>.json, a symlinked duplicate layer', async () => {
  const layerTar = await makeTar([{ name: 'hello.txt', data: Buffer.from('old format\n') }]);
  const diffId = sha256(layerTar);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId, diffId] } }));
  const configName = `${sha256(config).slice(7)}.json`;
  const tarBytes = await makeTar([
    { name: 'aaaa/', type: 'directory' },
    { name: 'aaaa/layer.tar', data: layerTar },
    { name: 'bbbb/layer.tar', type: 'symlink', linkname: '../aaaa/layer.tar' },
    { name: configName, data: config },
    { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: configName, RepoTags: ['old:1'], Layers: ['aaaa/layer.tar', 'bbbb/layer.tar'] }])) },
    { name: 'repositories', data: Buffer.from('{"old":{"1":"bbbb"}}') },
  ]);
  const target = newStore();
  const [loaded] = await loadImages(target, Readable.from([tarBytes]));
  assert.is(loaded!.id, sha256(config));
  assert.equal(loaded!.tags, ['old:1']);
  const layers = target.layers(loaded!);
  assert.equal(layers.map((l) => [l.digest, l.diffId, l.mediaType, l.uncompressedSize]), [
    [diffId, diffId, MediaType.OciLayer, layerTar.length], [diffId, diffId, MediaType.OciLayer, layerTar.length],
  ]);
});

test('a gzip layer that does not unpack to its diff_id is refused, and nothing is stored', async () => {
  const layer = zlib.gzipSync(await makeTar([{ name: 'x', data: Buffer.from('x') }]));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256('other')] } }));
  const tarBytes = await makeTar([
    { name: `blobs/sha256/${sha256(layer).slice(7)}`, data: layer },
    { name: `blobs/sha256/${sha256(config).slice(7)}`, data: config },
    { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: `blobs/sha256/${sha256(config).slice(7)}`, RepoTags: ['bad:1'], Layers: [`blobs/sha256/${sha256(layer).slice(7)}`] }])) },
  ]);
  const target = newStore();
  await rejects(loadImages(target, Readable.from([tarBytes])), /unpacks to sha256:[0-9a-f]+, but the image config's diff_id is/);
  assert.equal(target.list(), []);
  assert.equal(target.blobs.list(), []);
});

test('a blob whose content is not its name is refused', async () => {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const liar = `blobs/sha256/${sha256('something else').slice(7)}`;
  const tarBytes = await makeTar([
    { name: liar, data: config },
    { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: liar, RepoTags: ['liar:1'], Layers: [] }])) },
  ]);
  const target = newStore();
  await rejects(loadImages(target, Readable.from([tarBytes])), /digest mismatch/);
  assert.equal(target.list(), []);
});

test('hostile archives: "..", absolute names and links out are refused; nothing escapes', async () => {
  const outside = path.join(work, 'escaped');
  const cases: Array<[Entry[], RegExp]> = [
    [[{ name: '../escaped', data: Buffer.from('x') }], /climbs out with "\.\."/],
    [[{ name: 'blobs/../../escaped', data: Buffer.from('x') }], /climbs out/],
    [[{ name: '/tmp/escaped', data: Buffer.from('x') }], /absolute path/],
    [[{ name: 'manifest.json', type: 'symlink', linkname: '../../../etc/passwd' }], /points outside it/],
    [[{ name: 'manifest.json', type: 'symlink', linkname: '/etc/passwd' }], /absolute path/],
  ];
  for (const [entries, pattern] of cases) {
    const target = newStore();
    await rejects(loadImages(target, Readable.from([await makeTar(entries)])), pattern, entries[0]!.name);
    assert.equal(target.list(), []);
    assert.equal(fs.existsSync(target.paths.tmp) ? fs.readdirSync(target.paths.tmp) : [], []);
  }
  assert.not.ok(fs.existsSync(outside));
  await rejects(loadImages(newStore(), Readable.from([await makeTar([{ name: 'hello', data: Buffer.from('hi') }])])), /neither manifest\.json .* nor index\.json/);
});

test.run();
