// The CLI's progress renderer: on a terminal each layer is one line redrawn
// in place with a bar, within 80 columns, coloured unless NO_COLOR; into a
// pipe, Docker's plain lines, one per change, with no escape codes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { BenchEvent, PullEvent } from '../../src/engine/index.js';
import { benchRow, screenFor, transferPrinter, transferRow } from '../../src/cli/progress/index.js';
import { Terminal } from './_terminal.js';

const test = suite('cli/progress');
const A = 'a1b2c3d4e5f6';
const B = '0123456789ab';
const digest = (id: string) => `sha256:${id}${'0'.repeat(52)}`;
const layer = (id: string, status: 'Pulling fs layer' | 'Downloading' | 'Download complete', current?: number, total?: number): PullEvent =>
  ({ type: 'layer', id, digest: digest(id), status, ...(current !== undefined ? { current, total } : {}) });

/** A pull of two layers, as the registry client reports it. */
const PULL: PullEvent[] = [
  { type: 'start', action: 'pull', repository: 'library/busybox', reference: 'latest' },
  layer(A, 'Pulling fs layer'),
  layer(B, 'Pulling fs layer'),
  layer(A, 'Downloading', 1_200_000, 3_400_000),
  layer(B, 'Downloading', 500, 1000),
  layer(A, 'Downloading', 1_200_000, 3_400_000),
  layer(A, 'Downloading', 3_400_000, 3_400_000),
  layer(A, 'Download complete'),
  { type: 'digest', digest: digest('ff') },
  { type: 'status', text: 'Status: Downloaded newer image for busybox:latest' },
];

/** A pipe: what `berth pull busybox 2>&1 | cat` writes. */
class Pipe {
  text = '';
  write(s: string) { this.text += s; return true; }
}

