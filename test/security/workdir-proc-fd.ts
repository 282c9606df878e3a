// CVE-2024-21626: `-w /proc/self/fd/N`, where N is a host directory fd that
// the helper still holds when it chdir()s, would start the process with a cwd
// outside the container's root (and `..` from there walks the host).  The
// caller holds a host directory on fds 3 to 10 and 50 (and on stdin, which does
// cross); every `run -w` and `exec -w` is refused or gets a cwd inside the
// rootfs, and the canary next to that directory is neither read nor written.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { berthFromBash, ok, removeAll } from '../_berth.js';
import { outsideDir } from '../_helpers.js';

const test = suite('security: -w /proc/self/fd/N stays inside the container (CVE-2024-21626)');

let outside = '';
let canary = '';
// 3..10 as in runc's tests, and 50: Node closes the low ones before berth-exec on its own, a high one got through
const FDS = [3, 4, 5, 6, 7, 8, 9, 10, 50];
/** In the container: where am I, and can I reach the canary from here? */
const PROBE = 'pwd; cat canary 2>/dev/null && echo READ; (echo pwned > canary) 2>/dev/null && echo WROTE; ls ../../.. 2>/dev/null | head -50; true';

interface Result { code: number; stdout: string; stderr: string }

/** berth from bash with `outside` open on every fd in FDS (and on stdin with stdinDir). */
function withDirFds(args: readonly string[], stdinDir = false): Promise<Result> {
  const opens = FDS.map((n) => `exec ${n}<"$OUTSIDE"`).join('; ');
  return berthFromBash(`${opens}${stdinDir ? '; exec 0<"$OUTSIDE"' : ''}`, args, { OUTSIDE: outside });
}

/** Refused (non-zero, nothing printed) or run with a cwd that is a path in the rootfs. */
function assertContained(r: Result, what: string): void {
  assert.not.match(r.stdout, /READ|WROTE/, `${what}: reached the canary\n${r.stdout}`);
  assert.not.ok(r.stdout.includes(path.basename(outside)), `${what}: saw the host directory\n${r.stdout}`);
  assert.is(fs.readFileSync(canary, 'utf8'), 'canary\n', `${what}: the canary is untouched`);
  if (r.code === 0) {
    const cwd = r.stdout.split('\n')[0] ?? '';
    assert.ok(cwd.startsWith('/') && !cwd.includes('unreachable'), `${what}: cwd ${cwd}`);
    assert.not.ok(/\b(boot|lost\+found|work)\b/.test(r.stdout), `${what}: listed the host's /\n${r.stdout}`);
  } else {
    assert.match(r.stderr, /chdir|working directory|outside|no such file|not a directory/i, `${what}: refused with a reason\n${r.stderr}`);
  }
}

test.before(async () => {
  await ok(['pull', 'busybox']);
  outside = outsideDir('berth-workdir-');
  canary = path.join(outside, 'canary');
  await ok(['run', '-d', '--name', 'wd', 'busybox', 'sleep', '600']);
  await ok(['run', '-d', '--name', 'wd-runc', '--runtime', 'runc', 'busybox', 'sleep', '600']);
});

test.before.each(() => {
  fs.writeFileSync(canary, 'canary\n');
});

test.after(async () => {
  await removeAll();
  if (outside) fs.rmSync(outside, { recursive: true, force: true });
});

test('exec -w /proc/self/fd/N, N = 3..10 and 50 held by the caller: refused or inside the rootfs', async () => {
  for (const n of FDS) {
    const r = await withDirFds(['exec', '-w', `/proc/self/fd/${n}`, 'wd', 'sh', '-c', PROBE]);
    assertContained(r, `exec -w /proc/self/fd/${n}`);
  }
});

test('exec -w /proc/self/fd/0 with a host directory on stdin (stdio does cross): refused, cwd outside the root', async () => {
  const r = await withDirFds(['exec', '-w', '/proc/self/fd/0', 'wd', 'sh', '-c', PROBE], true);
  assertContained(r, 'exec -w /proc/self/fd/0');
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /outside the container's root/);
});

test('run -w /proc/self/fd/N, N = 3..10 and 50: refused or inside the rootfs', async () => {
  for (const n of FDS) {
    const r = await withDirFds(['run', '--rm', '-w', `/proc/self/fd/${n}`, 'busybox', 'sh', '-c', PROBE]);
    assertContained(r, `run -w /proc/self/fd/${n}`);
  }
});

test('--runtime runc: exec -w and run -w /proc/self/fd/N the same', async () => {
  for (const n of [3, 5, 7, 10, 50]) {
    assertContained(await withDirFds(['exec', '-w', `/proc/self/fd/${n}`, 'wd-runc', 'sh', '-c', PROBE]), `runc exec -w /proc/self/fd/${n}`);
    assertContained(await withDirFds(['run', '--rm', '--runtime', 'runc', '-w', `/proc/self/fd/${n}`, 'busybox', 'sh', '-c', PROBE]), `runc run -w /proc/self/fd/${n}`);
  }
});

test.run();
