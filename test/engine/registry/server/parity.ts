// Side by side with Docker's own registry (the `docker-registry` Debian
// package, distribution 2.8): the same push and pull conversation gets the
// same statuses and the same headers that clients read (Range, digests,
// lengths, Link), from both.  Where berth follows the OCI spec and 2.8 does
// not (416 for an out-of-order chunk, 201 for a monolithic POST, NAME_INVALID
// for upper case, ?n= on tags/list), the spec's tests in uploads.ts and manifests.ts cover it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '../../../../src/engine/store/digest.js';
import { MediaType } from '../../../../src/engine/store/oci.js';
import { eventually, tempDir } from '../../../_helpers.js';
import { imageManifest, serveRegistry } from '../_registry.js';
import { freePort } from '../../../../src/engine/network/free-port.js';

const test = suite('registry server: parity with docker-registry');

async function startDockerRegistry(): Promise<{ url: string; child: ChildProcess }> {
  const dir = tempDir('docker-registry-');
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(config, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/store\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(`${url}/v2/`).catch(() => undefined))?.status === 200, 10_000, 'docker-registry to answer');
  return { url, child };
}

/** One push-and-pull conversation; returns what a client reads from each answer. */
async function conversation(url: string): Promise<unknown[]> {
  const seen: unknown[] = [];
  const note = (label: string, r: Response, ...headers: string[]) => seen.push([label, r.status, ...headers.map((h) => r.headers.get(h))]);
  const pathOf = (location: string | null) => (location ? new URL(location, url).pathname : null);
  note('base', await fetch(`${url}/v2/`), 'docker-distribution-api-version');
  const layer = Buffer.alloc(70_000, 'L');
  const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
  const blobs: Array<[string, Buffer]> = [['layer', layer], ['config', config]];
  for (const [label, data] of blobs) {
    const post = await fetch(`${url}/v2/lab/img/blobs/uploads/`, { method: 'POST' });
    note(`${label} post`, post, 'range');
    const location = new URL(post.headers.get('location')!, url);
    const patch = await fetch(location, { method: 'PATCH', body: new Uint8Array(data), headers: { 'Content-Type': 'application/octet-stream' } });
    note(`${label} patch`, patch, 'range');
    const next = new URL(patch.headers.get('location')!, url);
    const status = await fetch(next);
    note(`${label} status`, status, 'range');
    next.searchParams.set('digest', sha256(data));
    const put = await fetch(next, { method: 'PUT' });
    note(`${label} put`, put, 'docker-content-digest');
    seen.push([`${label} location`, pathOf(put.headers.get('location'))]);
  }
  note('head blob', await fetch(`${url}/v2/lab/img/blobs/${sha256(layer)}`, { method: 'HEAD' }), 'content-length', 'docker-content-digest');
  note('range', await fetch(`${url}/v2/lab/img/blobs/${sha256(layer)}`, { headers: { Range: 'bytes=10-19' } }), 'content-length');
  note('unknown blob', await fetch(`${url}/v2/lab/img/blobs/${sha256('none')}`, { method: 'HEAD' }));
  const mount = await fetch(`${url}/v2/lab/app/blobs/uploads/?mount=${sha256(layer)}&from=lab/img`, { method: 'POST' });
  note('mount', mount, 'docker-content-digest');
  const missing = imageManifest({ digest: sha256(config), size: config.length }, [{ digest: sha256('never'), size: 5 }]);
  const bad = await fetch(`${url}/v2/lab/img/manifests/v0`, { method: 'PUT', body: new Uint8Array(missing), headers: { 'Content-Type': MediaType.OciManifest } });
  seen.push(['missing blob', bad.status, ((await bad.json()) as { errors: Array<{ code: string }> }).errors[0]!.code]);
  const manifest = imageManifest({ digest: sha256(config), size: config.length }, [{ digest: sha256(layer), size: layer.length }]);
  for (const tag of ['v1', 'v2']) {
    note(`put ${tag}`, await fetch(`${url}/v2/lab/img/manifests/${tag}`, { method: 'PUT', body: new Uint8Array(manifest), headers: { 'Content-Type': MediaType.OciManifest } }), 'docker-content-digest');
  }
  note('get manifest', await fetch(`${url}/v2/lab/img/manifests/v1`, { headers: { Accept: MediaType.OciManifest } }), 'content-type', 'docker-content-digest', 'content-length');
  // (2.8 ignores ?n= on tags/list; berth paginates as the spec asks: manifests.ts tests that)
  const tags = await fetch(`${url}/v2/lab/img/tags/list`);
  seen.push(['tags', tags.status, await tags.json()]);
  note('unknown tag', await fetch(`${url}/v2/lab/img/manifests/v9`));
  note('delete', await fetch(`${url}/v2/lab/img/manifests/${sha256(manifest)}`, { method: 'DELETE' }));
  note('deleted', await fetch(`${url}/v2/lab/img/manifests/${sha256(manifest)}`));
  return seen;
}

test('the same conversation gets the same answers from docker-registry and from berth', async () => {
  const docker = await startDockerRegistry();
  const berth = await serveRegistry();
  try {
    const theirs = await conversation(docker.url);
    const ours = await conversation(berth.url);
    assert.equal(ours, theirs);
  } finally {
    docker.child.kill('SIGTERM');
    await new Promise((resolve) => docker.child.once('exit', resolve));
    await berth.close();
  }
});

test.run();
