// Issue 12 row 7: GNU sparse files in a layer are written sparse, with their
// real size.  Before: tar-stream knows none of GNU's sparse formats, and a
// 1 TB sparse file made by GNU tar came out as a 0-byte file, without error.
// Tars made by GNU tar itself, in each of its sparse formats, through
// `berth import` and `berth run`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import tarStream, { type Header } from 'tar-stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { berth, ok, removeAll } from '../_berth.js';
import { tempDir } from '../_helpers.js';

const TB = 1024 ** 4;
const sparse = suite('sparse files stay sparse');
let dir: string;

sparse.before(() => {
  // on the test's own filesystem (under BERTH_ROOT): 1 TiB apparent, a few KiB used
  dir = tempDir('sparse-');
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.copyFileSync('/bin/busybox', path.join(dir, 'bin', 'busybox'));
  fs.chmodSync(path.join(dir, 'bin', 'busybox'), 0o755);
  fs.symlinkSync('busybox', path.join(dir, 'bin', 'sh'));
  const big = path.join(dir, 'big');
  fs.closeSync(fs.openSync(big, 'w'));
  fs.truncateSync(big, TB);
  const fd = fs.openSync(big, 'r+');
  fs.writeSync(fd, 'hello', 1_000_000);
  fs.writeSync(fd, 'world', TB - 4096);
  fs.closeSync(fd);
  // a file with many holes: more segments than an old GNU header holds (extension blocks)
  const many = path.join(dir, 'many');
  fs.closeSync(fs.openSync(many, 'w'));
  fs.truncateSync(many, 64 * 1024 * 1024);
  const m = fs.openSync(many, 'r+');
  for (let i = 1; i <= 30; i++) fs.writeSync(m, `segment-${i}`, i * 2_000_000);
  fs.closeSync(m);
  fs.writeFileSync(path.join(dir, 'after'), 'after the sparse files\n');
  assert.ok(fs.statSync(big).blocks * 512 < 1024 * 1024, 'the source file is sparse');
});
sparse.after(removeAll);

const FORMATS: Array<[string, string[]]> = [
  ['old GNU (--format=gnu)', ['--format=gnu']],
  ['PAX 1.0 (--format=posix)', ['--format=posix']],
  ['PAX 0.1', ['--format=posix', '--sparse-version=0.1']],
  ['PAX 0.0', ['--format=posix', '--sparse-version=0.0']],
];

for (const [i, [what, flags]] of FORMATS.entries()) {
  sparse(`${what}: import + run sees a 1 TiB file, with its data, taking little space`, async () => {
    const file = path.join(tempDir('sparse-tar-'), 'image.tar');
    const made = spawnSync('tar', ['--sparse', ...flags, '-C', dir, '-cf', file, 'bin', 'big', 'many', 'after'], { encoding: 'utf8' });
    assert.is(made.status, 0, made.stderr);
    const image = `sparse-${i}`;
    await ok(['import', file, image]);
    const script = 'stat -c %s /big; du -k /big | cut -f1; dd if=/big bs=1 skip=1000000 count=5 2>/dev/null; echo; dd if=/big bs=4096 skip=268435455 count=1 2>/dev/null | head -c 5; echo; md5sum /many | cut -d" " -f1; cat /after';
    const out = (await ok(['run', '--rm', '--net', 'none', image, '/bin/busybox', 'sh', '-c', script.replace(/(^|; )(stat|du|dd|md5sum|cat|cut|head)/g, '$1/bin/busybox $2').replace(/\| (cut|head)/g, '| /bin/busybox $1')])).split('\n');
    assert.is(out[0], String(TB), 'the real size');
    assert.ok(Number(out[1]) < 1024, `little space used inside (${out[1]} KiB)`);
    assert.is(out[2], 'hello');
    assert.is(out[3], 'world');
    const md5 = spawnSync('md5sum', [path.join(dir, 'many')], { encoding: 'utf8' }).stdout.split(' ')[0];
    assert.is(out[4], md5, 'the file with many holes has the same content');
    assert.is(out[5], 'after the sparse files', 'the entries after the sparse ones are read at the right place');
    await ok(['rmi', image]);
  });
}

sparse('a sparse format berth does not know is refused, naming the entry', async () => {
  const pack = tarStream.pack();
  pack.entry({ name: 'odd', size: 5, mode: 0o644, pax: { 'GNU.sparse.major': '2', 'GNU.sparse.minor': '0', 'GNU.sparse.realsize': '100' } } as unknown as Header, 'hello');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of Readable.from(pack as unknown as AsyncIterable<Buffer>)) chunks.push(Buffer.from(c as Uint8Array));
  const file = path.join(tempDir('sparse-odd-'), 'odd.tar');
  fs.writeFileSync(file, Buffer.concat(chunks));
  const result = await berth(['import', file, 'odd-sparse']);
  assert.is.not(result.code, 0);
  assert.match(result.stderr, /layer entry "odd" is a GNU sparse file of format 2\.0, which berth cannot unpack/);
});

sparse.run();
