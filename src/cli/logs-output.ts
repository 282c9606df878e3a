// Writing `logs` output: entries batched per stream into large writes, each
// waiting for the terminal or pipe to take it (backpressure), so a 1 GB log
// goes out at the speed of the reader and never piles up in memory.
import type { LogEntry } from '../engine/index.js';

const BATCH = 64 * 1024;

function write(stream: NodeJS.WriteStream, text: string): Promise<void> | undefined {
  if (stream.write(text)) return undefined;
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      stream.off('drain', done);
      stream.off('error', done);
      if (error) reject(error);
      else resolve();
    };
    stream.once('drain', done);
    stream.once('error', done);
  });
}

export interface LogFormat {
  readonly timestamps?: boolean;
  /** Docker's --details: the entry's attributes (berth records none) then a space */
  readonly details?: boolean;
}

/** Batches entries into writes; `flush` is also what the reader calls before it waits for more (follow). */
export class LogWriter {
  private pending = '';
  private target: NodeJS.WriteStream;

  constructor(private readonly format: LogFormat = {}, private readonly out = process.stdout, private readonly err = process.stderr) {
    this.target = out;
  }

  async flush(): Promise<void> {
    if (!this.pending) return;
    const text = this.pending;
    this.pending = '';
    await write(this.target, text);
  }

  async consume(entries: AsyncIterable<LogEntry>): Promise<void> {
    for await (const entry of entries) {
      const stream = entry.stream === 'stderr' ? this.err : this.out;
      if (stream !== this.target) {
        await this.flush();
        this.target = stream;
      }
      this.pending += `${this.format.timestamps ? `${entry.time} ` : ''}${this.format.details ? ' ' : ''}${entry.log}`;
      if (this.pending.length >= BATCH) await this.flush();
    }
    await this.flush();
  }
}
