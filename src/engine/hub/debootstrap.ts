// Running debootstrap: a minimal Debian tree in a directory, each output line
// passed on as a phase event ("I: Retrieving libc6 ..." is phase Retrieving),
// and the tail of its log in the error when it fails.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { BerthError } from '../errors.js';
import type { Listener, PhaseEvent } from '../events.js';

/** debootstrap's line ("I: Retrieving libc6 2.36-9") as a phase event: its verb is the phase. */
function phaseOf(line: string): PhaseEvent {
  const verb = /^(?:[IWE]: )?([A-Z][a-z]+)/.exec(line)?.[1];
  return { type: 'phase', work: 'debootstrap', name: verb ?? 'debootstrap', text: line };
}

const SEARCH_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export async function runDebootstrap(target: string, suite: string, mirror: string, onEvent?: Listener<PhaseEvent>): Promise<void> {
  const args = ['--variant=minbase', suite, target, mirror];
  const recent: string[] = [];
  const child = spawn('debootstrap', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PATH: `${process.env.PATH ?? ''}:${SEARCH_PATH}`, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' },
  });
  const forward = (line: string) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    onEvent?.(phaseOf(line));
  };
  readline.createInterface({ input: child.stdout }).on('line', forward);
  readline.createInterface({ input: child.stderr }).on('line', forward);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT'
      ? new BerthError('not-found', 'cannot build debian:bookworm: debootstrap is not installed (apt-get install debootstrap)', { cause: error })
      : error));
    child.on('close', (c, s) => resolve([c, s]));
  });
  if (code === 0) return;
  const log = path.join(target, 'debootstrap', 'debootstrap.log');
  let logTail = '';
  try {
    logTail = fs.readFileSync(log, 'utf8').split('\n').slice(-15).join('\n');
  } catch { /* no log written */ }
  throw new BerthError('internal', `debootstrap ${args.join(' ')} failed (${signal ?? `exit code ${code}`}):\n${recent.join('\n')}${logTail ? `\n--- ${log} ---\n${logTail}` : ''}`);
}
