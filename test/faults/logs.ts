// Issue 12 row 2: `logs` on a big log, and the json-file log rotating.
// Before: `logs --tail 3` of a 1 GB log printed nothing with rc 0
// (readFileSync threw ERR_STRING_TOO_LONG and it was swallowed), and
// --log-opt did not exist, so a log grew without bound.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { berth, ok, removeAll } from '../_berth.js';
import { berthRoot } from '../_helpers.js';

const logs = suite('logs: streamed, tailed from the end, rotated');
logs.after(removeAll);

const logFile = (id: string) => path.join(berthRoot(), 'containers', id, `${id}-json.log`);
const rotated = (id: string) => fs.readdirSync(path.dirname(logFile(id))).filter((f) => f.startsWith(`${id}-json.log`)).sort();

logs('a 1 GB log: logs --tail 3 prints exactly the last 3 lines and exits 0', async () => {
  // 16 KiB lines (one entry each, the fewest entries for the bytes), 1 GiB of them, then three we know;
  // the log is kept whole (max-size above its size).  Writing it takes ~20 s on an idle machine, minutes on a busy one.
  const script = 'yes "$(printf %016383d 0)" | head -c 1073741824; echo third-last; echo second-last; echo last';
  const id = (await ok(['run', '-d', '--log-opt', 'max-size=4g', '--log-opt', 'max-file=1', 'busybox', 'sh', '-c', script])).trim();
  assert.is((await ok(['wait', id], { timeoutMs: 780_000 })).trim(), '0');
  const size = fs.statSync(logFile(id)).size;
  assert.ok(size > 1024 ** 3, `the log holds more than 1 GiB (${size} bytes)`);
  const tail = await berth(['logs', '--tail', '3', id], { timeoutMs: 60_000 });
  assert.is(tail.stderr, '');
  assert.is(tail.code, 0);
  assert.is(tail.stdout, 'third-last\nsecond-last\nlast\n');
  const one = await ok(['logs', '-n', '1', '-t', id], { timeoutMs: 60_000 });
  assert.match(one, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z last\n$/);
  await ok(['rm', id]);
});

