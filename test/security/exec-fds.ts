// Only stdio crosses into a container (issue 11 row 6).  The caller of
// `berth exec` (or `run`) holds a host directory open on fd 50 (`exec 50<dir`
// in bash), as a shell, an editor or a CI runner easily does: the process in
// the container must see nothing but 0, 1 and 2 in /proc/self/fd, and so
// cannot reach the host through /proc/self/fd/50/../.. .  The same for a
// health probe, which the monitor forks into the container.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { berthFromBash, ok, removeAll } from '../_berth.js';
import { eventually, outsideDir } from '../_helpers.js';

const test = suite('security: only stdio crosses into a container');

let outside = '';
let canary = '';

/** The fds above 2 that the shell in the container has ($$ itself, so no listing fd gets in the way). */
const LIST_FDS = 'for n in $(seq 3 255); do [ -e /proc/$$/fd/$n ] && echo "fd $n -> $(readlink /proc/$$/fd/$n)"; done; true';
/** Tries the way out through a leaked fd 50 and the fds just above stdio. */
const ESCAPE = 'for n in 3 4 5 50; do cat /proc/self/fd/$n/canary 2>/dev/null && echo "read through $n"; (echo pwned > /proc/self/fd/$n/canary) 2>/dev/null && echo "wrote through $n"; ls /proc/self/fd/$n/../.. 2>/dev/null | grep -q . && echo "listed through $n"; done; true';

/** berth with the given args, from bash holding `outside` open on fds 3, 4 and 50. */
function withLeakedFds(args: readonly string[]) {
  return berthFromBash('exec 3<"$OUTSIDE" 4<"$OUTSIDE" 50<"$OUTSIDE"; ls -l /proc/$$/fd/50 >&2', args, { OUTSIDE: outside });
}

test.before(async () => {
  await ok(['pull', 'busybox']);
  outside = outsideDir('berth-exec-fds-');
  canary = path.join(outside, 'canary');
  fs.writeFileSync(canary, 'canary\n');
  await ok(['run', '-d', '--name', 'fds', 'busybox', 'sleep', '600']);
});

// each test starts from an intact canary, so that one test's escape does not fail the next
test.before.each(() => {
  fs.writeFileSync(canary, 'canary\n');
});

test.after(async () => {
  await removeAll();
  if (outside) fs.rmSync(outside, { recursive: true, force: true });
});

test('berth exec: the process sees only 0, 1 and 2, whatever fds its caller holds', async () => {
  const r = await withLeakedFds(['exec', 'fds', 'sh', '-c', LIST_FDS]);
  assert.match(r.stderr, /50 -> /, 'bash did hold the directory on fd 50');
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '', 'no fd above 2 in the container');
});

test('berth exec: no way out through /proc/self/fd/N; the canary is untouched', async () => {
  const r = await withLeakedFds(['exec', 'fds', 'sh', '-c', ESCAPE]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '');
  assert.is(fs.readFileSync(canary, 'utf8'), 'canary\n');
});

test('berth exec -u 1000: the same', async () => {
  const r = await withLeakedFds(['exec', '-u', '1000', 'fds', 'sh', '-c', LIST_FDS]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '');
});

test("berth run: the container's process sees only 0, 1 and 2", async () => {
  const r = await withLeakedFds(['run', '--rm', 'busybox', 'sh', '-c', `${LIST_FDS}; ${ESCAPE}`]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '');
  assert.is(fs.readFileSync(canary, 'utf8'), 'canary\n');
});

test('a health probe sees only 0, 1 and 2 (the monitor forks it into the container)', async () => {
  const cmd = `${LIST_FDS}; ${ESCAPE}; echo probed`;
  const r = await withLeakedFds(['run', '-d', '--name', 'probed', '--health-cmd', cmd, '--health-interval', '100ms', 'busybox', 'sleep', '600']);
  assert.is(r.code, 0, r.stderr);
  const log = await eventually(async () => {
    const text = (await ok(['inspect', '-f', '{{json .State.Health.Log}}', 'probed'])).trim();
    const entries = text === 'null' ? [] : (JSON.parse(text) as Array<{ ExitCode: number; Output: string }>);
    return entries.length ? entries : undefined;
  }, 15_000, 'a health probe');
  assert.is(log[0]!.Output, 'probed\n');
  assert.is(log[0]!.ExitCode, 0);
  assert.is(fs.readFileSync(canary, 'utf8'), 'canary\n');
  await ok(['rm', '-f', 'probed']);
});

test.run();
