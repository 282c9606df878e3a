// A lesson as the loader gives it to the runner, the linter and the TUI.
// Lessons are data (lessons/NN-slug.md, see lessons/README.md); nothing here
// knows about Ink or the terminal.

/** One line of a ```check block: a kind and its arguments, e.g. ["container", {image: "busybox", status: "running"}]. */
export interface CheckSpec {
  readonly kind: string;
  readonly args: unknown;
}

export interface Step {
  /** 0-based position in the lesson */
  readonly index: number;
  /** from `## Step: <title>` */
  readonly title: string;
  /** Markdown prose shown to the learner */
  readonly prose: string;
  /** the suggested command lines, each starting with `berth` (or a host tool such as curl) */
  readonly commands: readonly string[];
  /** every line must pass; empty means "running the command is enough" (lint says so) */
  readonly checks: readonly CheckSpec[];
  /** revealed one at a time */
  readonly hints: readonly string[];
  /** command lines that solve the step; defaults to `commands` */
  readonly solution: readonly string[];
  /** Markdown: what the engine did, for the "under the hood" panel */
  readonly underTheHood: string;
  /** 1-based line of the `## Step:` heading, for messages */
  readonly line: number;
}

export interface Lesson {
  /** e.g. "hello-world"; unique across lessons */
  readonly id: string;
  readonly title: string;
  /** e.g. "10 min" */
  readonly duration: string;
  readonly objectives: readonly string[];
  readonly needs: { readonly images: readonly string[]; readonly network: boolean };
  /** capabilities the engine must have (build, registry, deploy, bench); a lesson whose needs are unmet is "coming" */
  readonly requires: readonly string[];
  /** set while an author is still writing the lesson: why it is not ready (shown as "coming") */
  readonly draft?: string;
  /** Markdown before the first step */
  readonly intro: string;
  readonly steps: readonly Step[];
  /** absolute path of the lesson file */
  readonly file: string;
}

/** A mistake in a lesson file: names the file, the step when there is one, and the problem. */
export interface Problem {
  readonly file: string;
  readonly step?: string;
  readonly line?: number;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

export function formatProblem(problem: Problem, relativeTo = process.cwd()): string {
  const file = problem.file.startsWith(relativeTo + '/') ? problem.file.slice(relativeTo.length + 1) : problem.file;
  const where = `${file}${problem.line ? `:${problem.line}` : ''}`;
  return `${where}: ${problem.severity}${problem.step ? ` in step "${problem.step}"` : ''}: ${problem.message}`;
}
