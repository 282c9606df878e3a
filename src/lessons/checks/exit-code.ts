// exit-code: N: the last command exited with N (berth passes a container's
// own exit code through, as Docker does).
import { fail, pass, type CheckKind } from './types.js';

export const exitCode: CheckKind<number> = {
  kind: 'exit-code',
  example: 'exit-code: 0',
  validate: (args) => (Number.isInteger(args) && (args as number) >= 0 && (args as number) < 256 ? [] : ['expects a number from 0 to 255, e.g. "exit-code: 0"']),
  async evaluate(args, context) {
    if (context.lastExitCode === undefined) return fail('run a command first: this check reads its exit code');
    return context.lastExitCode === args ? pass(`the command exited with ${args}`) : fail(`the last command exited with ${context.lastExitCode}, expected ${args}`);
  },
};
