// A terminal session attached to a container (run without -d, start -a,
// attach): raw mode for a tty, signals passed on, and the container's exit
// code as ours.  Detaching (ctrl-p ctrl-q) leaves it running and exits 0.
// The engine's attachTo does the connecting and the waiting; this is the
// terminal around it.
import type { ContainerRecord, Engine } from '../engine/index.js';

export interface SessionOptions {
  /** start the container (held until we are attached) */
  readonly start: boolean;
  /** pass our stdin to the container */
  readonly stdin: boolean;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export async function runAttached(engine: Engine, record: ContainerRecord, options: SessionOptions): Promise<number> {
  const tty = record.config.tty;
  const consoleSize = process.stdout.isTTY ? { rows: process.stdout.rows, cols: process.stdout.columns } : undefined;
  const session = await engine.attachTo(record, options.start ? { stdinOnce: options.stdin, consoleSize } : undefined);
  const raw = tty && options.stdin && process.stdin.isTTY;
  if (raw) process.stdin.setRawMode(true);
  // Without a tty, ctrl-c reaches us, not the container: pass it on, as docker's sig-proxy does.
  const forward = (signal: NodeJS.Signals) => void engine.kill(session.record.id, signal).catch(() => undefined);
  if (!tty) for (const signal of FORWARDED) process.on(signal, forward);
  let detached = false;
  try {
    ({ detached } = await session.pump({ stdin: options.stdin ? process.stdin : undefined, stdout: process.stdout, stderr: process.stderr, tty }));
  } finally {
    if (raw) process.stdin.setRawMode(false);
    if (options.stdin) process.stdin.pause();
    for (const signal of FORWARDED) process.off(signal, forward);
  }
  const finished = await session.end(detached);
  if (!finished) return 0; // detached with ctrl-p ctrl-q
  if (finished.state.error && finished.state.exitCode >= 125) process.stderr.write(`berth: Error: ${finished.state.error}\n`);
  return finished.state.exitCode;
}
