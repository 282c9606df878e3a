// A terminal session attached to a container (run without -d, start -a,
// attach): raw mode for a tty, signals passed on, and the container's exit
// code as ours.  Detaching (ctrl-p ctrl-q) leaves it running and exits 0.
import fs from 'node:fs';
import type { Engine } from '../engine/engine.js';
import type { ContainerRecord } from '../engine/containers/record.js';
import { bundleFiles } from '../engine/containers/record.js';
import { connectAttach, pump } from '../engine/containers/attach.js';

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
  const running = options.start ? await engine.start(record.id, { attach: true, stdinOnce: options.stdin, consoleSize }) : record;
  const bundle = bundleFiles(engine.paths.containers, running.id);
  const socket = await connectAttach(bundle.socket);
  const raw = tty && options.stdin && process.stdin.isTTY;
  if (raw) process.stdin.setRawMode(true);
  // Without a tty, ctrl-c reaches us, not the container: pass it on, as docker's sig-proxy does.
  const forward = (signal: NodeJS.Signals) => void engine.kill(running.id, signal).catch(() => undefined);
  if (!tty) for (const signal of FORWARDED) process.on(signal, forward);
  let detached = false;
  try {
    ({ detached } = await pump(socket, { stdin: options.stdin ? process.stdin : undefined, stdout: process.stdout, stderr: process.stderr, tty }));
  } finally {
    if (raw) process.stdin.setRawMode(false);
    if (options.stdin) process.stdin.pause();
    for (const signal of FORWARDED) process.off(signal, forward);
  }
  // Only our own ctrl-p ctrl-q is a detach; any other end of the stream (the container exited, the
  // monitor went away) waits for the exit file: the code is always the container's, never 0 by default.
  if (detached && !fs.existsSync(bundle.exit)) {
    const now = await engine.inspect(running.id).catch(() => undefined);
    if (now?.state.status === 'running') return 0; // detached with ctrl-p ctrl-q
  }
  const finished = await engine.waitFor(running);
  if (finished.state.error && finished.state.exitCode >= 125) process.stderr.write(`berth: Error: ${finished.state.error}\n`);
  return finished.state.exitCode;
}
