// Running iproute2 and iptables.  Batches go through stdin (`ip -batch -`,
// `iptables-restore`) so one container's setup costs a few processes, not
// one per rule.  Failures keep the tool's own words and the command line.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { BerthError } from '../errors.js';

const run = promisify(execFile);

function failure(command: string, args: readonly string[], stderr: string, input?: string): BerthError {
  const detail = stderr.trim().split('\n').slice(0, 3).join('; ');
  const batch = input ? `\n  input: ${input.trim().split('\n').join('\n         ')}` : '';
  return new BerthError('internal', `${command} ${args.join(' ')}: ${detail}${batch}`);
}

/** Runs a command; resolves its stdout, rejects with a BerthError naming it. */
export async function command(name: string, args: readonly string[], input?: string): Promise<string> {
  if (input === undefined) {
    try {
      return (await run(name, [...args], { maxBuffer: 64 * 1024 * 1024 })).stdout;
    } catch (error) {
      const e = error as { stderr?: string; code?: string; message: string };
      if (e.code === 'ENOENT') throw new BerthError('permission', `${name} is not installed: berth's networking needs it (apt-get install iproute2 iptables)`);
      throw failure(name, args, e.stderr || e.message);
    }
  }
  return new Promise((resolve, reject) => {
    const child = spawn(name, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (error) => reject(new BerthError('permission', `${name}: ${error.message} (apt-get install iproute2 iptables)`)));
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(failure(name, args, stderr, input))));
    child.stdin.end(input);
  });
}

/** `ip` with a batch of commands, optionally inside a named network namespace. */
export function ipBatch(lines: readonly string[], netns?: string): Promise<string> {
  return command('ip', [...(netns ? ['-n', netns] : []), '-batch', '-'], lines.join('\n') + '\n');
}

export function ip(...args: string[]): Promise<string> {
  return command('ip', args);
}

/** Applies iptables-restore input without flushing anything it does not name. */
export function iptablesRestore(input: string): Promise<string> {
  return command('iptables-restore', ['-w', '--noflush'], input);
}

export function iptablesSave(table: 'nat' | 'filter' | 'raw'): Promise<string> {
  return command('iptables-save', ['-t', table]);
}

export async function readSysctl(key: string): Promise<string> {
  const fs = await import('node:fs');
  return fs.readFileSync(`/proc/sys/${key.replace(/\./g, '/')}`, 'utf8').trim();
}

export async function writeSysctl(key: string, value: string): Promise<void> {
  const fs = await import('node:fs');
  fs.writeFileSync(`/proc/sys/${key.replace(/\./g, '/')}`, value);
}
