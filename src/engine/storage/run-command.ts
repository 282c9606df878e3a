// Running the few external programs the drivers need (cp, mkfs.btrfs, btrfs,
// mount -o loop), with failures that name the command and keep its stderr.
import { execFile } from 'node:child_process';
import { BerthError } from '../errors.js';

export function runCommand(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? `${command} is not installed` : (stderr.trim() || error.message);
      reject(new BerthError('internal', `${command} ${args.join(' ')}: ${why}`, { cause: error }));
    });
  });
}
