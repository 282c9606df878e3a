// The contract every check kind implements.  A check looks at engine state
// (containers, images, files, ports) and says what is still missing; it never
// looks at the command the learner typed, so any command that reaches the
// goal passes.
import type { Engine } from '../../engine/index.js';

export interface CheckContext {
  /** the engine, opened on first use */
  engine(): Promise<Engine>;
  /** stdout + stderr of the last command run in this step ('' before any) */
  readonly lastOutput: string;
  /** exit code of the last command (undefined before any) */
  readonly lastExitCode: number | undefined;
  /** the lesson's id, for its containers' label */
  readonly lessonId: string;
}

export interface CheckResult {
  readonly ok: boolean;
  /** when ok: what was found ("busybox is running as 3f2a…"); else: what is still missing */
  readonly detail: string;
}

export interface CheckKind<A = unknown> {
  readonly kind: string;
  /** one line for lessons/README.md and lint messages, e.g. 'container: {image: busybox, status: running}' */
  readonly example: string;
  /** problems with the arguments, each a sentence; empty when they are fine */
  validate(args: unknown): string[];
  /** the containers the arguments name (the under-the-hood panel shows the first that exists) */
  containers?(args: A): readonly string[];
  evaluate(args: A, context: CheckContext): Promise<CheckResult>;
}

/** Checks that `args` is a mapping whose keys are among `allowed` and whose `required` keys are present. */
export function mappingProblems(args: unknown, allowed: readonly string[], required: readonly string[] = []): string[] {
  if (!args || typeof args !== 'object' || Array.isArray(args)) return [`expects a mapping like {${allowed.slice(0, 2).map((k) => `${k}: ...`).join(', ')}}`];
  const problems: string[] = [];
  for (const key of Object.keys(args)) if (!allowed.includes(key)) problems.push(`unknown field "${key}" (known: ${allowed.join(', ')})`);
  for (const key of required) if (!(key in args)) problems.push(`needs the field "${key}"`);
  return problems;
}

export function fieldType(args: Record<string, unknown>, key: string, type: 'string' | 'number' | 'boolean'): string[] {
  return key in args && typeof args[key] !== type ? [`field "${key}" should be a ${type}`] : [];
}

export const pass = (detail: string): CheckResult => ({ ok: true, detail });
export const fail = (detail: string): CheckResult => ({ ok: false, detail });
