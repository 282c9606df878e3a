// Where progress goes: a terminal (rows redrawn in place) or a pipe or file
// (one line per change).  Both take the same rows and raw text.
import type { Row } from './row.js';

export interface Screen {
  /** a row: redrawn in place on a terminal when its key is already shown */
  show(row: Row): void;
  /** text as it comes (a RUN step's output): rows above it are done */
  write(text: string): void;
}

export interface Output {
  write(text: string): unknown;
}

export interface ScreenOptions {
  /** redraw rows in place (the output is a terminal) */
  readonly tty: boolean;
  /** colour the bars (a terminal, and NO_COLOR unset) */
  readonly color: boolean;
  /** the terminal's width (default 80) */
  readonly columns?: number;
}
