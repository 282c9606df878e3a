// Manifests, tags, referrers, catalog and repository names over real HTTP.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '../../../../src/engine/store/digest.js';
import { MediaType } from '../../../../src/engine/store/oci.js';
import { errorCode, imageManifest, pushBlob, pushImage, raw, serveRegistry, type TestRegistry } from '../_registry.js';

const test = suite<{ registry: TestRegistry }>('registry server: manifests, tags, referrers, catalog', {} as { registry: TestRegistry });
test.before(async (context) => {
  context.registry = await serveRegistry();
});
test.after(async ({ registry }) => {
  await registry.close();
});

const put = (url: string, path: string, body: Buffer | string, type: string = MediaType.OciManifest) =>
  fetch(`${url}${path}`, { method: 'PUT', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'Content-Type': type } });

test('PUT by tag: 201 with Location and Docker-Content-Digest; GET and HEAD by tag and by digest give the exact bytes', async ({ registry }) => {
  const { digest, manifest } = await pushImage(registry.url, 'lab/img', 'v1');
  for (const ref of ['v1', digest]) {
    const get = await fetch(`${registry.url}/v2/lab/img/manifests/${ref}`, { headers: { Accept: MediaType.OciManifest } });
    assert.is(get.status, 200);
    assert.is(get.headers.get('content-type'), MediaType.OciManifest);
    assert.is(get.headers.get('docker-content-digest'), digest);
    assert.ok(Buffer.from(await get.arrayBuffer()).equals(manifest));
    const head = await fetch(`${registry.url}/v2/lab/img/manifests/${ref}`, { method: 'HEAD' });
    assert.is(head.status, 200);
    assert.is(head.headers.get('content-length'), String(manifest.length));
    assert.is(head.headers.get('docker-content-digest'), digest);
  }
  // Accept is honoured loosely: the stored type comes back whatever was asked.
  const docker = await fetch(`${registry.url}/v2/lab/img/manifests/v1`, { headers: { Accept: MediaType.DockerManifest } });
  assert.is(docker.headers.get('content-type'), MediaType.OciManifest);
});

test('the exact bytes are kept (whitespace and key order), and a Docker manifest keeps its media type', async ({ registry }) => {
  const config = await pushBlob(registry.url, 'lab/docker', '{"os":"linux"}');
  const body = `{\n   "schemaVersion": 2,\n   "mediaType": "${MediaType.DockerManifest}",\n   "config": {"mediaType": "${MediaType.DockerConfig}", "size": 14, "digest": "${config}"},\n   "layers": []\n}`;
  const response = await put(registry.url, '/v2/lab/docker/manifests/latest', body, MediaType.DockerManifest);
  assert.is(response.status, 201);
  assert.is(response.headers.get('location'), `/v2/lab/docker/manifests/${sha256(body)}`);
  const get = await fetch(`${registry.url}/v2/lab/docker/manifests/latest`);
  assert.is(await get.text(), body);
  assert.is(get.headers.get('content-type'), MediaType.DockerManifest);
});

test('a manifest naming a missing blob is MANIFEST_BLOB_UNKNOWN; nothing is tagged', async ({ registry }) => {
  const config = await pushBlob(registry.url, 'lab/broken', '{}');
  const manifest = imageManifest({ digest: config, size: 2 }, [{ digest: sha256('never pushed'), size: 12 }]);
  const response = await put(registry.url, '/v2/lab/broken/manifests/v1', manifest);
  assert.is(response.status, 400);
  const body = await response.json() as { errors: Array<{ code: string; detail: { digest: string } }> };
  assert.is(body.errors[0]!.code, 'MANIFEST_BLOB_UNKNOWN');
  assert.is(body.errors[0]!.detail.digest, sha256('never pushed'));
  assert.is((await fetch(`${registry.url}/v2/lab/broken/manifests/v1`)).status, 404);
  // a blob of another repository does not count: it must be mounted first
  const elsewhere = await pushBlob(registry.url, 'lab/elsewhere', 'layer elsewhere');
  const other = await put(registry.url, '/v2/lab/broken/manifests/v1', imageManifest({ digest: config, size: 2 }, [{ digest: elsewhere, size: 15 }]));
  assert.is(await errorCode(other), 'MANIFEST_BLOB_UNKNOWN');
});

