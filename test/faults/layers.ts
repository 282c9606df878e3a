// Issue 12 row 6: hostile layers are refused when they arrive -- `import`,
// `load`, and `pull` from a berth registry -- with the apply's own messages
// naming the entry, and nothing is stored (no image, no tag, no new blob).
// Before: all three said success and the layer was refused only at the first run.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import tarStream, { type Header } from 'tar-stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { berth, ok, removeAll } from '../_berth.js';
import { berthRoot, tempDir } from '../_helpers.js';
import { serveRegistry, pushBlob, imageManifest, type TestRegistry } from '../engine/registry/_registry.js';
import { MediaType } from '../../src/engine/store/oci.js';

type Entry = Partial<Header> & { name: string; body?: string | Buffer };

async function tarBytes(entries: Entry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const { body, ...header } of entries) pack.entry({ mode: 0o644, mtime: new Date(0), ...header } as Header, body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of Readable.from(pack as unknown as AsyncIterable<Buffer>)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

const sha = (b: Buffer) => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;

/** Every case: the entries, and what the refusal must say. */
const HOSTILE: Array<{ what: string; entries: Entry[]; message: RegExp }> = [
  { what: 'an entry that climbs out with ".."', entries: [{ name: '../../../../etc/pwned', body: 'x' }], message: /layer entry "\.\.\/\.\.\/\.\.\/\.\.\/etc\/pwned" escapes the root/ },
  { what: 'a file written through a symlink to the host', entries: [{ name: 'evil', type: 'symlink', linkname: '/etc' }, { name: 'evil/pwned', body: 'x' }], message: /layer entry "evil\/pwned" goes through the symlink "evil": refusing to write through it/ },
  { what: 'a hard link to a host file', entries: [{ name: 'stolen', type: 'link', linkname: '../../../../etc/shadow' }], message: /hard link target of "stolen", "\.\.\/\.\.\/\.\.\/\.\.\/etc\/shadow" escapes the root/ },
  { what: 'a hard link to a file not in the layer', entries: [{ name: 'stolen', type: 'link', linkname: 'etc/shadow' }], message: /layer entry "stolen" is a hard link to "etc\/shadow", which is not in the layer/ },
];
const GOOD: Entry[] = [{ name: 'etc/', type: 'directory', mode: 0o755 }, { name: 'etc/hello', body: 'hello\n' }];

const layers = suite('hostile layers are refused at arrival');
let registry: TestRegistry;
layers.before(async () => { registry = await serveRegistry(); });
layers.after(async () => {
  await registry.close();
  await removeAll();
});

function blobCount(): number {
  const dir = path.join(berthRoot(), 'blobs', 'sha256');
  return fs.existsSync(dir) ? fs.readdirSync(dir).length : 0;
}

async function imageNames(): Promise<string> {
  return ok(['images', '--format', '{{.Repository}}:{{.Tag}}']);
}

layers('import refuses the tar, naming the entry; nothing is stored', async () => {
  for (const [i, c] of HOSTILE.entries()) {
    const file = path.join(tempDir('layer-'), 'layer.tar');
    fs.writeFileSync(file, await tarBytes([...GOOD, ...c.entries]));
    const before = { blobs: blobCount(), images: await imageNames() };
    const result = await berth(['import', file, `hostile-import-${i}`]);
    assert.is.not(result.code, 0, `${c.what}: import must fail`);
    assert.match(result.stderr, c.message, c.what);
    assert.is(blobCount(), before.blobs, `${c.what}: no blob left`);
    assert.is(await imageNames(), before.images, `${c.what}: no image`);
  }
  // the same layer without the hostile entry still imports
  const file = path.join(tempDir('layer-'), 'good.tar');
  fs.writeFileSync(file, await tarBytes(GOOD));
  await ok(['import', file, 'fine-import']);
  await ok(['rmi', 'fine-import']);
});

/** A `docker save` archive (manifest.json + blobs/) of a one-layer image. */
async function saveArchive(layerTar: Buffer, tag: string): Promise<string> {
  const layer = zlib.gzipSync(layerTar);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha(layerTar)] } }));
  const name = (b: Buffer) => `blobs/sha256/${sha(b).slice(7)}`;
  const archive = await tarBytes([
    { name: name(config), body: config },
    { name: name(layer), body: layer },
    { name: 'manifest.json', body: JSON.stringify([{ Config: name(config), RepoTags: [tag], Layers: [name(layer)] }]) },
  ]);
  const file = path.join(tempDir('save-'), 'image.tar');
  fs.writeFileSync(file, archive);
  return file;
}

layers('load refuses the archive, naming the entry; nothing is stored', async () => {
  for (const [i, c] of HOSTILE.entries()) {
    const file = await saveArchive(await tarBytes([...GOOD, ...c.entries]), `hostile-load:${i}`);
    const before = { blobs: blobCount(), images: await imageNames() };
    const result = await berth(['load', '-i', file]);
    assert.is.not(result.code, 0, `${c.what}: load must fail`);
    assert.match(result.stderr, c.message, c.what);
    assert.is(blobCount(), before.blobs, `${c.what}: no blob left`);
    assert.is(await imageNames(), before.images, `${c.what}: no image`);
  }
  await ok(['load', '-i', await saveArchive(await tarBytes(GOOD), 'fine-load:1')]);
  assert.match(await imageNames(), /fine-load:1/);
  await ok(['rmi', 'fine-load:1']);
});

/** Pushes a one-layer image straight into the registry (as a hostile hub would hold it). */
async function pushHostile(repo: string, layerTar: Buffer, extraLayer?: Buffer): Promise<void> {
  const layerBlobs = [...(extraLayer ? [extraLayer] : []), layerTar];
  const gz = layerBlobs.map((t) => zlib.gzipSync(t));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: layerBlobs.map(sha) } }));
  await pushBlob(registry.url, repo, config);
  for (const g of gz) await pushBlob(registry.url, repo, g);
  const manifest = imageManifest({ digest: sha(config), size: config.length }, gz.map((g) => ({ digest: sha(g), size: g.length })));
  const response = await fetch(`${registry.url}/v2/${repo}/manifests/v1`, { method: 'PUT', body: new Uint8Array(manifest), headers: { 'Content-Type': MediaType.OciManifest } });
  assert.is(response.status, 201);
}

layers('pull from a berth registry refuses the image at pull, naming the entry; no image, no tag, no blob', async () => {
  const host = registry.url.replace(/^http:\/\//, '');
  for (const [i, c] of HOSTILE.entries()) {
    // a good first layer too: it is downloaded, then removed with the refused image
    await pushHostile(`hostile${i}`, await tarBytes([...GOOD, ...c.entries]), await tarBytes([{ name: `base-${i}`, body: `base ${i}\n` }]));
    const before = { blobs: blobCount(), images: await imageNames() };
    const result = await berth(['pull', `${host}/hostile${i}:v1`]);
    assert.is.not(result.code, 0, `${c.what}: pull must fail`);
    assert.match(result.stderr, c.message, c.what);
    assert.not.match(result.stdout, /Downloaded newer image/);
    assert.is(blobCount(), before.blobs, `${c.what}: the blobs of the refused image are removed`);
    assert.is(await imageNames(), before.images, `${c.what}: no image, no tag`);
  }
  await pushHostile('fine', await tarBytes(GOOD));
  await ok(['pull', `${host}/fine:v1`]);
  await ok(['rmi', `${host}/fine:v1`]);
});

layers.run();
