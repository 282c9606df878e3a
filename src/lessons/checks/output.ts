// output: {contains, matches, lacks}: the last command's output (stdout and
// stderr).  Use it for what only the output shows (a container's own hostname,
// ps inside a container); prefer engine-state checks otherwise.
import { fail, fieldType, mappingProblems, pass, type CheckKind } from './types.js';

export interface OutputArgs {
  readonly contains?: string;
  /** a JavaScript regular expression, multiline */
  readonly matches?: string;
  readonly lacks?: string;
}

export const output: CheckKind<OutputArgs> = {
  kind: 'output',
  example: 'output: {contains: "hello world"}',
  validate(args) {
    const problems = mappingProblems(args, ['contains', 'matches', 'lacks']);
    if (problems.length && typeof args !== 'object') return problems;
    const a = args as Record<string, unknown>;
    problems.push(...fieldType(a, 'contains', 'string'), ...fieldType(a, 'matches', 'string'), ...fieldType(a, 'lacks', 'string'));
    if (!('contains' in a || 'matches' in a || 'lacks' in a)) problems.push('needs one of the fields contains, matches, lacks');
    if (typeof a.matches === 'string') {
      try {
        new RegExp(a.matches, 'm');
      } catch (error) {
        problems.push(`field "matches" is not a valid regular expression: ${(error as Error).message}`);
      }
    }
    return problems;
  },
  async evaluate(args, context) {
    const text = context.lastOutput;
    if (context.lastExitCode === undefined) return fail('run a command first: this check reads its output');
    if (args.contains !== undefined && !text.includes(args.contains)) return fail(`the output does not show "${args.contains}" yet`);
    if (args.matches !== undefined && !new RegExp(args.matches, 'm').test(text)) return fail(`the output does not match /${args.matches}/ yet`);
    if (args.lacks !== undefined && text.includes(args.lacks)) return fail(`the output still shows "${args.lacks}"`);
    return pass(args.contains ? `the output shows "${args.contains}"` : 'the output is as expected');
  },
};
