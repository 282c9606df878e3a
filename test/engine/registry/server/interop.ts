// Interop: skopeo (containers/image, what podman and buildah push and pull
// with) copies an OCI layout into berth's registry and back out, byte for
// byte, with no auth and through the bearer-token flow.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '../../../../src/engine/store/digest.js';
import { MediaType } from '../../../../src/engine/store/oci.js';
import { tempDir } from '../../../_helpers.js';
import { serveRegistry } from '../_registry.js';

const run = promisify(execFile);
const test = suite('registry server: skopeo interop');

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: 0o644, mtime: new Date(0) }, content);
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const chunk of pack) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts);
}

/** An OCI image layout with one image (one small gzip layer) tagged `tag`; returns its manifest digest. */
async function ociLayout(dir: string, tag: string): Promise<string> {
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer) => {
    const digest = sha256(data);
    fs.writeFileSync(path.join(blobs, digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const layerTar = await tarOf({ 'hello.txt': 'hello from berth\n', 'etc/motd': 'welcome\n' });
  const layer = put(zlib.gzipSync(layerTar));
  const config = put(Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux',
    config: { Cmd: ['/bin/sh'], Labels: { 'org.opencontainers.image.description': 'skopeo interop image' } },
    rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] },
  })));
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, ...config },
    layers: [{ mediaType: MediaType.OciLayerGzip, ...layer }],
  })));
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2, mediaType: MediaType.OciIndex,
    manifests: [{ mediaType: MediaType.OciManifest, ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }],
  }));
  return manifest.digest;
}

function layoutDigest(dir: string): string {
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  return index.manifests[0]!.digest;
}

const skopeo = (...args: string[]) => run('skopeo', ['--insecure-policy', ...args], { timeout: 60_000 });

test('skopeo copies an OCI layout in and back out unchanged; a second repository mounts the blobs', async () => {
  const registry = await serveRegistry();
  try {
    const source = tempDir('oci-src-');
    const digest = await ociLayout(source, 'v1');
    const host = registry.url.replace('http://', '');
    await skopeo('copy', '--dest-tls-verify=false', `oci:${source}:v1`, `docker://${host}/lab/img:v1`);
    const head = await fetch(`${registry.url}/v2/lab/img/manifests/v1`, { method: 'HEAD' });
    assert.is(head.headers.get('docker-content-digest'), digest);

    const { stdout: tags } = await skopeo('list-tags', '--tls-verify=false', `docker://${host}/lab/img`);
    assert.equal(JSON.parse(tags).Tags, ['v1']);
    const { stdout: inspect } = await skopeo('inspect', '--tls-verify=false', `docker://${host}/lab/img:v1`);
    assert.is(JSON.parse(inspect).Labels['org.opencontainers.image.description'], 'skopeo interop image');

    const back = tempDir('oci-dst-');
    await skopeo('copy', '--src-tls-verify=false', `docker://${host}/lab/img:v1`, `oci:${back}:v1`);
    assert.is(layoutDigest(back), digest);
    for (const file of fs.readdirSync(path.join(source, 'blobs', 'sha256'))) {
      assert.ok(fs.readFileSync(path.join(back, 'blobs', 'sha256', file)).equals(fs.readFileSync(path.join(source, 'blobs', 'sha256', file))), file);
    }

    await skopeo('copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${host}/lab/img:v1`, `docker://${host}/lab/copy:latest`);
    assert.is((await fetch(`${registry.url}/v2/lab/copy/manifests/latest`, { method: 'HEAD' })).headers.get('docker-content-digest'), digest);
    assert.equal(await registry.storage.listUploads(), []);
  } finally {
    await registry.close();
  }
});

test('skopeo pushes and pulls through the bearer-token flow with credentials', async () => {
  const dir = tempDir('oci-auth-');
  const htpasswd = path.join(dir, 'htpasswd');
  fs.writeFileSync(htpasswd, (await run('htpasswd', ['-Bbn', 'alice', 's3cret'])).stdout);
  const registry = await serveRegistry({ auth: { kind: 'token', file: htpasswd } });
  try {
    const source = path.join(dir, 'src');
    const digest = await ociLayout(source, 'v1');
    const host = registry.url.replace('http://', '');
    const refused = await skopeo('copy', '--dest-tls-verify=false', '--dest-creds', 'alice:wrong', `oci:${source}:v1`, `docker://${host}/lab/secure:v1`).then(() => undefined, (error: Error) => error);
    assert.ok(refused, 'a wrong password must fail');
    await skopeo('copy', '--dest-tls-verify=false', '--dest-creds', 'alice:s3cret', `oci:${source}:v1`, `docker://${host}/lab/secure:v1`);
    const back = path.join(dir, 'back');
    await skopeo('copy', '--src-tls-verify=false', '--src-creds', 'alice:s3cret', `docker://${host}/lab/secure:v1`, `oci:${back}:v1`);
    assert.is(layoutDigest(back), digest);
    assert.ok(registry.logs.some((l) => l.startsWith('GET /token 200')));
  } finally {
    await registry.close();
  }
});

test.run();
