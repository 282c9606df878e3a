// The lab's output panel draws the CLI's piped progress as bars: one row per
// layer (its latest line, however many the pull printed), one per bench
// suite, within the panel's width.
import { createElement } from 'react';
import { render } from 'ink-testing-library';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ProgressOutput } from '../../src/tui/components/ProgressOutput.js';
import { foldProgress } from '../../src/tui/components/progress-rows.js';

const test = suite('tui/progress-output');
const A = 'a1b2c3d4e5f6';
const B = '0123456789ab';

/** What `berth pull busybox` writes into the lab's pipe (lessons/runner.ts). */
const PULL = [
  'latest: Pulling from library/busybox',
  `${A}: Pulling fs layer`,
  `${B}: Pulling fs layer`,
  `${A}: Downloading 1.2MB/3.4MB`,
  `${B}: Downloading 500kB/1MB`,
  `${A}: Downloading 3.4MB/3.4MB`,
  `${A}: Download complete`,
  '',
].join('\n');

test('a pull folds into one row per layer, in first-seen order, each at its latest state', () => {
  assert.equal(foldProgress(PULL), [
    { text: 'latest: Pulling from library/busybox' },
    { key: A, text: `${A}: Download complete` },
    { key: B, text: `${B}: Downloading`, fraction: 0.5, amount: '500kB/1MB' },
  ]);
  const more = `${PULL}Digest: sha256:ff\n${A}: Extracting\n`;
  assert.equal(foldProgress(more).slice(-2), [{ text: 'Digest: sha256:ff' }, { key: A, text: `${A}: Extracting` }], 'after a plain line a layer starts a new row');
});

test('the panel draws a half-full bar for the layer half downloaded, and fits its width', () => {
  const { lastFrame, unmount } = render(createElement(ProgressOutput, { text: PULL, rows: 5, width: 50 }));
  const lines = lastFrame()!.split('\n');
  unmount();
  assert.is(lines.length, 3, lastFrame());
  assert.is(lines[1], `${A}: Download complete`);
  const bar = /^0123456789ab: Downloading (━*)(─*) 500kB\/1MB$/.exec(lines[2]!);
  assert.ok(bar, lines[2]);
  assert.is(bar![1]!.length, bar![2]!.length, 'half of the bar is filled');
  for (const line of lines) assert.ok(line.length <= 50, line);
});

test('bench rounds fold into a row per suite with a bar; only the last rows are shown', () => {
  const text = '[startup] starting\n[startup] round 1/4: cli\n[startup] round 3/4: cli\n[cpu] starting\n';
  assert.equal(foldProgress(text), [
    { key: '[startup]', text: '[startup] round 3/4: cli', fraction: 0.75 },
    { key: '[cpu]', text: '[cpu] starting' },
  ]);
  const { lastFrame, unmount } = render(createElement(ProgressOutput, { text, rows: 1, width: 60 }));
  assert.is(lastFrame(), '[cpu] starting');
  unmount();
});

test.run();