test('malformed manifests are MANIFEST_INVALID; a digest reference that does not match is DIGEST_INVALID', async ({ registry }) => {
  const cases: Array<[string, string]> = [
    ['not json', MediaType.OciManifest],
    ['{"schemaVersion":1}', MediaType.OciManifest],
    [`{"schemaVersion":2,"mediaType":"${MediaType.OciManifest}","layers":[]}`, MediaType.OciManifest],
    [`{"schemaVersion":2,"mediaType":"${MediaType.OciIndex}","manifests":[]}`, MediaType.OciManifest],
    ['{"schemaVersion":2,"mediaType":"application/x-unknown"}', 'application/x-unknown'],
  ];
  for (const [body, type] of cases) {
    const response = await put(registry.url, '/v2/lab/bad/manifests/v1', body, type);
    assert.is(response.status, 400, body);
    assert.is(await errorCode(response), 'MANIFEST_INVALID', body);
  }
  const index = `{"schemaVersion":2,"mediaType":"${MediaType.OciIndex}","manifests":[]}`;
  const wrong = await put(registry.url, `/v2/lab/bad/manifests/${sha256('something else')}`, index, MediaType.OciIndex);
  assert.is(await errorCode(wrong), 'DIGEST_INVALID');
  const right = await put(registry.url, `/v2/lab/bad/manifests/${sha256(index)}`, index, MediaType.OciIndex);
  assert.is(right.status, 201);
});

test('an index needs its child manifests in the repository', async ({ registry }) => {
  const child = await pushImage(registry.url, 'lab/multi', 'amd64');
  const index = (digest: string) => JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [{ mediaType: MediaType.OciManifest, digest, size: child.manifest.length, platform: { architecture: 'amd64', os: 'linux' } }] });
  const missing = await put(registry.url, '/v2/lab/multi/manifests/latest', index(sha256('no such manifest')), MediaType.OciIndex);
  assert.is(await errorCode(missing), 'MANIFEST_BLOB_UNKNOWN');
  const ok = await put(registry.url, '/v2/lab/multi/manifests/latest', index(child.digest), MediaType.OciIndex);
  assert.is(ok.status, 201);
  assert.is((await fetch(`${registry.url}/v2/lab/multi/manifests/latest`)).headers.get('content-type'), MediaType.OciIndex);
});

test('unknown manifests are MANIFEST_UNKNOWN; DELETE by tag and by digest answer 202', async ({ registry }) => {
  assert.is(await errorCode(await fetch(`${registry.url}/v2/lab/img/manifests/nope`)), 'MANIFEST_UNKNOWN');
  assert.is((await fetch(`${registry.url}/v2/lab/img/manifests/nope`, { method: 'HEAD' })).status, 404);
  const { digest } = await pushImage(registry.url, 'lab/gone', 'a');
  await put(registry.url, '/v2/lab/gone/manifests/b', (await (await fetch(`${registry.url}/v2/lab/gone/manifests/a`)).text()));
  assert.is((await fetch(`${registry.url}/v2/lab/gone/manifests/a`, { method: 'DELETE' })).status, 202);
  assert.is((await fetch(`${registry.url}/v2/lab/gone/manifests/a`)).status, 404);
  assert.is((await fetch(`${registry.url}/v2/lab/gone/manifests/b`)).status, 200);
  assert.is((await fetch(`${registry.url}/v2/lab/gone/manifests/${digest}`, { method: 'DELETE' })).status, 202);
  assert.is((await fetch(`${registry.url}/v2/lab/gone/manifests/b`)).status, 404);
  assert.is(await errorCode(await fetch(`${registry.url}/v2/lab/gone/manifests/${digest}`, { method: 'DELETE' })), 'MANIFEST_UNKNOWN');
});

test('tags/list is sorted and paginates with n, last and a Link header; an unknown repository is NAME_UNKNOWN', async ({ registry }) => {
  const { manifest } = await pushImage(registry.url, 'lab/tags', 'v3');
  for (const tag of ['v1', 'v2', 'latest', 'v10']) assert.is((await put(registry.url, `/v2/lab/tags/manifests/${tag}`, manifest)).status, 201);
  const all = await fetch(`${registry.url}/v2/lab/tags/tags/list`);
  assert.equal(await all.json(), { name: 'lab/tags', tags: ['latest', 'v1', 'v10', 'v2', 'v3'] });
  assert.is(all.headers.get('link'), null);
  const seen: string[] = [];
  let next: string | null = '/v2/lab/tags/tags/list?n=2';
  for (let page = 0; next && page < 10; page++) {
    const response: Response = await fetch(`${registry.url}${next}`);
    seen.push(...((await response.json()) as { tags: string[] }).tags);
    next = /^<([^>]+)>; rel="next"$/.exec(response.headers.get('link') ?? '')?.[1] ?? null;
  }
  assert.equal(seen, ['latest', 'v1', 'v10', 'v2', 'v3']);
  assert.equal(((await (await fetch(`${registry.url}/v2/lab/tags/tags/list?last=v10`)).json()) as { tags: string[] }).tags, ['v2', 'v3']);
  assert.equal(((await (await fetch(`${registry.url}/v2/lab/tags/tags/list?n=0`)).json()) as { tags: string[] }).tags, []);
  assert.is(await errorCode(await fetch(`${registry.url}/v2/lab/tags/tags/list?n=x`)), 'PAGINATION_NUMBER_INVALID');
  const unknown = await fetch(`${registry.url}/v2/lab/never/tags/list`);
  assert.is(unknown.status, 404);
  assert.is(await errorCode(unknown), 'NAME_UNKNOWN');
});

