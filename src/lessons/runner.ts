// Runs one prepared command as a child process: the real `berth` command (or
// an allowed host tool), its output captured and streamed as it comes.  The
// lesson runner knows nothing of Ink: the TUI and the headless runner both
// call this.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../engine/index.js';
import type { Prepared } from './command-line.js';

export const BERTH_BIN = path.join(PACKAGE_ROOT, 'bin', 'berth.js');

export interface CommandResult {
  readonly code: number;
  /** stdout and stderr interleaved as they came */
  readonly output: string;
  /** killed by abort() or the timeout */
  readonly killed: boolean;
}

export interface RunOptions {
  /** each chunk of output as it arrives */
  readonly onData?: (chunk: string) => void;
  readonly env?: NodeJS.ProcessEnv;
  /** where relative paths in the command point (the session: the lessons folder) */
  readonly cwd?: string;
  readonly timeoutMs?: number;
  /**
   * For an interactive command without a terminal (headless): bytes to type
   * after `delayMs`, e.g. ctrl-p ctrl-q to detach from `attach`.
   */
  readonly typeAfter?: { readonly delayMs: number; readonly text: string };
}

export interface Running {
  readonly result: Promise<CommandResult>;
  /** ends the command (SIGTERM, then SIGKILL) */
  abort(): void;
}

/** argv to spawn for a prepared command: [program, ...args]. */
export function commandArgv(prepared: Prepared): [string, ...string[]] {
  return prepared.program === 'berth' ? [process.execPath, '--', BERTH_BIN, ...prepared.argv] : [prepared.program, ...prepared.argv];
}

export function runCommand(prepared: Prepared, options: RunOptions = {}): Running {
  const [file, ...args] = commandArgv(prepared);
  const child = spawn(file, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let killed = false;
  const take = (d: Buffer) => {
    const text = d.toString('utf8');
    output += text;
    options.onData?.(text);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  child.stdin.on('error', () => undefined);
  const abort = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    killed = true;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
  };
  let typer: NodeJS.Timeout | undefined;
  if (options.typeAfter) {
    const { delayMs, text } = options.typeAfter;
    typer = setTimeout(() => child.stdin.end(text), delayMs);
  } else child.stdin.end();
  const timer = options.timeoutMs ? setTimeout(abort, options.timeoutMs) : undefined;
  const result = new Promise<CommandResult>((resolve) => {
    child.on('error', (error) => {
      const message = `${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'command not found' : error.message}\n`;
      output += message;
      options.onData?.(message);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(typer);
      resolve({ code: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15), output, killed });
    });
  });
  return { result, abort };
}
