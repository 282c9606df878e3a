// USER resolution against a fixture rootfs, with Docker's rules and wording,
// and the hostile images that try to make berth read host files.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultEnv, DEFAULT_PATH, resolveUser } from '../../../src/engine/runtime/user.js';
import { readRootfsFile, resolveInRootfs } from '../../../src/engine/runtime/in-rootfs.js';
import { outsideDir, tempDir } from '../../_helpers.js';

const PASSWD = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
# a comment, and a broken line that must not become uid 0:
broken:x:notanumber:0::/broken:/bin/sh
app:x:1000:1000:App:/home/app:/bin/sh
1001:x:2000:2000:named like a number:/home/numeric:/bin/sh
nohome:x:1002:1002::
`;
const GROUP = `root:x:0:
daemon:x:1:
wheel:x:10:app,root
docker:x:999:app
app:x:1000:
staff:x:50:
`;

function fixture(files: Record<string, string> = { 'etc/passwd': PASSWD, 'etc/group': GROUP }): string {
  const rootfs = tempDir('rootfs-');
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(rootfs, name)), { recursive: true });
    fs.writeFileSync(path.join(rootfs, name), text);
  }
  return rootfs;
}

const resolve = suite('user: resolveUser');
let rootfs = '';
resolve.before(() => { rootfs = fixture(); });

resolve('no USER is root, with root\'s home and groups', () => {
  assert.equal(resolveUser(rootfs, ''), { uid: 0, gid: 0, additionalGids: [0, 10], home: '/root' });
  assert.equal(resolveUser(rootfs, undefined), resolveUser(rootfs, 'root'));
});

resolve('a name gives its uid, gid, home and the groups that list it', () => {
  assert.equal(resolveUser(rootfs, 'app'), { uid: 1000, gid: 1000, additionalGids: [1000, 10, 999], home: '/home/app' });
  assert.equal(resolveUser(rootfs, 'daemon'), { uid: 1, gid: 1, additionalGids: [1], home: '/usr/sbin' });
  assert.is(resolveUser(rootfs, 'nohome').home, '/');
});

resolve('a uid is looked up by number, never as a name', () => {
  assert.equal(resolveUser(rootfs, '1000'), resolveUser(rootfs, 'app'));
  assert.equal(resolveUser(rootfs, '1001'), { uid: 1001, gid: 0, additionalGids: [0], home: '/' }, 'not the user named "1001"');
});

resolve('a uid passwd does not know is allowed, with gid 0 and home /', () => {
  assert.equal(resolveUser(rootfs, '4242'), { uid: 4242, gid: 0, additionalGids: [0], home: '/' });
});

resolve('an explicit group replaces the primary and the supplementary groups', () => {
  assert.equal(resolveUser(rootfs, 'app:staff'), { uid: 1000, gid: 50, additionalGids: [50], home: '/home/app' });
  assert.equal(resolveUser(rootfs, 'app:77'), { uid: 1000, gid: 77, additionalGids: [77], home: '/home/app' });
  assert.equal(resolveUser(rootfs, '1000:1000'), { uid: 1000, gid: 1000, additionalGids: [1000], home: '/home/app' });
  assert.equal(resolveUser(rootfs, '4242:docker'), { uid: 4242, gid: 999, additionalGids: [999], home: '/' });
  assert.equal(resolveUser(rootfs, ':staff'), { uid: 0, gid: 50, additionalGids: [50], home: '/root' });
});

resolve('unknown names fail with Docker\'s words, as BerthError invalid', () => {
  const cases: Array<[string, RegExp]> = [
    ['nobody', /^unable to find user nobody: no matching entries in passwd file$/],
    ['broken', /unable to find user broken/],
    ['app:nogroup', /^unable to find group nogroup: no matching entries in group file$/],
    ['99999999999', /must be in range 0-2147483647/],
    ['a:b:c', /invalid user "a:b:c"/],
  ];
  for (const [spec, pattern] of cases) {
    try {
      resolveUser(rootfs, spec);
      assert.unreachable(`${spec} should fail`);
    } catch (error) {
      assert.match((error as Error).message, pattern);
      assert.is((error as { kind?: string }).kind, 'invalid', spec);
    }
  }
});

resolve('an image without /etc/passwd runs numeric users but not names', () => {
  const bare = fixture({ 'bin/.keep': '' });
  assert.equal(resolveUser(bare, ''), { uid: 0, gid: 0, additionalGids: [0], home: '/' });
  assert.equal(resolveUser(bare, '1000:1000'), { uid: 1000, gid: 1000, additionalGids: [1000], home: '/' });
  assert.throws(() => resolveUser(bare, 'app'), /unable to find user app/);
});

resolve.run();

const hostile = suite('user: hostile images cannot make berth read host files');
let outside = '';
hostile.before(() => {
  outside = outsideDir();
  // What the host holds and an image must never see: a passwd naming "evil".
  fs.writeFileSync(path.join(outside, 'passwd'), 'evil:x:0:0:evil:/evil:/bin/sh\n');
});
hostile.after(() => { fs.rmSync(outside, { recursive: true, force: true }); });

hostile('/etc/passwd -> an absolute host path resolves inside the rootfs (and is missing there)', () => {
  const r = fixture({ 'bin/.keep': '' });
  fs.mkdirSync(path.join(r, 'etc'));
  fs.symlinkSync(path.join(outside, 'passwd'), path.join(r, 'etc', 'passwd'));
  assert.is(resolveInRootfs(r, '/etc/passwd'), path.join(fs.realpathSync(r), outside, 'passwd'));
  assert.throws(() => resolveUser(r, 'evil'), /unable to find user evil/);
  assert.equal(resolveUser(r, '0'), { uid: 0, gid: 0, additionalGids: [0], home: '/' });
});

hostile('/etc/passwd -> ../../../../.. stops at the rootfs\'s root', () => {
  const r = fixture({ 'bin/.keep': '' });
  fs.mkdirSync(path.join(r, 'etc'));
  fs.symlinkSync('../'.repeat(30) + outside.slice(1) + '/passwd', path.join(r, 'etc', 'passwd'));
  assert.throws(() => resolveUser(r, 'evil'), /unable to find user evil/);
});

hostile('/etc -> a host directory is followed inside the rootfs too', () => {
  const r = fixture({ 'bin/.keep': '' });
  fs.symlinkSync(outside, path.join(r, 'etc'));
  assert.throws(() => resolveUser(r, 'evil'), /unable to find user evil/);
  assert.is(readRootfsFile(r, '/etc/passwd'), undefined);
});

hostile('a symlink that stays inside the rootfs is followed', () => {
  const r = fixture({ 'usr/share/base-passwd/passwd': 'web:x:33:33::/var/www:/bin/sh\n' });
  fs.mkdirSync(path.join(r, 'etc'));
  fs.symlinkSync('../usr/share/base-passwd/passwd', path.join(r, 'etc', 'passwd'));
  assert.equal(resolveUser(r, 'web'), { uid: 33, gid: 33, additionalGids: [33], home: '/var/www' });
  // ...also an absolute one, which means the rootfs's own /usr.
  fs.rmSync(path.join(r, 'etc', 'passwd'));
  fs.symlinkSync('/usr/share/base-passwd/passwd', path.join(r, 'etc', 'passwd'));
  assert.is(resolveUser(r, 'web').uid, 33);
});

hostile('a fifo, a directory or a symlink loop is refused, not read', () => {
  const fifo = fixture({ 'bin/.keep': '' });
  fs.mkdirSync(path.join(fifo, 'etc'));
  execFileSync('mkfifo', [path.join(fifo, 'etc', 'passwd')]);
  assert.throws(() => resolveUser(fifo, 'app'), /\/etc\/passwd in the image is not a regular file/);

  const dir = fixture({ 'etc/passwd/.keep': '' });
  assert.throws(() => resolveUser(dir, 'app'), /not a regular file/);

  const loop = fixture({ 'bin/.keep': '' });
  fs.mkdirSync(path.join(loop, 'etc'));
  fs.symlinkSync('passwd2', path.join(loop, 'etc', 'passwd'));
  fs.symlinkSync('passwd', path.join(loop, 'etc', 'passwd2'));
  assert.throws(() => resolveUser(loop, 'app'), /too many levels of symbolic links/);
});

hostile.run();

const env = suite('user: defaultEnv');

env('adds PATH, HOSTNAME and HOME when absent, in Docker\'s order', () => {
  assert.equal(defaultEnv(['FOO=bar'], { home: '/home/app' }, 'c0ffee'),
    [`PATH=${DEFAULT_PATH}`, 'HOSTNAME=c0ffee', 'FOO=bar', 'HOME=/home/app']);
  assert.equal(defaultEnv([], { home: '/' }), [`PATH=${DEFAULT_PATH}`, 'HOME=/']);
});

env('keeps what the image or user set, later values winning in place', () => {
  assert.equal(defaultEnv(['PATH=/opt/bin', 'HOME=/data', 'A=1', 'A=2', 'HOSTNAME=mine'], { home: '/root' }, 'c0ffee', true),
    ['PATH=/opt/bin', 'HOSTNAME=mine', 'TERM=xterm', 'HOME=/data', 'A=2']);
});

env.run();