logs('--log-opt max-size/max-file rotate the log; logs and --tail read across the files', async () => {
  const id = (await ok(['run', '-d', '--log-opt', 'max-size=10k', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c', 'i=1; while [ $i -le 2000 ]; do echo line-$i; i=$((i+1)); done'])).trim();
  assert.is((await ok(['wait', id])).trim(), '0');
  assert.equal(rotated(id), [`${id}-json.log`, `${id}-json.log.1`, `${id}-json.log.2`]);
  for (const f of rotated(id)) assert.ok(fs.statSync(path.join(path.dirname(logFile(id)), f)).size <= 10_000, `${f} is at most max-size`);
  const all = (await ok(['logs', id])).split('\n').filter(Boolean);
  assert.is(all[all.length - 1], 'line-2000');
  const first = Number(all[0]!.slice(5));
  assert.ok(first > 1, 'the oldest lines were rotated away');
  assert.equal(all, Array.from({ length: 2001 - first }, (_, i) => `line-${first + i}`), 'oldest file first, no line lost or repeated between the files kept');
  // --tail reaching back into the rotated files
  const many = (await ok(['logs', '--tail', String(all.length - 3), id])).split('\n').filter(Boolean);
  assert.equal(many, all.slice(3));
  assert.is(await ok(['logs', '--tail', '2', id]), 'line-1999\nline-2000\n');
  const inspect = JSON.parse(await ok(['inspect', id]))[0];
  assert.equal(inspect.HostConfig.LogConfig, { Type: 'json-file', Config: { 'max-size': '10k', 'max-file': '3' } });
  await ok(['rm', id]);
});

logs('max-file=1 keeps one file, truncated when full', async () => {
  const id = (await ok(['run', '-d', '--log-opt', 'max-size=4k', '--log-opt', 'max-file=1', 'busybox', 'sh', '-c', 'i=1; while [ $i -le 500 ]; do echo line-$i; i=$((i+1)); done'])).trim();
  await ok(['wait', id]);
  assert.equal(rotated(id), [`${id}-json.log`]);
  assert.ok(fs.statSync(logFile(id)).size <= 4000);
  assert.match(await ok(['logs', id]), /line-500\n$/);
  await ok(['rm', id]);
});

logs('the default cap is max-size=20m, max-file=5, shown by inspect', async () => {
  const id = (await ok(['create', 'busybox', 'true'])).trim();
  const inspect = JSON.parse(await ok(['inspect', id]))[0];
  assert.equal(inspect.HostConfig.LogConfig, { Type: 'json-file', Config: { 'max-size': '20m', 'max-file': '5' } });
  await ok(['rm', id]);
});

logs('bad --log-opt values are refused as Docker refuses them', async () => {
  const before = await ok(['ps', '-aq']);
  for (const [opt, message] of [['max-size=abc', /invalid size/], ['max-file=0', /max-file cannot be less than 1/], ['compress=true', /unknown log opt 'compress'/], ['nonsense', /invalid key value pair/]] as const) {
    const result = await berth(['create', '--log-opt', opt, 'busybox', 'true']);
    assert.is(result.code, 125, opt);
    assert.match(result.stderr, message);
  }
  assert.is(await ok(['ps', '-aq']), before, 'nothing was created');
});

logs('logs -f follows across rotations and ends when the container exits', async () => {
  const id = (await ok(['run', '-d', '--log-opt', 'max-size=4k', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c', 'sleep 1; i=1; while [ $i -le 300 ]; do echo line-$i; i=$((i+1)); sleep 0.02; done'])).trim();
  const followed = await ok(['logs', '-f', id], { timeoutMs: 60_000 });
  assert.equal(followed.split('\n').filter(Boolean), Array.from({ length: 300 }, (_, i) => `line-${i + 1}`));
  assert.ok(rotated(id).length === 3, 'the log did rotate meanwhile');
  await ok(['rm', id]);
});

logs('--since and --until (Docker formats) pick entries by time', async () => {
  const id = (await ok(['run', '-d', 'busybox', 'sh', '-c', 'echo early; sleep 2; echo late'])).trim();
  await ok(['wait', id]);
  const lines = (await ok(['logs', '-t', id])).trim().split('\n');
  assert.is(lines.length, 2);
  const lateTime = lines[1]!.split(' ')[0]!;
  assert.is(await ok(['logs', '--since', lateTime, id]), 'late\n');
  assert.is(await ok(['logs', '--until', lateTime.replace(/\.\d+Z$/, 'Z'), '--since', '1h', id]), 'early\n');
  const unix = (Date.parse(lateTime) / 1000 - 0.5).toFixed(3);
  assert.is(await ok(['logs', '--since', unix, id]), 'late\n');
  assert.is(await ok(['logs', '--since', '2999-01-01', id]), '');
  assert.is(await ok(['logs', '--until', '2000-01-01T00:00:00Z', id]), '');
  const bad = await berth(['logs', '--since', 'yesterday', id]);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /failed to parse value as time or duration/);
  await ok(['rm', id]);
});

logs('a line longer than 16 KiB is kept whole by logs, and output without a newline is not lost', async () => {
  const id = (await ok(['run', '-d', 'busybox', 'sh', '-c', 'head -c 40000 /dev/zero | tr "\\0" x; echo; printf tail-without-newline'])).trim();
  await ok(['wait', id]);
  const out = await ok(['logs', id]);
  assert.is(out, `${'x'.repeat(40000)}\ntail-without-newline`);
  assert.is(await ok(['logs', '--tail', '1', id]), 'tail-without-newline');
  // one entry per line (16 KiB pieces counted as the line they make up is Docker's json-file; berth counts the
  // pieces too, so the long line is 3 entries): --tail 4 is the whole long line and the last one
  assert.is(await ok(['logs', '--tail', '4', id]), `${'x'.repeat(40000)}\ntail-without-newline`);
  const raw = fs.readFileSync(logFile(id), 'utf8').trim().split('\n').map((l) => JSON.parse(l).log as string);
  assert.equal(raw.map((l) => l.length), [16384, 16384, 40001 - 2 * 16384, 'tail-without-newline'.length], 'entries are split at newlines, 16 KiB at most');
  await ok(['rm', id]);
});

logs.run();
