// sha512 content beside sha256 (the OCI image spec registers both; the
// conformance suite pushes both), tag parameters on a push by digest, and a
// malformed digest as a reference: over real HTTP, filesystem storage.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MediaType } from '../../../../src/engine/store/oci.js';
import { FilesystemStorage } from '../../../../src/engine/registry/storage/filesystem.js';
import { errorCode, imageManifest, serveRegistry, type TestRegistry } from '../_registry.js';

const test = suite<{ registry: TestRegistry }>('registry server: sha512 digests and tag parameters', {} as { registry: TestRegistry });
test.before(async (context) => {
  context.registry = await serveRegistry();
});
test.after(async ({ registry }) => {
  await registry.close();
});

const sha512 = (data: Buffer | string) => `sha512:${crypto.createHash('sha512').update(data).digest('hex')}`;
const sha256 = (data: Buffer | string) => `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;
const putManifest = (url: string, name: string, reference: string, body: Buffer) =>
  fetch(`${url}/v2/${name}/manifests/${reference}`, { method: 'PUT', body: new Uint8Array(body), headers: { 'Content-Type': MediaType.OciManifest } });

/** A chunked upload (POST, PATCH, PUT ?digest=) of `data` as `digest`. */
async function chunkedUpload(url: string, name: string, data: Buffer, digest: string): Promise<Response> {
  const start = await fetch(`${url}/v2/${name}/blobs/uploads/`, { method: 'POST' });
  assert.is(start.status, 202);
  const patch = await fetch(`${url}${start.headers.get('location')}`, { method: 'PATCH', body: new Uint8Array(data), headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `0-${data.length - 1}` } });
  assert.is(patch.status, 202);
  return fetch(`${url}${patch.headers.get('location')}?digest=${digest}`, { method: 'PUT' });
}

test('a sha512 blob is pushed, verified, read back and kept under blobs/sha512', async ({ registry }) => {
  const data = Buffer.from('a layer addressed by sha512\n');
  const digest = sha512(data);
  const put = await chunkedUpload(registry.url, 'lab/sha512', data, digest);
  assert.is(put.status, 201);
  assert.is(put.headers.get('docker-content-digest'), digest);
  assert.is(put.headers.get('location'), `/v2/lab/sha512/blobs/${digest}`);
  const get = await fetch(`${registry.url}/v2/lab/sha512/blobs/${digest}`);
  assert.is(get.status, 200);
  assert.is(get.headers.get('docker-content-digest'), digest);
  assert.ok(Buffer.from(await get.arrayBuffer()).equals(data));
  const hex = digest.slice('sha512:'.length);
  // On disk the layout is visible; on another backend (the S3 run of this file) the GET above is the check.
  if (registry.storage instanceof FilesystemStorage) {
    assert.ok(fs.existsSync(path.join(registry.storage.root, 'blobs', 'sha512', hex.slice(0, 2), hex)), 'the bytes under blobs/sha512/<hex[0:2]>/<hex>');
  }
  // The same bytes under another algorithm are another blob; a wrong sha512 is refused.
  assert.is((await fetch(`${registry.url}/v2/lab/sha512/blobs/${sha256(data)}`, { method: 'HEAD' })).status, 404);
  const wrong = await chunkedUpload(registry.url, 'lab/sha512', data, sha512('something else'));
  assert.is(wrong.status, 400);
  assert.is(await errorCode(wrong), 'DIGEST_INVALID');
});

test('a manifest pushed by a sha512 digest is stored and served under it; by tag it gets sha256', async ({ registry }) => {
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const layer = Buffer.from('sha512 layer bytes');
  for (const [data, digest] of [[config, sha512(config)], [layer, sha512(layer)]] as const) {
    const response = await fetch(`${registry.url}/v2/lab/sha512m/blobs/uploads/?digest=${digest}`, { method: 'POST', body: new Uint8Array(data), headers: { 'Content-Type': 'application/octet-stream' } });
    assert.is(response.status, 201);
  }
  const manifest = imageManifest({ digest: sha512(config), size: config.length }, [{ digest: sha512(layer), size: layer.length }]);
  const byDigest = await putManifest(registry.url, 'lab/sha512m', sha512(manifest), manifest);
  assert.is(byDigest.status, 201);
  assert.is(byDigest.headers.get('docker-content-digest'), sha512(manifest));
  const get = await fetch(`${registry.url}/v2/lab/sha512m/manifests/${sha512(manifest)}`);
  assert.is(get.status, 200);
  assert.ok(Buffer.from(await get.arrayBuffer()).equals(manifest));
  const byTag = await putManifest(registry.url, 'lab/sha512m', 'v1', manifest);
  assert.is(byTag.headers.get('docker-content-digest'), sha256(manifest));
  const catalog = (await (await fetch(`${registry.url}/v2/_catalog`)).json()) as { repositories: string[] };
  assert.ok(catalog.repositories.includes('lab/sha512m'));
});

test('?tag= on a push by digest applies every tag and answers one OCI-Tag each; a bad tag applies none', async ({ registry }) => {
  const config = Buffer.from('{}');
  const upload = await fetch(`${registry.url}/v2/lab/tagged/blobs/uploads/?digest=${sha256(config)}`, { method: 'POST', body: new Uint8Array(config) });
  assert.is(upload.status, 201);
  const manifest = imageManifest({ digest: sha256(config), size: config.length }, []);
  const refused = await putManifest(registry.url, 'lab/tagged', `${sha256(manifest)}?tag=ok&tag=-bad`, manifest);
  assert.is(refused.status, 400);
  assert.is(await errorCode(refused), 'TAG_INVALID');
  assert.is((await fetch(`${registry.url}/v2/lab/tagged/manifests/ok`, { method: 'HEAD' })).status, 404, 'no tag of a refused push is applied');
  const put = await putManifest(registry.url, 'lab/tagged', `${sha256(manifest)}?tag=one&tag=two`, manifest);
  assert.is(put.status, 201);
  assert.is(put.headers.get('oci-tag'), 'one, two');
  const tags = (await (await fetch(`${registry.url}/v2/lab/tagged/tags/list`)).json()) as { tags: string[] };
  assert.equal(tags.tags, ['one', 'two']);
});

test('a malformed digest as the reference of a PUT is DIGEST_INVALID, answered after the body', async ({ registry }) => {
  const response = await putManifest(registry.url, 'lab/bad', 'sha256:baddigeststring', Buffer.from('{"schemaVersion":2}'));
  assert.is(response.status, 400);
  assert.is(await errorCode(response), 'DIGEST_INVALID');
  assert.is(response.headers.get('connection'), 'keep-alive', 'the body was read: the connection stays usable');
});

test.run();
