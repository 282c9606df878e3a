import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { statePaths } from '../../../src/engine/paths.js';
import { ImageStore } from '../../../src/engine/store/images.js';
import { DEBIAN_REFERENCE, debianTarballPath, ensureDebian } from '../../../src/engine/hub/debian.js';
import { ensureBaseImage } from '../../../src/engine/hub/index.js';
import { mountsUnder } from '../../../src/engine/mount-table.js';
import { berthRoot } from '../../_helpers.js';
import { layerEntries } from '../store/_layer-entries.js';

// One file, one build: the first run in a fresh cache runs debootstrap
// (minutes); later runs and the second test reuse the cached tarball.
const test = suite('hub/debian');
const paths = statePaths(berthRoot());
const store = new ImageStore(paths);

test('debian:bookworm is built (or taken from the cache) with apt-get and /etc/debian_version', async () => {
  const lines: string[] = [];
  const started = Date.now();
  const image = await ensureBaseImage(store, DEBIAN_REFERENCE, (event) => lines.push(event.text));
  console.log(`  debian:bookworm ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${lines.length} progress lines)`);
  assert.equal(image.tags, [DEBIAN_REFERENCE]);
  assert.ok(fs.existsSync(debianTarballPath(paths)), 'the rootfs tarball is cached');
  const config = store.imageConfig(image);
  assert.equal(config.config?.Cmd, ['bash']);
  assert.equal(config.config?.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
  assert.is(store.layers(image).length, 1);
  const entries = await layerEntries(store, image);
  assert.ok(entries.has('usr/bin/apt-get'), 'usr/bin/apt-get is in the layer');
  assert.match(entries.get('etc/debian_version')?.data?.toString() ?? '', /^12\./);
  assert.ok(entries.has('dev') && ![...entries.keys()].some((n) => n.startsWith('dev/') || n.startsWith('proc/')), '/dev and /proc are empty');
  assert.ok(![...entries.keys()].some((n) => /^var\/cache\/apt\/archives\/.+\.deb$/.test(n)), 'no cached .deb files');
  assert.ok(![...entries.keys()].some((n) => /^var\/lib\/apt\/lists\/.+_Packages$/.test(n)), 'no apt lists');
  assert.equal(mountsUnder(paths.root), [], 'nothing stays mounted');
  const leftovers = fs.existsSync(paths.tmp) ? fs.readdirSync(paths.tmp) : [];
  assert.equal(leftovers, [], 'the debootstrap tree and temp files are gone');
});

test('a second store imports from the cache, quickly, to the same image id', async () => {
  const first = store.resolve(DEBIAN_REFERENCE);
  const other = new ImageStore(statePaths(path.join(berthRoot(), 'second-root')));
  const lines: string[] = [];
  const started = Date.now();
  const image = await ensureDebian(other, (event) => lines.push(event.text));
  const seconds = (Date.now() - started) / 1000;
  console.log(`  from the cache in ${seconds.toFixed(1)} s`);
  assert.ok(!lines.some((l) => l.includes('debootstrap from')), 'debootstrap did not run again');
  assert.ok(seconds < 60, `import from the cache took ${seconds} s`);
  assert.is(image.id, first.id);
  const again = Date.now();
  assert.is((await ensureDebian(other)).id, image.id);
  assert.ok(Date.now() - again < 1000, 'an existing image is returned at once');
});

test.run();
