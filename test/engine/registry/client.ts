// The registry client against a real peer: Debian's docker-registry.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureBusybox } from '../../../src/engine/hub/busybox.js';
import { statePaths } from '../../../src/engine/paths.js';
import { sha256 } from '../../../src/engine/store/digest.js';
import { ImageStore, type Image } from '../../../src/engine/store/images.js';
import { MediaType, ociArchitecture, type ImageIndex } from '../../../src/engine/store/oci.js';
import { formatProgress, pullImage, pushImage, withDigest, type ProgressEvent, type RegistryTarget } from '../../../src/engine/registry/client/index.js';
import { berthRoot, rejects, tempDir } from '../../_helpers.js';
import { freePort, startDistribution, type Distribution } from './_distribution.js';
import { twoLayerImage } from '../store/_images.js';

const test = suite('registry/client');
const store = new ImageStore(statePaths(berthRoot()));
let registry: Distribution;
let busybox: Image;
let app: Image;

const target = (repository: string): RegistryTarget => ({ baseUrl: registry.baseUrl, repository, name: `localhost:${registry.port}/${repository}` });
const newStore = () => new ImageStore(statePaths(tempDir('store-')));
const recorder = () => {
  const events: ProgressEvent[] = [];
  return { events, onProgress: (e: ProgressEvent) => events.push(e), lines: () => events.map(formatProgress) };
};
const statuses = (events: ProgressEvent[], status: string) => events.filter((e) => e.type === 'layer' && e.status === status).map((e) => (e as { digest: string }).digest);

test.before(async () => {
  registry = await startDistribution();
  busybox = await ensureBusybox(store);
  // A two-layer image whose bottom layer is busybox's, so a store with busybox already has half of it.
  app = await twoLayerImage(store, busybox, 'hello from the second layer\n', ['app:v1']);
});

test.after(async () => {
  await registry?.stop();
});

test('push busybox: each layer uploaded, then the manifest, byte for byte', async () => {
  const rec = recorder();
  const result = await pushImage(store, busybox, target('busybox'), 'latest', { onProgress: rec.onProgress });
  assert.is(result.digest, busybox.manifestDigest);
  assert.is(result.size, store.manifestBytes(busybox).length);
  const layer = store.layers(busybox)[0]!.digest;
  assert.equal(statuses(rec.events, 'Pushed'), [layer]);
  const lines = rec.lines();
  assert.is(lines[0], `The push refers to repository [localhost:${registry.port}/busybox]`);
  assert.ok(lines.some((l) => /^[0-9a-f]{12}: Pushing \S+\/\S+$/.test(l)), lines.join('\n'));
  assert.is(lines.at(-1), `latest: digest: ${busybox.manifestDigest} size: ${result.size}`);
  // The registry serves exactly the stored bytes.
  const served = await fetch(`${registry.baseUrl}/v2/busybox/manifests/latest`, { headers: { Accept: MediaType.OciManifest } });
  assert.ok(Buffer.from(await served.arrayBuffer()).equals(store.manifestBytes(busybox)));
  assert.is(served.headers.get('content-type'), MediaType.OciManifest);
});

test('push again: "Layer already exists"; to a sibling repository: mounted, not uploaded', async () => {
  const again = recorder();
  await pushImage(store, busybox, target('busybox'), 'latest', { onProgress: again.onProgress });
  assert.equal(statuses(again.events, 'Layer already exists'), [store.layers(busybox)[0]!.digest]);
  assert.equal(statuses(again.events, 'Pushed'), []);

  const mirror = recorder();
  await pushImage(store, busybox, target('mirror/busybox'), '1', { onProgress: mirror.onProgress });
  assert.equal(statuses(mirror.events, 'Mounted from'), [store.layers(busybox)[0]!.digest]);
  assert.ok(mirror.lines().includes(`${store.layers(busybox)[0]!.digest.slice(7, 19)}: Mounted from busybox`), mirror.lines().join('\n'));
});