test('_catalog lists repositories, paginated the same way', async ({ registry }) => {
  await pushImage(registry.url, 'zz/last', 'v1');
  const all = (await (await fetch(`${registry.url}/v2/_catalog`)).json()) as { repositories: string[] };
  assert.ok(all.repositories.includes('lab/img') && all.repositories.includes('zz/last'));
  assert.equal(all.repositories, [...all.repositories].sort());
  const first = await fetch(`${registry.url}/v2/_catalog?n=1`);
  assert.equal(await first.json(), { repositories: [all.repositories[0]] });
  assert.is(first.headers.get('link'), `</v2/_catalog?n=1&last=${encodeURIComponent(all.repositories[0]!)}>; rel="next"`);
});

test('referrers: an OCI index of the manifests whose subject is the digest, filtered by artifactType', async ({ registry }) => {
  const image = await pushImage(registry.url, 'lab/ref', 'v1');
  const empty = await pushBlob(registry.url, 'lab/ref', '{}');
  const subject = { mediaType: MediaType.OciManifest, digest: image.digest, size: image.manifest.length };
  const signature = imageManifest({ digest: empty, size: 2 }, [], { artifactType: 'application/vnd.example.signature', subject, annotations: { 'org.example.signer': 'alice' } });
  const sbom = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: 'application/vnd.example.sbom', digest: empty, size: 2 }, layers: [], subject }));
  const put1 = await put(registry.url, `/v2/lab/ref/manifests/${sha256(signature)}`, signature);
  assert.is(put1.status, 201);
  assert.is(put1.headers.get('oci-subject'), image.digest);
  assert.is((await put(registry.url, `/v2/lab/ref/manifests/${sha256(sbom)}`, sbom)).status, 201);
  const all = await fetch(`${registry.url}/v2/lab/ref/referrers/${image.digest}`);
  assert.is(all.status, 200);
  assert.is(all.headers.get('content-type'), MediaType.OciIndex);
  const index = await all.json() as { schemaVersion: number; mediaType: string; manifests: Array<Record<string, unknown>> };
  assert.is(index.schemaVersion, 2);
  assert.is(index.mediaType, MediaType.OciIndex);
  assert.equal(index.manifests.map((m) => m.digest).sort(), [sha256(signature), sha256(sbom)].sort());
  const sig = index.manifests.find((m) => m.digest === sha256(signature))!;
  assert.equal(sig, { mediaType: MediaType.OciManifest, digest: sha256(signature), size: signature.length, artifactType: 'application/vnd.example.signature', annotations: { 'org.example.signer': 'alice' } });
  assert.is(index.manifests.find((m) => m.digest === sha256(sbom))!.artifactType, 'application/vnd.example.sbom');
  const filtered = await fetch(`${registry.url}/v2/lab/ref/referrers/${image.digest}?artifactType=application/vnd.example.sbom`);
  assert.is(filtered.headers.get('oci-filters-applied'), 'artifactType');
  assert.equal(((await filtered.json()) as { manifests: Array<{ digest: string }> }).manifests.map((m) => m.digest), [sha256(sbom)]);
  const none = await fetch(`${registry.url}/v2/lab/ref/referrers/${sha256('no subject')}`);
  assert.equal(((await none.json()) as { manifests: unknown[] }).manifests, []);
  assert.is(await errorCode(await fetch(`${registry.url}/v2/lab/ref/referrers/sha256:bad`)), 'DIGEST_INVALID');
});

test('names outside the grammar are NAME_INVALID: "..", upper case, empty components', async ({ registry }) => {
  for (const name of ['..', 'lab/..', '../etc', 'Lab/img', 'lab/IMG', 'lab//img', 'lab/img-', '_lab']) {
    for (const path of [`/v2/${name}/manifests/latest`, `/v2/${name}/tags/list`, `/v2/${name}/blobs/${sha256('x')}`]) {
      const response = await raw(registry.url, 'GET', path);
      assert.is(response.status, 400, path);
      assert.is(response.json().errors[0].code, 'NAME_INVALID', path);
    }
    const upload = await raw(registry.url, 'POST', `/v2/${name}/blobs/uploads/`);
    assert.is(upload.json().errors[0].code, 'NAME_INVALID');
  }
});

test('unknown endpoints are 404, wrong methods 405 UNSUPPORTED; the API header is on errors too', async ({ registry }) => {
  const unknown = await fetch(`${registry.url}/v3/`);
  assert.is(unknown.status, 404);
  assert.is(unknown.headers.get('docker-distribution-api-version'), 'registry/2.0');
  const method = await fetch(`${registry.url}/v2/lab/img/tags/list`, { method: 'POST' });
  assert.is(method.status, 405);
  assert.is(await errorCode(method), 'UNSUPPORTED');
});

test.run();
