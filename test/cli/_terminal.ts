// A tiny terminal for the progress tests: it applies what a real one does with
// the bytes the CLI writes (\n, \r, cursor up/down, erase line, colours), so a
// test can assert what the learner would see, not which escape codes were sent.

export class Terminal {
  readonly lines: string[] = [''];
  private row = 0;
  private col = 0;
  /** every raw byte written, for the tests that look at the codes themselves */
  raw = '';
  readonly isTTY = true;

  constructor(readonly columns = 80) {}

  write(text: string): boolean {
    this.raw += text;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === '\x1b') {
        const m = /^\x1b\[(\d*)([A-Za-z])/.exec(text.slice(i));
        if (!m) throw new Error(`unknown escape at ${JSON.stringify(text.slice(i, i + 8))}`);
        const n = Number(m[1] || '1');
        if (m[2] === 'A') this.row = Math.max(0, this.row - n);
        else if (m[2] === 'B') this.row += n;
        else if (m[2] === 'K' && m[1] === '2') this.lines[this.row] = '';
        else if (m[2] === 'K') this.lines[this.row] = (this.lines[this.row] ?? '').slice(0, this.col);
        else if (m[2] !== 'm') throw new Error(`unexpected escape ${JSON.stringify(m[0])}`);
        i += m[0].length - 1;
        continue;
      }
      if (c === '\n') { this.row++; this.col = 0; }
      else if (c === '\r') this.col = 0;
      else {
        if (this.col >= this.columns) throw new Error(`line ${this.row} wrapped past ${this.columns} columns: ${this.lines[this.row]}`);
        const line = (this.lines[this.row] ?? '').padEnd(this.col);
        this.lines[this.row] = line.slice(0, this.col) + c + line.slice(this.col + 1);
        this.col++;
      }
      while (this.lines.length <= this.row) this.lines.push('');
    }
    return true;
  }

  /** What is on screen, trailing blank lines dropped. */
  screen(): string[] {
    const lines = [...this.lines];
    while (lines.length && lines.at(-1) === '') lines.pop();
    return lines;
  }
}
