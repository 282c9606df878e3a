// The lab's screens through ink-testing-library, with the real berth
// command behind them: open the menu, enter a lesson, type a command, see the
// check pass, ask a hint, quit and resume at the same step.
import path from 'node:path';
import { createElement } from 'react';
import { render } from 'ink-testing-library';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Engine } from '../../src/engine/engine.js';
import { PACKAGE_ROOT } from '../../src/engine/sys.js';
import { lessonFiles, loadLessons } from '../../src/lessons/loader.js';
import { loadProgress } from '../../src/lessons/progress.js';
import { App } from '../../src/tui/App.js';
import { removeAll } from '../_berth.js';
import { eventually, tempDir } from '../_helpers.js';

const tui = suite('berth learn screens');
let engine: Engine | undefined;
const openEngine = async () => (engine ??= await Engine.open());
let progressPath: string;
const DOWN = '\x1B[B';

function lab(files = lessonFiles()) {
  const lessons = loadLessons(files);
  return render(createElement(App, { lessons, present: new Set<string>(), openEngine, progressPath, recheckMs: 0 }));
}

const frame = (app: ReturnType<typeof render>) => app.lastFrame() ?? '';
const see = (app: ReturnType<typeof render>, text: string | RegExp, ms = 60_000) =>
  eventually(() => (typeof text === 'string' ? frame(app).includes(text) : text.test(frame(app))), ms, `${text} on screen; last frame:\n${frame(app)}`).catch((error) => {
    throw new Error(`${(error as Error).message}\n${frame(app)}`);
  });
const type = async (app: ReturnType<typeof render>, text: string) => {
  app.stdin.write(text);
  await new Promise((r) => setTimeout(r, 60));
};

tui.before(() => {
  progressPath = path.join(tempDir('config-'), 'progress.json');
});

tui.after(async () => {
  await removeAll();
  await engine?.shutdown();
});

tui('menu → Hello world → type a command → check passes → hint → quit → resume at the same step', async () => {
  const app = lab();
  await see(app, 'Hello world');
  assert.match(frame(app), /What's a container\?/);
  await type(app, DOWN);
  await type(app, DOWN);
  await type(app, '\r');
  await see(app, 'step 1/4: Pull busybox');
  await see(app, '$ ', 30_000);
  await eventually(() => !frame(app).includes('Cleaning up'), 30_000, 'cleanup to end');
  await type(app, 'docker pull busybox');
  await see(app, '$ docker pull busybox');
  await type(app, '\r');
  await see(app, '✔ Step done', 60_000);
  assert.match(frame(app), /The lab runs berth for docker/);
  assert.equal(loadProgress(progressPath).lessons['hello-world']?.passed, [0]);
  await type(app, 'h');
  await see(app, 'hint 1/1: `busybox` means');
  await type(app, 'n');
  await see(app, 'step 2/4: List your images');
  // a command that does not reach the goal: the step stays open and says what is missing
  await type(app, '\t');
  await see(app, '$ berth images');
  await type(app, '\x15'); // ctrl-u clears the prompt
  await type(app, 'berth ps');
  await type(app, '\r');
  await see(app, '✘ not yet: the output does not show "busybox" yet');
  await type(app, 'q');
  await eventually(() => loadProgress(progressPath).lessons['hello-world']?.step === 1, 5000, 'progress at step 2');
  app.unmount();

  const again = lab();
  await see(again, 'Resume "Hello world" at step 2');
  await type(again, '\r');
  await see(again, 'step 2/4: List your images');
  await eventually(() => !/Cleaning up|Restoring/.test(frame(again)), 60_000, 'restoring to end');
  await type(again, 'berth images');
  await type(again, '\r');
  await see(again, '✔ Step done');
  await type(again, 'q');
  again.unmount();
});

tui('the menu marks a broken lesson and shows its problems; the others still open', async () => {
  const fixtures = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'lessons');
  const app = lab([path.join(fixtures, '02-unknown-check.md'), ...lessonFiles().slice(0, 1)]);
  await see(app, '✘');
  assert.match(frame(app), /broken: unknown check kind "container-is-happy"/);
  await type(app, '\r');
  assert.not.match(frame(app), /step 1\//);
  await type(app, DOWN);
  await type(app, '\r');
  await see(app, "What's a container? · step 1/5: PID 1 inside");
  await type(app, 'u');
  await see(app, 'Under the hood');
  await type(app, 'q');
  app.unmount();
});

tui.run();