test('push a two-layer image: the shared bottom layer is mounted, the top one uploaded', async () => {
  const rec = recorder();
  const result = await pushImage(store, app, target('app'), 'v1', { onProgress: rec.onProgress });
  assert.is(result.digest, app.manifestDigest);
  const [bottom, top] = store.layers(app).map((l) => l.digest);
  assert.equal(statuses(rec.events, 'Pushed'), [top]);
  assert.is(statuses(rec.events, 'Mounted from')[0], bottom);
});

test('one transfer at a time: the layer queued behind the first says Waiting until its turn, as Docker\'s do', async () => {
  const [bottom, top] = store.layers(app).map((l) => l.digest);
  const pushed = recorder();
  await pushImage(store, app, target('queued'), 'v1', { onProgress: pushed.onProgress, concurrency: 1 });
  const order = (events: ProgressEvent[], digest: string) => events.filter((e) => e.type === 'layer' && e.digest === digest).map((e) => (e as { status: string }).status).filter((s, i, all) => s !== all[i - 1]);
  assert.ok(!order(pushed.events, top!).includes('Waiting'), 'the first layer (the top, mounted from app) did not wait');
  assert.equal(order(pushed.events, bottom!).slice(0, 2), ['Preparing', 'Waiting'], 'pushed top first: the bottom layer waits');
  const pulled = recorder();
  await pullImage(newStore(), target('queued'), 'v1', { onProgress: pulled.onProgress, concurrency: 1 });
  assert.equal(order(pulled.events, bottom!), ['Pulling fs layer', 'Downloading', 'Download complete']);
  assert.equal(order(pulled.events, top!), ['Pulling fs layer', 'Waiting', 'Downloading', 'Download complete']);
});

test('pull into a second store: the same image id, manifest and layers', async () => {
  const second = newStore();
  const rec = recorder();
  const name = `localhost:${registry.port}/busybox:latest`;
  const pulled = await pullImage(second, target('busybox'), 'latest', { localTag: name, onProgress: rec.onProgress });
  assert.is(pulled.id, busybox.id);
  assert.is(pulled.manifestDigest, busybox.manifestDigest);
  assert.ok(second.manifestBytes(pulled).equals(store.manifestBytes(busybox)));
  assert.equal(second.layers(pulled), store.layers(busybox));
  assert.equal(pulled.tags, [name]);
  assert.equal(pulled.digests, [`localhost:${registry.port}/busybox@${busybox.manifestDigest}`]);
  const lines = rec.lines();
  const short = store.layers(busybox)[0]!.digest.slice(7, 19);
  assert.is(lines[0], 'latest: Pulling from busybox');
  assert.ok(lines.includes(`${short}: Pulling fs layer`), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith(`${short}: Downloading `)), lines.join('\n'));
  assert.ok(lines.includes(`${short}: Download complete`), lines.join('\n'));
  assert.equal(lines.slice(-2), [`Digest: ${busybox.manifestDigest}`, `Status: Downloaded newer image for ${name}`]);

  // Pull again: nothing downloaded, up to date.
  const again = recorder();
  await pullImage(second, target('busybox'), 'latest', { localTag: name, onProgress: again.onProgress });
  assert.equal(again.lines().slice(1), [`${short}: Already exists`, `Digest: ${busybox.manifestDigest}`, `Status: Image is up to date for ${name}`]);

  // The two-layer image: the busybox layer is already there, only the top one comes.
  const appRec = recorder();
  const appPulled = await pullImage(second, target('app'), 'v1', { localTag: `localhost:${registry.port}/app:v1`, onProgress: appRec.onProgress });
  assert.is(appPulled.id, app.id);
  assert.is(appPulled.manifestDigest, app.manifestDigest);
  assert.ok(second.manifestBytes(appPulled).equals(store.manifestBytes(app)));
  assert.equal(second.layers(appPulled), store.layers(app));
  assert.is(appPulled.size, app.size);
  const [bottom, top] = store.layers(app).map((l) => l.digest);
  assert.equal(statuses(appRec.events, 'Already exists'), [bottom]);
  assert.equal(statuses(appRec.events, 'Download complete'), [top]);
});

