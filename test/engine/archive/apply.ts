// applyLayer: hostile tars are refused without writing outside the root;
// whiteouts in both forms; opaque markers act first; PAX xattrs; hard links.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import tarStream from 'tar-stream';
import type { Header } from 'tar-stream';
import { applyLayer, packDirectory } from '../../../src/engine/archive/index.js';
import { sys } from '../../../src/engine/sys.js';
import { outsideDir, rejects, tempDir } from '../../_helpers.js';

type Entry = Partial<Header> & { name: string; body?: string };

/** A layer tar made by tar-stream from a list of entries. */
function tarOf(entries: Entry[]): Readable {
  const pack = tarStream.pack();
  for (const { body, ...header } of entries) pack.entry({ mode: 0o644, ...header } as Header, body ?? '');
  pack.finalize();
  return Readable.from(pack as unknown as AsyncIterable<Buffer>);
}

const outsides: string[] = [];
function outside(): string {
  const dir = outsideDir();
  outsides.push(dir);
  return dir;
}
test.after(() => {
  for (const dir of outsides) fs.rmSync(dir, { recursive: true, force: true });
});

function assertEmpty(dir: string): void {
  assert.equal(fs.readdirSync(dir), [], `${dir} must stay empty`);
}

test('an entry whose .. climbs out of the root is refused', async () => {
  const root = tempDir();
  const error = await rejects(applyLayer(root, tarOf([{ name: '../../etc/x', body: 'pwned' }]), { whiteouts: 'delete' }), /layer entry "\.\.\/\.\.\/etc\/x" escapes the root/);
  assert.is((error as { kind?: string }).kind, 'invalid');
  assert.not.ok(fs.existsSync(path.resolve(root, '../../etc/x')));
  assert.not.ok(fs.existsSync(path.resolve(root, '../etc/x')));
});

test('an absolute name is written inside the root, never at /', async () => {
  const root = tempDir();
  const marker = `berth-absolute-${process.pid}`;
  await applyLayer(root, tarOf([{ name: `/tmp/${marker}`, body: 'inside' }]), { whiteouts: 'delete' });
  assert.is(fs.readFileSync(path.join(root, 'tmp', marker), 'utf8'), 'inside');
  assert.not.ok(fs.existsSync(`/tmp/${marker}`));
  await rejects(applyLayer(root, tarOf([{ name: '/../../x', body: 'x' }]), { whiteouts: 'delete' }), /escapes the root/);
});

test('an entry through a symlink to an absolute path outside is refused', async () => {
  const root = tempDir();
  const target = outside();
  const tar = tarOf([{ name: 'evil', type: 'symlink', linkname: target }, { name: 'evil/x', body: 'pwned' }]);
  await rejects(applyLayer(root, tar, { whiteouts: 'delete' }), /layer entry "evil\/x" goes through the symlink "evil"/);
  assertEmpty(target);
});

test('an entry through a relative symlink that climbs out is refused', async () => {
  const root = tempDir();
  const tar = tarOf([
    { name: 'evil', type: 'symlink', linkname: '../../../../../../../..' },
    { name: 'evil/etc/berth-pwned', body: 'pwned' },
  ]);
  await rejects(applyLayer(root, tar, { whiteouts: 'overlay' }), /goes through the symlink "evil"/);
  assert.not.ok(fs.existsSync('/etc/berth-pwned'));
});

test('a whiteout through a symlink is refused and deletes nothing outside', async () => {
  const root = tempDir();
  const target = outside();
  fs.writeFileSync(path.join(target, 'precious'), 'keep me');
  const tar = tarOf([{ name: 'evil', type: 'symlink', linkname: target }, { name: 'evil/.wh.precious' }]);
  await rejects(applyLayer(root, tar, { whiteouts: 'delete' }), /goes through the symlink/);
  assert.ok(fs.existsSync(path.join(target, 'precious')));
  fs.rmSync(path.join(target, 'precious'));
});

