// Docker's progress bar, "[=====>        ]", sized to fit the terminal.

/** Docker draws 50 cells; fewer when the terminal is narrow. */
export const FULL_BAR = 50;
/** Below this many cells a bar says nothing: leave it out. */
export const MIN_BAR = 10;

/** A bar of `cells` cells (brackets excluded) at `fraction` (0..1); the filled part green when `color`. */
export function progressBar(fraction: number, cells: number, color: boolean): string {
  const done = Math.max(0, Math.min(cells, Math.floor(Math.max(0, Math.min(1, fraction)) * cells)));
  // The arrow head takes a cell of its own until the bar is full, as in Docker's.
  const filled = done >= cells ? '='.repeat(cells) : `${'='.repeat(done)}>`;
  const empty = ' '.repeat(Math.max(0, cells - filled.length));
  return `[${color ? `\x1b[32m${filled}\x1b[39m` : filled}${empty}]`;
}

/** Cuts `text` to at most `width` characters (the terminal would wrap it, and a wrapped row cannot be redrawn). */
export function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}
