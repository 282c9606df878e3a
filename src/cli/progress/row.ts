// One thing a progress display shows: a row that is redrawn in place on a
// terminal (a layer, a bench suite, debootstrap), or a line printed once.
// Event kinds map to rows in transfer-row.ts and bench-row.ts; the screens
// (tty-screen.ts, plain-screen.ts) know nothing of events.

export interface Row {
  /** rows with the same key are one line on a terminal, redrawn; no key: a line printed once */
  readonly key?: string;
  /** e.g. "a1b2c3d4e5f6: Downloading" */
  readonly text: string;
  /** how far along, 0..1: drawn as a bar on a terminal */
  readonly fraction?: number;
  /** e.g. "1.2MB/3.4MB": after the bar on a terminal, after the text in a pipe */
  readonly amount?: string;
}

/** The row as one plain line, as Docker prints it to a pipe. */
export function plainLine(row: Row): string {
  return row.amount ? `${row.text} ${row.amount}` : row.text;
}
