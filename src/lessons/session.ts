// One learner's pass through a lesson, shared by the TUI and the headless
// runner: run a typed line, remember its output, evaluate the step's check,
// clean up what an attempt left and replay earlier steps to resume at one.
// No terminal, no Ink.
import path from 'node:path';
import { DETACH_KEYS, type Engine } from '../engine/index.js';
import { evaluate, type Verdict } from './checks/index.js';
import { cleanupLesson } from './cleanup.js';
import { prepare, type Prepared } from './command-line.js';
import { runCommand, type CommandResult, type Running } from './runner.js';
import type { Lesson, Step } from './types.js';

export interface Attempt {
  readonly line: string;
  readonly prepared?: Prepared;
  /** why the line could not run (not a berth command, shell syntax) */
  readonly error?: string;
  readonly result?: CommandResult;
}

export class LessonSession {
  /** output and code of the last command, for the output/exit-code checks */
  lastOutput = '';
  lastExitCode: number | undefined;
  /** the lab says once that it ran berth for docker */
  toldAboutDocker = false;

  constructor(
    readonly lesson: Lesson,
    private readonly openEngine: () => Promise<Engine>,
    private readonly env: NodeJS.ProcessEnv = {},
  ) {}

  /** Prepares `line`; for a docker line the first time, `notice` says what the lab did. */
  prepare(line: string): { prepared?: Prepared; error?: string; notice?: string } {
    const prepared = prepare(line, this.lesson.id);
    if ('error' in prepared) return { error: prepared.error };
    let notice: string | undefined;
    if (prepared.translated && !this.toldAboutDocker) {
      this.toldAboutDocker = true;
      notice = 'The lab runs berth for docker: same syntax, berth\'s own engine.';
    }
    return { prepared, notice };
  }

  /** Runs a prepared (non-interactive, or headless with typed input) command. */
  run(prepared: Prepared, options: Parameters<typeof runCommand>[1] = {}): Running {
    const running = runCommand(prepared, { cwd: path.dirname(this.lesson.file), ...options, env: { ...this.env, ...options.env } });
    return {
      abort: running.abort,
      result: running.result.then((r) => {
        this.record(r.output, r.code);
        return r;
      }),
    };
  }

  /** Runs a command with no one at the keyboard: an interactive one (attach, run -it) gets ctrl-p ctrl-q typed after a moment, as a learner would. */
  runUnattended(prepared: Prepared, timeoutMs: number): Promise<CommandResult> {
    const typeAfter = prepared.interactive ? { delayMs: 1500, text: DETACH_KEYS } : undefined;
    return this.run(prepared, { typeAfter, timeoutMs }).result;
  }

  /** Removes what an earlier attempt left: the lesson's containers. Returns their names. */
  async cleanup(): Promise<string[]> {
    return cleanupLesson(await this.openEngine(), this.lesson.id);
  }

  /**
   * Brings the machine to the start of step `at`: cleans up what an earlier
   * attempt left, then replays the solutions of the steps before it.
   * `report` hears what it is doing; an error is thrown after the session is
   * reset all the same (the learner can still try the step).
   */
  async restore(at: number, report: (text: string) => void = () => {}): Promise<void> {
    try {
      report('Cleaning up what an earlier attempt left…');
      await this.cleanup();
      for (const earlier of this.lesson.steps.slice(0, at)) {
        report(`Restoring: step ${earlier.index + 1} (${earlier.title})…`);
        for (const line of earlier.solution) {
          const { prepared } = this.prepare(line);
          if (prepared) await this.runUnattended(prepared, 10 * 60_000);
        }
      }
    } finally {
      // the replay is not the learner's: no last command, and the docker note is still to be said
      this.enterStep();
      this.toldAboutDocker = false;
    }
  }

  /** Records an interactive command's end (its output went to the terminal). */
  record(output: string, code: number): void {
    this.lastOutput = output;
    this.lastExitCode = code;
  }

  /** A new step starts with no last command. */
  enterStep(): void {
    this.lastOutput = '';
    this.lastExitCode = undefined;
  }

  check(step: Step): Promise<Verdict> {
    return evaluate(step.checks, { engine: this.openEngine, lastOutput: this.lastOutput, lastExitCode: this.lastExitCode, lessonId: this.lesson.id });
  }

  /** Checks until it passes or `ms` pass (containers take a moment to log, ports to answer). */
  async checkWithin(step: Step, ms: number, everyMs = 250): Promise<Verdict> {
    const deadline = Date.now() + ms;
    for (;;) {
      const verdict = await this.check(step);
      if (verdict.ok || Date.now() >= deadline) return verdict;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
