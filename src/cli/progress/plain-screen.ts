// Progress into a pipe or a file, as Docker prints it there: one line per
// change, no escape codes, no bars; a row that did not change prints nothing.
import { plainLine, type Row } from './row.js';
import type { Output, Screen } from './screen.js';

export class PlainScreen implements Screen {
  /** the last line printed for each key */
  private readonly shown = new Map<string, string>();

  constructor(private readonly out: Output) {}

  show(row: Row): void {
    const line = plainLine(row);
    if (row.key !== undefined) {
      if (this.shown.get(row.key) === line) return;
      this.shown.set(row.key, line);
    }
    this.out.write(`${line}\n`);
  }

  write(text: string): void {
    this.out.write(text);
  }
}
