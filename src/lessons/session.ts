// One learner's pass through a lesson, shared by the TUI and the headless
// runner: run a typed line, remember its output, evaluate the step's check.
// No terminal, no Ink.
import path from 'node:path';
import type { Engine } from '../engine/engine.js';
import { evaluate, type Verdict } from './checks/index.js';
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
