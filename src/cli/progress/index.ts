// Progress as the CLI prints it: pick the screen for a stream (a terminal:
// rows redrawn in place, coloured unless NO_COLOR; otherwise plain lines),
// and the rows of each kind of event.
import type { Listener, PullEvent } from '../../engine/index.js';
import { PlainScreen } from './plain-screen.js';
import { transferRow } from './transfer-row.js';
import type { Output, Screen } from './screen.js';
import { TtyScreen } from './tty-screen.js';

export type { Screen } from './screen.js';
export { transferRow } from './transfer-row.js';
export { benchRow } from './bench-row.js';

export interface TerminalStream extends Output {
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** The screen for `stream`: a terminal redraws in place (TERM=dumb cannot move the cursor), anything else gets lines. */
export function screenFor(stream: TerminalStream, env: NodeJS.ProcessEnv = process.env): Screen {
  const tty = stream.isTTY === true && env.TERM !== 'dumb';
  if (!tty) return new PlainScreen(stream);
  return new TtyScreen(stream, { color: !env.NO_COLOR, columns: stream.columns });
}

/** Pull or push progress printed on `stream` as Docker prints it there. */
export function transferPrinter(stream: TerminalStream): Listener<PullEvent> {
  const screen = screenFor(stream);
  return (event) => screen.show(transferRow(event));
}