test('into a pipe: Docker\'s lines, one per change, no escape codes and no bars', () => {
  const pipe = new Pipe();
  const print = transferPrinter(pipe);
  for (const event of PULL) print(event);
  assert.equal(pipe.text.split('\n').slice(0, -1), [
    'latest: Pulling from library/busybox',
    `${A}: Pulling fs layer`,
    `${B}: Pulling fs layer`,
    `${A}: Downloading 1.2MB/3.4MB`,
    `${B}: Downloading 500B/1kB`,
    // the repeated 1.2MB event printed nothing
    `${A}: Downloading 3.4MB/3.4MB`,
    `${A}: Download complete`,
    `Digest: ${digest('ff')}`,
    'Status: Downloaded newer image for busybox:latest',
  ]);
  assert.not.match(pipe.text, /\x1b|\[=/);
});

test('on a terminal: one line per layer, redrawn in place, the bar and the bytes on it', () => {
  const term = new Terminal(80);
  const print = transferPrinter(term);
  for (const event of PULL.slice(0, 5)) print(event);
  let screen = term.screen();
  assert.is(screen.length, 3, screen.join('\n'));
  assert.is(screen[0], 'latest: Pulling from library/busybox');
  assert.match(screen[1]!, new RegExp(`^${A}: Downloading \\[=+>\\s+\\]\\s+1\\.2MB/3\\.4MB$`));
  assert.match(screen[2]!, new RegExp(`^${B}: Downloading \\[=+>\\s+\\]\\s+500B/1kB$`));
  // 1.2 of 3.4 MB fills about a third of the bar; 500 of 1000 B half of it.
  const filled = (line: string) => /\[(=*)/.exec(line)![1]!.length / (/\[([^\]]*)\]/.exec(line)![1]!.length);
  assert.ok(Math.abs(filled(screen[1]!) - 1.2 / 3.4) < 0.05, screen[1]);
  assert.ok(Math.abs(filled(screen[2]!) - 0.5) < 0.05, screen[2]);
  for (const event of PULL.slice(5)) print(event);
  screen = term.screen();
  assert.equal(screen, [
    'latest: Pulling from library/busybox',
    `${A}: Download complete`,
    screen[2]!,
    `Digest: ${digest('ff')}`,
    'Status: Downloaded newer image for busybox:latest',
  ]);
  assert.match(screen[2]!, new RegExp(`^${B}: Downloading `), 'the other layer stays where it was');
  assert.match(term.raw, /\x1b\[2A/, 'the first layer was reached by moving up over the second');
});

test('80 columns: long lines are cut, the bar shrinks to fit; a narrow terminal gets no bar', () => {
  const term = new Terminal(80);
  const print = transferPrinter(term);
  print({ type: 'phase', work: 'debootstrap', name: 'Retrieving', text: `I: Retrieving ${'a-very-long-package-name-'.repeat(6)}1.0` });
  print(layer(A, 'Downloading', 123_456_789, 987_654_321));
  for (const line of term.screen()) assert.ok(line.length < 80, `${line.length}: ${line}`);
  assert.match(term.screen()[1]!, /\[=+>\s+\] 123MB\/988MB$/);
  const narrow = new Terminal(40);
  transferPrinter(narrow)(layer(A, 'Downloading', 1_200_000, 3_400_000));
  assert.equal(narrow.screen(), [`${A}: Downloading 1.2MB/3.4MB`]);
});

test('the bar keeps its width while the numbers grow (65.1kB/8MB, then 1.27MB/8MB)', () => {
  const term = new Terminal(80);
  const screen = screenFor(term, { NO_COLOR: '1' });
  const widths: number[] = [];
  for (const current of [65_100, 1_270_000, 8_000_000]) {
    screen.show(transferRow(layer(A, 'Downloading', current, 8_000_000)));
    widths.push(/\[[^\]]*\]/.exec(term.screen()[0]!)![0].length);
  }
  assert.equal(widths, [widths[0], widths[0], widths[0]], term.screen()[0]);
});

test('colour on a terminal, none with NO_COLOR; TERM=dumb gets the plain lines', () => {
  const coloured = new Terminal();
  const bar = transferRow(layer(A, 'Downloading', 1, 2));
  screenFor(coloured, {}).show(bar);
  assert.match(coloured.raw, /\x1b\[32m=+>\x1b\[39m/);
  const plain = new Terminal();
  screenFor(plain, { NO_COLOR: '1' }).show(bar);
  assert.not.match(plain.raw, /\x1b\[\d*m/);
  assert.match(plain.raw, /\[=+>\s+\]/, 'still a bar: NO_COLOR takes the colour, not the bar');
  const dumb = new Terminal();
  screenFor(dumb, { TERM: 'dumb' }).show(bar);
  assert.is(dumb.raw, `${A}: Downloading 1B/2B\n`);
});

test('raw output (a RUN step) ends the rows above it: a later layer is a new line, never drawn over the output', () => {
  const term = new Terminal();
  const screen = screenFor(term, {});
  screen.show(transferRow(layer(A, 'Pulling fs layer')));
  screen.write('hello from RUN');
  screen.show(transferRow(layer(A, 'Download complete')));
  assert.equal(term.screen(), [`${A}: Pulling fs layer`, 'hello from RUN', `${A}: Download complete`]);
});

test('the bench: one row per suite with its rounds as a bar; the same lines as before into a pipe', () => {
  const events: BenchEvent[] = [
    { type: 'bench', suite: 'startup', text: 'starting' },
    { type: 'bench', suite: 'startup', text: 'round 1/4: cli', round: 1, rounds: 4 },
    { type: 'bench', suite: 'startup', text: 'round 4/4: cli', round: 4, rounds: 4 },
    { type: 'bench', suite: 'cpu', text: 'starting' },
    { type: 'bench', text: 'cleaning up' },
  ];
  const pipe = new Pipe();
  const lines = screenFor(pipe, {});
  for (const event of events) lines.show(benchRow(event));
  assert.is(pipe.text, '[startup] starting\n[startup] round 1/4: cli\n[startup] round 4/4: cli\n[cpu] starting\ncleaning up\n');
  const term = new Terminal();
  const rows = screenFor(term, { NO_COLOR: '1' });
  for (const event of events) rows.show(benchRow(event));
  assert.is(term.screen().length, 3);
  assert.match(term.screen()[0]!, /^\[startup\] round 4\/4: cli \[=+\]/);
  assert.equal(term.screen().slice(1), ['[cpu] starting', 'cleaning up']);
});

test.run();
