// A registry that lies, and a pull that dies: a blob with the wrong content,
// a layer that unpacks to the wrong diff_id and a manifest whose claimed
// digest is wrong are refused with nothing stored; a pull killed (-9) in the
// middle of a layer leaves no image, and the next pull completes.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { statePaths } from '../../../src/engine/paths.js';
import { sha256 } from '../../../src/engine/store/digest.js';
import { ImageStore } from '../../../src/engine/store/images.js';
import { MediaType } from '../../../src/engine/store/oci.js';
import { sweepTmp } from '../../../src/engine/tmp-sweep.js';
import { pullImage, type ProgressEvent, type RegistryTarget } from '../../../src/engine/registry/client/index.js';
import { rejects, tempDir } from '../../_helpers.js';

const test = suite('registry/client-hostile');

type Mode = 'honest' | 'wrong-blob' | 'wrong-diff' | 'wrong-header' | 'stall';
interface FakeImage { manifest: Buffer; config: Buffer; layer: Buffer; layerDigest: string }
let mode: Mode = 'honest';
let image: FakeImage;
let baseUrl = '';
let server: http.Server;
const target = (): RegistryTarget => ({ baseUrl, repository: 'evil' });

/** A one-layer image whose layer is `size` random (incompressible) bytes in one file. */
async function makeImage(size: number, diffIdOverride?: string): Promise<FakeImage> {
  const pack = tar.pack();
  pack.entry({ name: 'data.bin', size, mode: 0o644, mtime: new Date(0) }, crypto.randomBytes(size));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as unknown as Readable) chunks.push(Buffer.from(chunk as Uint8Array));
  const tarBytes = Buffer.concat(chunks);
  const layer = zlib.gzipSync(tarBytes);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffIdOverride ?? sha256(tarBytes)] } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MediaType.DockerManifest,
    config: { mediaType: MediaType.DockerConfig, digest: sha256(config), size: config.length },
    layers: [{ mediaType: MediaType.DockerLayerGzip, digest: sha256(layer), size: layer.length }],
  }));
  return { manifest, config, layer, layerDigest: sha256(layer) };
}

test.before(async () => {
  server = http.createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    if (path === '/v2/') { res.writeHead(200); return res.end('{}'); }
    if (/^\/v2\/evil\/manifests\//.test(path)) {
      const claimed = mode === 'wrong-header' ? sha256('something else') : sha256(image.manifest);
      res.writeHead(200, { 'Content-Type': MediaType.DockerManifest, 'Docker-Content-Digest': claimed });
      return res.end(req.method === 'HEAD' ? undefined : image.manifest);
    }
    const blob = /^\/v2\/evil\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path)?.[1];
    if (blob === sha256(image.config)) { res.writeHead(200); return res.end(image.config); }
    if (blob === image.layerDigest) {
      res.writeHead(200, { 'Content-Length': String(image.layer.length), 'Content-Type': 'application/octet-stream' });
      if (mode === 'wrong-blob') {
        const wrong = Buffer.from(image.layer);
        wrong[wrong.length - 100] ^= 0xff;
        return res.end(wrong);
      }
      if (mode === 'stall') {
        res.write(image.layer.subarray(0, 512 * 1024));
        return; // and never more: the test kills the puller meanwhile
      }
      return res.end(image.layer);
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const partials = (store: ImageStore) => (fs.existsSync(store.paths.tmp) ? fs.readdirSync(store.paths.tmp) : []);

test('a blob served with the wrong content: digest mismatch, and the layer is not stored', async () => {
  image = await makeImage(200_000);
  mode = 'wrong-blob';
  const store = new ImageStore(statePaths(tempDir('hostile-')));
  await rejects(pullImage(store, target(), 'latest'), /digest mismatch/);
  assert.not.ok(store.blobs.has(image.layerDigest));
  assert.equal(store.list(), []);
  assert.equal(partials(store), []);
});

test('a layer that unpacks to something else than the config\'s diff_id is refused', async () => {
  image = await makeImage(50_000, sha256('not this layer'));
  mode = 'honest';
  const store = new ImageStore(statePaths(tempDir('hostile-')));
  await rejects(pullImage(store, target(), 'latest'), /does not match the image config's diff_id/);
  assert.not.ok(store.blobs.has(image.layerDigest));
  assert.equal(store.list(), []);
  assert.equal(partials(store), []);
});

test('a manifest whose Docker-Content-Digest is not its digest is refused before anything is fetched', async () => {
  image = await makeImage(10_000);
  mode = 'wrong-header';
  const store = new ImageStore(statePaths(tempDir('hostile-')));
  await rejects(pullImage(store, target(), 'latest'), /manifest verification failed .*the registry says its digest is/);
  assert.equal(store.blobs.list(), []);
  mode = 'honest';
  await rejects(pullImage(store, target(), sha256('another manifest')), /manifest verification failed for 127\.0\.0\.1:\d+\/evil@sha256:/);
});

test('kill -9 in the middle of a layer: no image, no blob; the next pull completes', async () => {
  image = await makeImage(3 * 1024 * 1024);
  mode = 'stall';
  const root = tempDir('killed-');
  const store = new ImageStore(statePaths(root));
  const child = spawn(process.execPath, [new URL('./_pull-child.js', import.meta.url).pathname, root, baseUrl, 'evil', 'latest', 'evil:latest'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const midLayer = await new Promise<ProgressEvent>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`no Downloading event: ${stderr}`)), 10_000);
    child.stdout.on('data', (d) => {
      buffered += d;
      for (const line of buffered.split('\n').slice(0, -1)) {
        const event = JSON.parse(line) as ProgressEvent | string;
        if (typeof event === 'object' && event.type === 'layer' && event.status === 'Downloading' && (event.current ?? 0) > 0) {
          clearTimeout(timer);
          resolve(event);
        }
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    });
  });
  assert.ok((midLayer as { current: number }).current < image.layer.length);
  child.kill('SIGKILL');
  await exited;

  assert.equal(store.list(), []);
  assert.not.ok(store.blobs.has(image.layerDigest));
  assert.not.ok(fs.existsSync(store.paths.references) && Object.keys(JSON.parse(fs.readFileSync(store.paths.references, 'utf8'))).length > 0);
  // What the writer left: one temp file named for its dead process, which reconcile sweeps.
  const left = partials(store);
  assert.is(left.length, 1, left.join(', '));
  assert.match(left[0]!, new RegExp(`^blob-${child.pid}-`));
  assert.equal(sweepTmp(store.paths.tmp), left);

  mode = 'honest';
  const pulled = await pullImage(store, target(), 'latest', { localTag: 'evil:latest' });
  assert.is(pulled.id, sha256(image.config));
  assert.equal(store.list().map((i) => i.tags), [['evil:latest']]);
  assert.ok(store.blobs.has(image.layerDigest));
  assert.equal(partials(store), []);
});

test.run();
