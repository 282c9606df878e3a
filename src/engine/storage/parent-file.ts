// A layer's parent id, kept in a one-line file written atomically.
import fs from 'node:fs';
import { writeFileAtomic } from '../fs-atomic.js';
import { isErrno } from '../errors.js';

export function readParentFile(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

export function writeParentFile(file: string, parent: string | undefined): void {
  if (parent !== undefined) writeFileAtomic(file, parent + '\n');
}