test('a hard link to a file outside the root is refused', async () => {
  const root = tempDir();
  await rejects(applyLayer(root, tarOf([{ name: 'passwd', type: 'link', linkname: '../../../../etc/passwd' }]), { whiteouts: 'delete' }), /escapes the root/);
  assert.not.ok(fs.existsSync(path.join(root, 'passwd')));
});

test('a hard link through a symlink is refused', async () => {
  const root = tempDir();
  const target = outside();
  const secretDir = outside();
  fs.writeFileSync(path.join(secretDir, 'secret'), 'secret');
  const tar = tarOf([{ name: 'evil', type: 'symlink', linkname: secretDir }, { name: 'stolen', type: 'link', linkname: 'evil/secret' }]);
  await rejects(applyLayer(root, tar, { whiteouts: 'delete' }), /goes through the symlink "evil"/);
  assert.not.ok(fs.existsSync(path.join(root, 'stolen')));
  assertEmpty(target);
  fs.rmSync(path.join(secretDir, 'secret'));
});

test('a file written where a symlink is replaces the symlink, never follows it', async () => {
  const root = tempDir();
  const target = outside();
  const tar = tarOf([{ name: 'f', type: 'symlink', linkname: path.join(target, 'pwned') }, { name: 'f', body: 'safe' }]);
  await applyLayer(root, tar, { whiteouts: 'delete' });
  assert.ok(fs.lstatSync(path.join(root, 'f')).isFile());
  assert.is(fs.readFileSync(path.join(root, 'f'), 'utf8'), 'safe');
  assertEmpty(target);
});

test("'delete' whiteouts remove what they name", async () => {
  const root = tempDir();
  fs.mkdirSync(path.join(root, 'a'));
  fs.writeFileSync(path.join(root, 'a/x'), 'x');
  fs.writeFileSync(path.join(root, 'a/y'), 'y');
  fs.mkdirSync(path.join(root, 'b/deep'), { recursive: true });
  await applyLayer(root, tarOf([{ name: '.wh.b' }, { name: 'a/.wh.x' }, { name: 'nowhere/.wh.z' }]), { whiteouts: 'delete' });
  assert.equal(fs.readdirSync(root).sort(), ['a']);
  assert.equal(fs.readdirSync(path.join(root, 'a')), ['y']);
});

test("'overlay' whiteouts become 0/0 character devices and opaque xattrs", async () => {
  const root = tempDir();
  const tar = tarOf([{ name: '.wh.b' }, { name: 'a/', type: 'directory', mode: 0o755 }, { name: 'a/.wh.x' }, { name: 'a/.wh..wh..opq' }]);
  await applyLayer(root, tar, { whiteouts: 'overlay' });
  for (const rel of ['b', 'a/x']) {
    const stats = fs.lstatSync(path.join(root, rel));
    assert.ok(stats.isCharacterDevice() && stats.rdev === 0, `${rel} is a whiteout device`);
  }
  assert.is(sys().lgetxattr(path.join(root, 'a'), 'trusted.overlay.opaque')?.toString(), 'y');
  assert.not.ok(fs.existsSync(path.join(root, 'a/.wh..wh..opq')));
});

