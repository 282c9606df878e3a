// Progress on a terminal, the way docker pull draws it: one line per key,
// rewritten in place (cursor up to it, clear it, write it, cursor back down),
// with a bar when the row says how far along it is.  A line with no key ends
// the rows above it (they are not redrawn again), as Docker's does.
import { fit, FULL_BAR, MIN_BAR, progressBar } from './bar.js';
import type { Row } from './row.js';
import type { Output, Screen, ScreenOptions } from './screen.js';

const ESC = '\x1b[';
const AMOUNT_WIDTH = 15;

export class TtyScreen implements Screen {
  /** keys of the rows on screen, top to bottom; the cursor sits below the last */
  private keys: string[] = [];
  /** false after raw text that did not end its line */
  private atLineStart = true;
  private readonly columns: number;

  constructor(private readonly out: Output, private readonly options: Pick<ScreenOptions, 'color' | 'columns'>) {
    this.columns = Math.max(20, options.columns || 80);
  }

  show(row: Row): void {
    const line = this.render(row);
    if (!this.atLineStart) this.out.write('\n');
    this.atLineStart = true;
    const at = row.key === undefined ? -1 : this.keys.indexOf(row.key);
    if (row.key === undefined) {
      this.keys = [];
      this.out.write(`${line}\n`);
    } else if (at < 0) {
      this.keys.push(row.key);
      this.out.write(`${line}\n`);
    } else {
      const up = this.keys.length - at;
      this.out.write(`${ESC}${up}A\r${ESC}2K${line}${ESC}${up}B\r`);
    }
  }

  write(text: string): void {
    if (!text) return;
    this.keys = [];
    this.out.write(text);
    this.atLineStart = text.endsWith('\n');
  }

  /** "id: Downloading [=====>     ]  1.2MB/3.4MB", never as wide as the terminal (it would wrap). */
  private render(row: Row): string {
    const width = this.columns - 1;
    if (row.fraction === undefined) return fit(row.amount ? `${row.text} ${row.amount}` : row.text, width);
    const amount = (row.amount ?? '').padStart(8);
    // Room for the widest amount ("999.9MB/999.9MB"), so the bar keeps its width as the numbers grow.
    const cells = Math.min(FULL_BAR, width - row.text.length - Math.max(amount.length, AMOUNT_WIDTH) - 4);
    if (cells < MIN_BAR) return fit(`${row.text} ${amount.trim()}`, width);
    return `${row.text} ${progressBar(row.fraction, cells, this.options.color)} ${amount}`;
  }
}
