import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { statePaths } from '../../../src/engine/paths.js';
import { ImageStore } from '../../../src/engine/store/images.js';
import { BUSYBOX_REFERENCE, buildBusybox, ensureBusybox } from '../../../src/engine/hub/busybox.js';
import { ensureBaseImage } from '../../../src/engine/hub/index.js';
import { berthRoot, rejects } from '../../_helpers.js';
import { layerEntries } from '../store/_layer-entries.js';

const test = suite('hub/busybox');
const store = new ImageStore(statePaths(berthRoot()));

test('busybox:latest has the PATH, Cmd sh, this host architecture and one layer', async () => {
  const image = await ensureBusybox(store);
  assert.equal(image.tags, [BUSYBOX_REFERENCE]);
  const config = store.imageConfig(image);
  assert.equal(config.config?.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
  assert.equal(config.config?.Cmd, ['sh']);
  assert.is(config.os, 'linux');
  assert.is(config.architecture, process.arch === 'x64' ? 'amd64' : process.arch);
  assert.is(store.layers(image).length, 1);
  assert.is(config.history?.length, 1);
  assert.ok(image.size > 1_000_000, 'size counts the uncompressed busybox binary');
});

test('the layer has /bin/busybox, applets as hard links, /etc/passwd with root and daemon, /tmp 1777', async () => {
  const entries = await layerEntries(store, store.resolve('busybox'));
  assert.is(entries.get('bin/busybox')?.type, 'file');
  assert.is(entries.get('bin/sh')?.type, 'link');
  assert.is(entries.get('bin/sh')?.linkname, 'bin/busybox');
  assert.is(entries.get('usr/bin/wc')?.linkname, 'bin/busybox');
  const passwd = entries.get('etc/passwd')?.data?.toString() ?? '';
  assert.match(passwd, /^root:x:0:0:root:\/root:\/bin\/sh$/m);
  assert.match(passwd, /^daemon:x:1:1:daemon:\/usr\/sbin:\/bin\/false$/m);
  assert.match(passwd, /^nobody:x:65534:65534:nobody:\/nonexistent:\/bin\/false$/m);
  assert.match(entries.get('etc/group')?.data?.toString() ?? '', /^nogroup:x:65534:$/m);
  assert.is(entries.get('tmp')?.mode, 0o1777);
  assert.is(entries.get('root')?.mode, 0o700);
  for (const dir of ['home', 'var', 'usr/sbin', 'dev', 'proc', 'sys']) assert.is(entries.get(dir)?.type, 'directory', dir);
});

test('building again gives the same image id and layer digest (deterministic)', async () => {
  const first = store.resolve(BUSYBOX_REFERENCE);
  const rebuilt = await buildBusybox(store);
  assert.is(rebuilt.id, first.id);
  assert.is(rebuilt.manifestDigest, first.manifestDigest);
  assert.is(store.list().length, 1);
});

test('ensureBaseImage knows busybox and refuses names the hub lacks', async () => {
  const image = await ensureBaseImage(store, 'busybox');
  assert.is(image.id, store.resolve('busybox:latest').id);
  await rejects(ensureBaseImage(store, 'alpine'), /No such image: alpine \(the local hub has busybox, debian:bookworm\)/);
});

test('a dynamically linked or missing binary is refused with the package to install', async () => {
  await rejects(buildBusybox(store, '/nonexistent/busybox'), /busybox-static/);
  await rejects(buildBusybox(store, process.execPath), /dynamically linked/);
});

test.run();
