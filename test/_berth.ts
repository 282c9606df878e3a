// Runs the real `berth` command (bin/berth.js) as a user would, against the
// test's BERTH_ROOT.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/engine/sys.js';

export const BERTH_BIN = path.join(PACKAGE_ROOT, 'bin', 'berth.js');

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `bin`: another copy's bin/berth.js (an attack test runs a copy of the package, never this one). */
export function berth(args: readonly string[], options: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv; bin?: string } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--', options.bin ?? BERTH_BIN, ...args], { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`berth ${args.join(' ')} timed out after ${options.timeoutMs ?? 60_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15), stdout, stderr });
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** berth, asserting success; returns stdout. */
export async function ok(args: readonly string[], options?: Parameters<typeof berth>[1]): Promise<string> {
  const result = await berth(args, options);
  if (result.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result.stdout;
}

/** Removes every container of the test's state root (the leftovers check runs after). */
export async function removeAll(): Promise<void> {
  const ids = (await ok(['ps', '-aq', '--no-trunc'])).split('\n').filter(Boolean);
  if (ids.length) await berth(['rm', '-f', ...ids]);
}

/**
 * berth run from bash after `prelude` (e.g. `exec 50<"$OUTSIDE"`, to hand the CLI a host fd as a
 * user's shell would); `env` reaches the prelude.  60 s at most.
 */
export function berthFromBash(prelude: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `${prelude}; exec "$NODE" -- "$BERTH" ${quoted}`], {
      env: { ...process.env, ...env, NODE: process.execPath, BERTH: BERTH_BIN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, stdout, stderr });
    });
  });
}