test("an opaque marker acts first: the same tar's entries in that dir survive", async () => {
  const root = tempDir();
  fs.mkdirSync(path.join(root, 'd/sub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'd/old'), 'old');
  fs.writeFileSync(path.join(root, 'd/sub/old-inner'), 'old');
  const tar = tarOf([
    { name: 'd/', type: 'directory' },
    { name: 'd/new', body: 'new' },
    { name: 'd/sub/', type: 'directory' },
    { name: 'd/sub/new-inner', body: 'new' },
    { name: 'd/implicit/inner', body: 'its parent has no entry of its own' },
    { name: 'd/.wh..wh..opq' },
  ]);
  await applyLayer(root, tar, { whiteouts: 'delete' });
  assert.equal(fs.readdirSync(path.join(root, 'd')).sort(), ['implicit', 'new', 'sub']);
  assert.ok(fs.existsSync(path.join(root, 'd/implicit/inner')));
  assert.equal(fs.readdirSync(path.join(root, 'd/sub')), ['new-inner']);
});

test('xattrs in PAX headers round trip, binary values included; trusted.overlay.* is never taken', async () => {
  const root = tempDir();
  const capability = Buffer.from([0x01, 0, 0, 0x02, 0x80, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const tar = tarOf([{
    name: 'bin/ping', body: 'ELF', mode: 0o755, uid: 1234, gid: 5678,
    pax: { 'SCHILY.xattr.security.capability': capability, 'SCHILY.xattr.user.bin': Buffer.from([0xff, 0, 0xfe]), 'SCHILY.xattr.trusted.overlay.redirect': Buffer.from('/x') },
  }]);
  await applyLayer(root, tar, { whiteouts: 'overlay' });
  const ping = path.join(root, 'bin/ping');
  assert.equal(sys().lgetxattr(ping, 'security.capability'), capability);
  assert.equal(sys().lgetxattr(ping, 'user.bin'), Buffer.from([0xff, 0, 0xfe]));
  assert.is(sys().lgetxattr(ping, 'trusted.overlay.redirect'), null);
  const stats = fs.statSync(ping);
  assert.is(stats.uid, 1234);
  assert.is(stats.mode & 0o7777, 0o755);
  // and back out through the packer
  const copy = tempDir();
  await applyLayer(copy, packDirectory(root), { whiteouts: 'delete' });
  assert.equal(sys().lgetxattr(path.join(copy, 'bin/ping'), 'security.capability'), capability);
});

test('hard links, modes (0 too), owners, devices and times are applied', async () => {
  const root = tempDir();
  const mtime = new Date('2020-01-02T03:04:05Z');
  const tar = tarOf([
    { name: 'etc/', type: 'directory', mode: 0o755, mtime },
    { name: 'etc/shadow', body: 'secret', mode: 0o100000 /* S_IFREG, permissions 0: tar-stream turns a plain 0 into 0644 */, uid: 0, gid: 42, mtime },
    { name: 'etc/shadow-', type: 'link', linkname: 'etc/shadow' },
    { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
    { name: 'run/fifo', type: 'fifo', mode: 0o600 },
    { name: 'etc/link', type: 'symlink', linkname: 'shadow', mtime },
  ]);
  const bytes = await applyLayer(root, tar, { whiteouts: 'delete' });
  assert.is(bytes, 'secret'.length);
  const shadow = fs.lstatSync(path.join(root, 'etc/shadow'));
  assert.is(shadow.mode & 0o7777, 0);
  assert.is(shadow.gid, 42);
  assert.is(shadow.ino, fs.lstatSync(path.join(root, 'etc/shadow-')).ino);
  assert.is(shadow.mtime.getTime(), mtime.getTime());
  assert.is(fs.lstatSync(path.join(root, 'etc')).mtime.getTime(), mtime.getTime(), 'directory times are set after their contents');
  assert.is(fs.lstatSync(path.join(root, 'etc/link')).mtime.getTime(), mtime.getTime());
  const devNull = fs.lstatSync(path.join(root, 'dev/null'));
  assert.ok(devNull.isCharacterDevice());
  assert.is(devNull.mode & 0o777, 0o666);
  assert.ok(fs.lstatSync(path.join(root, 'run/fifo')).isFIFO());
  // the packer writes mode 0 as 0, not as tar-stream's default 0644
  const copy = tempDir();
  await applyLayer(copy, packDirectory(root), { whiteouts: 'delete' });
  assert.is(fs.lstatSync(path.join(copy, 'etc/shadow')).mode & 0o7777, 0);
  assert.is(fs.lstatSync(path.join(copy, 'etc/shadow')).ino, fs.lstatSync(path.join(copy, 'etc/shadow-')).ino);
});

test('a hard link to something not in the layer is refused', async () => {
  const root = tempDir();
  await rejects(applyLayer(root, tarOf([{ name: 'b', type: 'link', linkname: 'missing' }]), { whiteouts: 'delete' }), /hard link to "missing", which is not in the layer/);
});

test.run();
