import { Readable } from 'node:stream';
import fs from 'node:fs';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { statePaths } from '../../../src/engine/paths.js';
import { ImageStore } from '../../../src/engine/store/images.js';
import { importTarball } from '../../../src/engine/store/import.js';
import { sha256 } from '../../../src/engine/store/digest.js';
import { MediaType } from '../../../src/engine/store/oci.js';
import { berthRoot, rejects } from '../../_helpers.js';
import { layerEntries } from './_layer-entries.js';

const test = suite('store/import');
const paths = statePaths(berthRoot());
const store = new ImageStore(paths);
const tmpFiles = () => (fs.existsSync(paths.tmp) ? fs.readdirSync(paths.tmp) : []);

/** A small rootfs tar made with tar-stream. */
async function rootfsTar(): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: 'bin', type: 'directory', mode: 0o755 });
  pack.entry({ name: 'bin/hello', mode: 0o755 }, '#!/bin/sh\necho hello\n');
  pack.entry({ name: 'etc', type: 'directory', mode: 0o755 });
  pack.entry({ name: 'etc/motd', mode: 0o644 }, 'welcome\n');
  pack.entry({ name: 'etc/link', type: 'symlink', linkname: 'motd' });
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

test('a plain tar with -c CMD becomes a one-layer image', async () => {
  const plain = await rootfsTar();
  const img = await importTarball(store, Readable.from([plain]), { ref: 'imported:plain', changes: ['CMD ["/bin/hello"]', 'ENV A=1'], message: 'from a test' });
  assert.equal(img.tags, ['imported:plain']);
  const config = store.imageConfig(img);
  assert.equal(config.config, { Cmd: ['/bin/hello'], Env: ['A=1'] });
  assert.equal(config.rootfs.diff_ids, [sha256(plain)]);
  assert.is(config.history?.[0]?.created_by, 'import');
  assert.is(config.history?.[0]?.comment, 'from a test');
  const [layer] = store.layers(img);
  assert.is(layer?.mediaType, MediaType.OciLayerGzip);
  assert.is(layer?.uncompressedSize, plain.length);
  assert.is(img.size, plain.length);
  const entries = await layerEntries(store, img);
  assert.equal([...entries.keys()], ['bin', 'bin/hello', 'etc', 'etc/motd', 'etc/link']);
  assert.is(entries.get('etc/motd')?.data?.toString(), 'welcome\n');
  assert.equal(tmpFiles(), []);
});

test('a gzip tar is recognised by its magic and gives the same diff id', async () => {
  const plain = await rootfsTar();
  const gz = zlib.gzipSync(plain, { level: 9 });
  // Small chunks: the sniffing must cope with a header split across reads.
  const chunks = Array.from({ length: Math.ceil(gz.length / 3) }, (_, i) => gz.subarray(i * 3, i * 3 + 3));
  const img = await importTarball(store, Readable.from(chunks), { ref: 'imported:gzip', changes: ['CMD echo hi'] });
  assert.equal(store.imageConfig(img).rootfs.diff_ids, [sha256(plain)]);
  assert.equal(store.imageConfig(img).config?.Cmd, ['/bin/sh', '-c', 'echo hi']);
  assert.ok((await layerEntries(store, img)).has('bin/hello'));
});

test('an empty archive is a valid (empty) layer', async () => {
  const img = await importTarball(store, Readable.from([Buffer.alloc(1024)]));
  assert.equal(img.tags, []);
  assert.is(img.size, 1024);
});

test('data that is not a tar, or is xz, is refused and leaves no blob or temp file', async () => {
  const before = store.blobs.list();
  await rejects(importTarball(store, Readable.from([Buffer.from('just some text, clearly not a tar archive '.repeat(20))])), /not a tar archive/);
  await rejects(importTarball(store, Readable.from([Buffer.from('short')])), /not a tar archive/);
  await rejects(importTarball(store, Readable.from([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2])])), /xz-compressed tarballs are not supported/);
  await rejects(importTarball(store, Readable.from([zlib.gzipSync(Buffer.from('not a tar'.repeat(100)))])), /not a tar archive/);
  assert.equal(store.blobs.list(), before);
  assert.equal(tmpFiles(), []);
});

test('a bad change is refused before the data is read', async () => {
  const plain = await rootfsTar();
  await rejects(importTarball(store, Readable.from([plain]), { changes: ['FOO bar'] }), /unknown instruction: FOO/);
});

test('a truncated gzip stream is refused', async () => {
  const gz = zlib.gzipSync(await rootfsTar());
  await rejects(importTarball(store, Readable.from([gz.subarray(0, gz.length - 20)])), /unexpected end of file/);
  assert.equal(tmpFiles(), []);
});

test.run();
