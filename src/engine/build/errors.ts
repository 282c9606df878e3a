// The errors a build ends with that the CLI tells apart (Ctrl-C, a failed
// RUN).  Their own module so that the door exports them without loading the
// builder's container graph: the builder loads on the first build.
import { BerthError } from '../errors.js';

/** Thrown when the build's AbortSignal fires (Ctrl-C). */
export class BuildAborted extends BerthError {
  constructor() {
    super('internal', 'build cancelled', { exitCode: 130 });
  }
}

/** A RUN whose command failed: Docker's words, the command's exit code. */
export class RunFailed extends BerthError {
  constructor(readonly command: string, readonly code: number) {
    super('internal', `The command '${command}' returned a non-zero code: ${code}`, { exitCode: code });
  }
}
