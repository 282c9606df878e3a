// Blob uploads and blob reads over real HTTP: monolithic, POST-then-PUT,
// chunked (with an out-of-order 416, status and cancel), streamed as docker
// pushes, digest mismatch, a request cut off half way, cross-repository mount.
import http from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '../../../../src/engine/store/digest.js';
import { eventually } from '../../../_helpers.js';
import { errorCode, pushBlob, serveRegistry, type TestRegistry } from '../_registry.js';

const test = suite<{ registry: TestRegistry }>('registry server: uploads and blobs', {} as { registry: TestRegistry });
test.before(async (context) => {
  context.registry = await serveRegistry();
});
test.after(async ({ registry }) => {
  await registry.close();
});

const leftUploads = async (registry: TestRegistry) => (await registry.storage.listUploads()).length;

test('GET /v2/ answers 200 {} with the API version header', async ({ registry }) => {
  const response = await fetch(`${registry.url}/v2/`);
  assert.is(response.status, 200);
  assert.is(response.headers.get('docker-distribution-api-version'), 'registry/2.0');
  assert.equal(await response.json(), {});
});

test('monolithic POST ?digest= stores the blob: 201, then HEAD and GET', async ({ registry }) => {
  const data = Buffer.from('monolithic blob');
  const digest = sha256(data);
  const post = await fetch(`${registry.url}/v2/lab/img/blobs/uploads/?digest=${digest}`, { method: 'POST', body: data });
  assert.is(post.status, 201);
  assert.is(post.headers.get('location'), `/v2/lab/img/blobs/${digest}`);
  assert.is(post.headers.get('docker-content-digest'), digest);
  const head = await fetch(`${registry.url}/v2/lab/img/blobs/${digest}`, { method: 'HEAD' });
  assert.is(head.status, 200);
  assert.is(head.headers.get('content-length'), String(data.length));
  assert.is(head.headers.get('docker-content-digest'), digest);
  assert.is(head.headers.get('docker-distribution-api-version'), 'registry/2.0');
  const get = await fetch(`${registry.url}/v2/lab/img/blobs/${digest}`);
  assert.is(get.status, 200);
  assert.is(await get.text(), 'monolithic blob');
  assert.is(await leftUploads(registry), 0);
});

test('GET with Range answers 206 with the slice; an unsatisfiable range is 416 RANGE_INVALID', async ({ registry }) => {
  const digest = await pushBlob(registry.url, 'lab/img', '0123456789');
  const part = await fetch(`${registry.url}/v2/lab/img/blobs/${digest}`, { headers: { Range: 'bytes=2-5' } });
  assert.is(part.status, 206);
  assert.is(part.headers.get('content-range'), 'bytes 2-5/10');
  assert.is(await part.text(), '2345');
  const tail = await fetch(`${registry.url}/v2/lab/img/blobs/${digest}`, { headers: { Range: 'bytes=-3' } });
  assert.is(await tail.text(), '789');
  const bad = await fetch(`${registry.url}/v2/lab/img/blobs/${digest}`, { headers: { Range: 'bytes=20-30' } });
  assert.is(bad.status, 416);
  assert.is(await errorCode(bad), 'RANGE_INVALID');
  assert.is(bad.headers.get('content-range'), 'bytes */10');
});

test('unknown blobs are BLOB_UNKNOWN (404), malformed digests DIGEST_INVALID (400)', async ({ registry }) => {
  const missing = await fetch(`${registry.url}/v2/lab/img/blobs/${sha256('nothing')}`);
  assert.is(missing.status, 404);
  assert.is(await errorCode(missing), 'BLOB_UNKNOWN');
  const head = await fetch(`${registry.url}/v2/lab/img/blobs/${sha256('nothing')}`, { method: 'HEAD' });
  assert.is(head.status, 404);
  const bad = await fetch(`${registry.url}/v2/lab/img/blobs/sha256:xyz`);
  assert.is(bad.status, 400);
  assert.is(await errorCode(bad), 'DIGEST_INVALID');
});

test('POST then PUT with the whole body: 202 with Location, UUID and Range 0-0, then 201', async ({ registry }) => {
  const data = Buffer.from('post then put');
  const post = await fetch(`${registry.url}/v2/lab/img/blobs/uploads/`, { method: 'POST' });
  assert.is(post.status, 202);
  const location = post.headers.get('location')!;
  assert.match(location, /^\/v2\/lab\/img\/blobs\/uploads\/[0-9a-f-]{36}$/);
  assert.is(post.headers.get('docker-upload-uuid'), location.split('/').pop());
  assert.is(post.headers.get('range'), '0-0');
  const put = await fetch(`${registry.url}${location}?digest=${sha256(data)}`, { method: 'PUT', body: data, headers: { 'Content-Type': 'application/octet-stream' } });
  assert.is(put.status, 201);
  assert.is(put.headers.get('docker-content-digest'), sha256(data));
  assert.is(await (await fetch(`${registry.url}/v2/lab/img/blobs/${sha256(data)}`)).text(), 'post then put');
  assert.is(await leftUploads(registry), 0);
});

