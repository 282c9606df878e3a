// Every lesson passes headlessly through the real CLI (`berth lesson run`),
// one test per lesson so a failure names it.  A lesson whose `requires` are
// not met yet is skipped with a note.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadLessons } from '../../src/lessons/loader.js';
import { notReady, presentCapabilities } from '../../src/lessons/capabilities.js';
import { buildProgram } from '../../src/cli/program.js';
import { berth, removeAll } from '../_berth.js';
import { tempDir } from '../_helpers.js';

const lessons = suite('every lesson, headlessly');
const present = presentCapabilities(buildProgram().program);
let config: string;

lessons.before(() => {
  config = tempDir('config-');
});

lessons.after(async () => {
  await removeAll();
});

for (const { lesson } of loadLessons()) {
  const missing = notReady(lesson, present);
  if (missing.length) {
    console.log(`  (skipped: ${lesson.id} is coming, needs ${missing.join(', ')})`);
    lessons.skip(`${lesson.id} (coming: needs ${missing.join(', ')})`, () => undefined);
    continue;
  }
  lessons(`${lesson.id}: ${lesson.title}`, async () => {
    const result = await berth(['lesson', 'run', lesson.id, '--yes'], { timeoutMs: 15 * 60_000, env: { BERTH_CONFIG_DIR: config } });
    assert.is(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.not.match(result.stdout, /✘/);
    assert.is((result.stdout.match(/✔/g) ?? []).length, lesson.steps.length, result.stdout);
    // the lesson cleans up what it made
    const left = await berth(['ps', '-aq']);
    assert.is(left.stdout.trim(), '', `containers left by ${lesson.id}`);
  });
}

lessons.run();
