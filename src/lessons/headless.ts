// `berth lesson run`: each step's suggested commands, then its check, one
// pass/fail line per step.  What CI runs so a lesson that breaks is caught.
import type { Engine } from '../engine/index.js';
import { LessonSession } from './session.js';
import type { Lesson } from './types.js';

export interface HeadlessOptions {
  readonly write: (text: string) => void;
  /** also print each command's output */
  readonly verbose?: boolean;
  /** how long a check may take to pass after the commands ran */
  readonly checkWithinMs?: number;
  /** each command's time limit */
  readonly commandTimeoutMs?: number;
  /** leave the lesson's containers when it ends (default: remove them) */
  readonly keep?: boolean;
  /** environment of the berth commands (BERTH_ROOT of the engine...) */
  readonly env?: NodeJS.ProcessEnv;
}

export interface HeadlessResult {
  readonly lesson: string;
  readonly passed: number;
  readonly failed: number;
  readonly failures: string[];
}

export async function runLessonHeadless(lesson: Lesson, engine: () => Promise<Engine>, options: HeadlessOptions): Promise<HeadlessResult> {
  const { write } = options;
  const session = new LessonSession(lesson, engine, options.env);
  const failures: string[] = [];
  let passed = 0;
  await session.cleanup();
  write(`${lesson.title} (${lesson.id})\n`);
  for (const step of lesson.steps) {
    session.enterStep();
    const label = `${step.index + 1}/${lesson.steps.length} ${step.title}`;
    let error: string | undefined;
    for (const line of step.commands) {
      const { prepared, error: bad } = session.prepare(line);
      if (!prepared) {
        error = `"${line}": ${bad}`;
        break;
      }
      if (options.verbose) write(`    $ ${line}\n`);
      const result = await session.runUnattended(prepared, options.commandTimeoutMs ?? 10 * 60_000);
      if (options.verbose && result.output) write(result.output.replace(/^/gm, '    | ').replace(/\| $/, '') + (result.output.endsWith('\n') ? '' : '\n'));
      if (result.killed) {
        error = `"${line}" did not finish in time`;
        break;
      }
    }
    const verdict = error ? undefined : await session.checkWithin(step, options.checkWithinMs ?? 10_000);
    if (verdict?.ok) {
      passed++;
      write(`  ✔ ${label}\n`);
    } else {
      const why = error ?? verdict!.results.filter((r) => !r.ok).map((r) => `${r.kind}: ${r.detail}`).join('; ');
      failures.push(`${label}: ${why}`);
      write(`  ✘ ${label}: ${why}\n`);
      if (session.lastOutput && !options.verbose) write(session.lastOutput.trimEnd().split('\n').slice(-8).map((l) => `      | ${l}\n`).join(''));
    }
  }
  if (!options.keep) await session.cleanup();
  return { lesson: lesson.id, passed, failed: failures.length, failures };
}