test('chunked: PATCH with Content-Range, an out-of-order chunk is 416, GET shows the status, PUT finishes', async ({ registry }) => {
  const data = Buffer.from('0123456789abcdefghij');
  const location = (await fetch(`${registry.url}/v2/lab/img/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
  const first = await fetch(`${registry.url}${location}`, { method: 'PATCH', body: data.subarray(0, 10), headers: { 'Content-Range': '0-9', 'Content-Type': 'application/octet-stream' } });
  assert.is(first.status, 202);
  assert.is(first.headers.get('range'), '0-9');
  assert.is(first.headers.get('location'), location);
  const skipped = await fetch(`${registry.url}${location}`, { method: 'PATCH', body: data.subarray(15), headers: { 'Content-Range': '15-19' } });
  assert.is(skipped.status, 416);
  assert.is(await errorCode(skipped), 'RANGE_INVALID');
  assert.is(skipped.headers.get('range'), '0-9');
  const status = await fetch(`${registry.url}${location}`);
  assert.is(status.status, 204);
  assert.is(status.headers.get('range'), '0-9');
  assert.is(status.headers.get('location'), location);
  const second = await fetch(`${registry.url}${location}`, { method: 'PATCH', body: data.subarray(10, 15), headers: { 'Content-Range': '10-14' } });
  assert.is(second.headers.get('range'), '0-14');
  const put = await fetch(`${registry.url}${location}?digest=${sha256(data)}`, { method: 'PUT', body: data.subarray(15), headers: { 'Content-Range': '15-19' } });
  assert.is(put.status, 201);
  assert.is(await (await fetch(`${registry.url}/v2/lab/img/blobs/${sha256(data)}`)).text(), data.toString());
});

test('streamed: one PATCH without Content-Range appends the whole body (as docker pushes), location may carry a query', async ({ registry }) => {
  const data = Buffer.alloc(3 * 1024 * 1024 + 17, 'q');
  const location = (await fetch(`${registry.url}/v2/lab/img/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
  const patch = await fetch(`${registry.url}${location}?_state=client-kept`, { method: 'PATCH', body: data, headers: { 'Content-Type': 'application/octet-stream' } });
  assert.is(patch.status, 202);
  assert.is(patch.headers.get('range'), `0-${data.length - 1}`);
  const put = await fetch(`${registry.url}${patch.headers.get('location')}?_state=client-kept&digest=${sha256(data)}`, { method: 'PUT' });
  assert.is(put.status, 201);
  const head = await fetch(`${registry.url}/v2/lab/img/blobs/${sha256(data)}`, { method: 'HEAD' });
  assert.is(head.headers.get('content-length'), String(data.length));
});

test('a digest that does not match is DIGEST_INVALID and nothing is stored (monolithic and PUT)', async ({ registry }) => {
  const claimed = sha256('what the client claims');
  const mono = await fetch(`${registry.url}/v2/lab/img/blobs/uploads/?digest=${claimed}`, { method: 'POST', body: 'other bytes' });
  assert.is(mono.status, 400);
  assert.is(await errorCode(mono), 'DIGEST_INVALID');
  const location = (await fetch(`${registry.url}/v2/lab/img/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
  await fetch(`${registry.url}${location}`, { method: 'PATCH', body: 'other bytes' });
  const put = await fetch(`${registry.url}${location}?digest=${claimed}`, { method: 'PUT' });
  assert.is(put.status, 400);
  assert.is(await errorCode(put), 'DIGEST_INVALID');
  for (const digest of [claimed, sha256('other bytes')]) {
    assert.is((await fetch(`${registry.url}/v2/lab/img/blobs/${digest}`, { method: 'HEAD' })).status, 404);
  }
  const missing = await fetch(`${registry.url}/v2/lab/img/blobs/uploads/`, { method: 'POST' });
  const noDigest = await fetch(`${registry.url}${missing.headers.get('location')}`, { method: 'PUT' });
  assert.is(noDigest.status, 400);
  assert.is(await errorCode(noDigest), 'DIGEST_INVALID');
  await fetch(`${registry.url}${missing.headers.get('location')}`, { method: 'DELETE' });
  assert.is(await leftUploads(registry), 0);
});

test('DELETE on an upload cancels it: 204, then BLOB_UPLOAD_UNKNOWN', async ({ registry }) => {
  const location = (await fetch(`${registry.url}/v2/lab/img/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
  await fetch(`${registry.url}${location}`, { method: 'PATCH', body: 'doomed' });
  const cancel = await fetch(`${registry.url}${location}`, { method: 'DELETE' });
  assert.is(cancel.status, 204);
  const status = await fetch(`${registry.url}${location}`);
  assert.is(status.status, 404);
  assert.is(await errorCode(status), 'BLOB_UPLOAD_UNKNOWN');
  const patch = await fetch(`${registry.url}${location}`, { method: 'PATCH', body: 'more' });
  assert.is(await errorCode(patch), 'BLOB_UPLOAD_UNKNOWN');
  const other = await fetch(`${registry.url}/v2/lab/img/blobs/uploads/00000000-0000-4000-8000-000000000000`);
  assert.is(await errorCode(other), 'BLOB_UPLOAD_UNKNOWN');
});

/** Sends the first `sent` bytes of a PATCH that announced `total`, then drops the connection. */
async function cutOffPatch(registry: TestRegistry, location: string, data: Buffer, sent: number): Promise<void> {
  const req = http.request(`${registry.url}${location}`, { method: 'PATCH', agent: false, headers: { 'Content-Length': data.length, 'Content-Type': 'application/octet-stream' } });
  req.on('error', () => undefined);
  req.write(data.subarray(0, sent));
  const id = location.split('/').pop()!;
  await eventually(async () => (await registry.storage.statUpload('lab/img', id)).size === sent, 5000, 'the first half to arrive');
  req.destroy();
  await eventually(() => registry.logs.some((l) => l.startsWith(`PATCH ${location} aborted`)), 5000, 'the server to see the abort');
}

test('an upload cut off half way: nothing visible; GET tells where it stands; PATCH the rest resumes it', async ({ registry }) => {
  const data = Buffer.alloc(200_000);
  for (let i = 0; i < data.length; i++) data[i] = i % 251;
  const location = (await fetch(`${registry.url}/v2/lab/img/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
  await cutOffPatch(registry, location, data, 80_000);
  assert.is((await fetch(`${registry.url}/v2/lab/img/blobs/${sha256(data)}`, { method: 'HEAD' })).status, 404);
  const status = await fetch(`${registry.url}${location}`);
  assert.is(status.headers.get('range'), '0-79999');
  const rest = await fetch(`${registry.url}${location}`, { method: 'PATCH', body: data.subarray(80_000), headers: { 'Content-Range': `80000-${data.length - 1}` } });
  assert.is(rest.status, 202);
  assert.is((await fetch(`${registry.url}${location}?digest=${sha256(data)}`, { method: 'PUT' })).status, 201);
  const back = Buffer.from(await (await fetch(`${registry.url}/v2/lab/img/blobs/${sha256(data)}`)).arrayBuffer());
  assert.ok(back.equals(data));
});

test('an upload cut off half way can be cancelled instead', async ({ registry }) => {
  const data = Buffer.alloc(100_000, 'c');
  const location = (await fetch(`${registry.url}/v2/lab/img/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
  await cutOffPatch(registry, location, data, 30_000);
  assert.is((await fetch(`${registry.url}${location}`, { method: 'DELETE' })).status, 204);
  assert.is(await leftUploads(registry), 0);
  assert.is((await fetch(`${registry.url}/v2/lab/img/blobs/${sha256(data)}`, { method: 'HEAD' })).status, 404);
});

test('mount from another repository: 201 when it holds the blob, else a new upload (202)', async ({ registry }) => {
  const digest = await pushBlob(registry.url, 'lab/base', 'a shared layer');
  const mounted = await fetch(`${registry.url}/v2/lab/app/blobs/uploads/?mount=${digest}&from=lab/base`, { method: 'POST' });
  assert.is(mounted.status, 201);
  assert.is(mounted.headers.get('location'), `/v2/lab/app/blobs/${digest}`);
  assert.is(mounted.headers.get('docker-content-digest'), digest);
  assert.is(await (await fetch(`${registry.url}/v2/lab/app/blobs/${digest}`)).text(), 'a shared layer');
  const fallback = await fetch(`${registry.url}/v2/lab/other/blobs/uploads/?mount=${digest}&from=lab/nowhere`, { method: 'POST' });
  assert.is(fallback.status, 202);
  assert.ok(fallback.headers.get('location'));
  await fetch(`${registry.url}${fallback.headers.get('location')}`, { method: 'DELETE' });
});

test('DELETE a blob: 202, then it is unknown in that repository only', async ({ registry }) => {
  const digest = await pushBlob(registry.url, 'lab/del', 'to delete');
  await fetch(`${registry.url}/v2/lab/keep/blobs/uploads/?mount=${digest}&from=lab/del`, { method: 'POST' });
  const deleted = await fetch(`${registry.url}/v2/lab/del/blobs/${digest}`, { method: 'DELETE' });
  assert.is(deleted.status, 202);
  assert.is((await fetch(`${registry.url}/v2/lab/del/blobs/${digest}`, { method: 'HEAD' })).status, 404);
  assert.is((await fetch(`${registry.url}/v2/lab/keep/blobs/${digest}`, { method: 'HEAD' })).status, 200);
  const again = await fetch(`${registry.url}/v2/lab/del/blobs/${digest}`, { method: 'DELETE' });
  assert.is(await errorCode(again), 'BLOB_UNKNOWN');
});

test('every request is logged: method, path, status, bytes, time', async ({ registry }) => {
  await fetch(`${registry.url}/v2/`);
  await eventually(() => registry.logs.some((l) => /^GET \/v2\/ 200 in=0 out=2 \d+ms$/.test(l)), 2000, 'the log line');
  assert.ok(registry.logs.some((l) => /^PATCH \/v2\/lab\/img\/blobs\/uploads\/\S+ 202 in=\d+ out=0 \d+ms$/.test(l)));
  assert.is(await leftUploads(registry), 0);
});

test.run();