test('pull by digest: the manifest must have that digest; the image is named name@digest', async () => {
  const third = newStore();
  const pulled = await pullImage(third, target('app'), app.manifestDigest);
  assert.is(pulled.id, app.id);
  assert.equal(pulled.tags, []);
  assert.equal(pulled.digests, [`localhost:${registry.port}/app@${app.manifestDigest}`]);
  assert.is(third.resolve(`localhost:${registry.port}/app@${app.manifestDigest}`).id, app.id);
  await rejects(pullImage(third, target('app'), sha256('no such manifest')), /manifest for localhost:\d+\/app@sha256:[0-9a-f]{64} not found: manifest unknown/);
});

test('an index with two platforms: the host\'s entry is pulled, the index digest reported', async () => {
  await pushImage(store, app, target('multi'), 'host');
  await pushImage(store, busybox, target('multi'), 'other');
  const entry = (image: Image, architecture: string) => ({
    mediaType: MediaType.OciManifest, digest: image.manifestDigest, size: store.manifestBytes(image).length, platform: { os: 'linux', architecture },
  });
  const other = ociArchitecture() === 's390x' ? 'riscv64' : 's390x';
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [entry(busybox, other), entry(app, ociArchitecture())] };
  const bytes = Buffer.from(JSON.stringify(index));
  const put = await fetch(`${registry.baseUrl}/v2/multi/manifests/latest`, { method: 'PUT', headers: { 'Content-Type': MediaType.OciIndex }, body: bytes });
  assert.is(put.status, 201, await put.text());

  const fourth = newStore();
  const rec = recorder();
  const pulled = await pullImage(fourth, target('multi'), 'latest', { localTag: 'multi:latest', onProgress: rec.onProgress });
  assert.is(pulled.id, app.id);
  assert.is(pulled.manifestDigest, app.manifestDigest);
  assert.equal(pulled.digests, [`multi@${sha256(bytes)}`]);
  assert.ok(rec.lines().includes(`Digest: ${sha256(bytes)}`));

  const otherPulled = await pullImage(fourth, target('multi'), 'latest', { localTag: 'multi:other', platform: { os: 'linux', architecture: other } });
  assert.is(otherPulled.id, busybox.id);
  await rejects(pullImage(fourth, target('multi'), 'latest', { platform: { os: 'linux', architecture: 'mips64le' } }),
    /no matching manifest for linux\/mips64le in the manifest list entries/);
});

test('errors in the registry\'s words: unknown tag, unknown repository, nothing listening', async () => {
  const fifth = newStore();
  const error = await rejects(pullImage(fifth, target('app'), 'v9'), /^manifest for localhost:\d+\/app:v9 not found: manifest unknown$/);
  assert.is((error as { kind?: string }).kind, 'not-found');
  await rejects(pullImage(fifth, target('nope'), 'latest'), /^manifest for localhost:\d+\/nope:latest not found: /);
  const port = await freePort();
  await rejects(pullImage(fifth, { baseUrl: `http://127.0.0.1:${port}`, repository: 'app' }, 'v1'),
    new RegExp(`cannot reach the registry at http://127\\.0\\.0\\.1:${port} .*connection refused`));
  await rejects(pushImage(store, busybox, { baseUrl: `http://127.0.0.1:${port}`, repository: 'app' }, 'v1'), /connection refused/);
  assert.equal(fifth.list(), []);
});

test('withDigest appends to any Location', () => {
  const d = sha256('x');
  const e = encodeURIComponent(d);
  assert.is(withDigest('http://r/v2/a/blobs/uploads/u1', d), `http://r/v2/a/blobs/uploads/u1?digest=${e}`);
  assert.is(withDigest('http://r/v2/a/blobs/uploads/u1?_state=abc%3D', d), `http://r/v2/a/blobs/uploads/u1?_state=abc%3D&digest=${e}`);
  assert.is(withDigest('/v2/a/blobs/uploads/u1?', d), `/v2/a/blobs/uploads/u1?digest=${e}`);
});

test.run();
