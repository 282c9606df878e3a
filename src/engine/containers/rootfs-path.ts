// Paths inside a container's rootfs, resolved on the host the way the kernel
// would resolve them inside the container: symlinks are followed relative to
// the rootfs and can never lead out of it (an image may hold `etc -> /` or
// `x -> ../../..`).
import fs from 'node:fs';
import path from 'node:path';
import { invalid } from '../errors.js';

const MAX_LINKS = 40;

/** Host path of `inside` (absolute, in the container) under `root`, following symlinks within root. */
export function resolveInRoot(root: string, inside: string): string {
  const parts = inside.split('/').filter((p) => p && p !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (parts.length) {
    const part = parts.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = path.join(root, ...resolved, part);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(candidate);
    } catch {
      stat = undefined;
    }
    if (stat?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw invalid(`too many levels of symbolic links in ${inside}`);
      const target = fs.readlinkSync(candidate);
      if (target.startsWith('/')) resolved.length = 0;
      parts.unshift(...target.split('/').filter((p) => p && p !== '.'));
      continue;
    }
    resolved.push(part);
  }
  return path.join(root, ...resolved);
}

export type Lookup = { found: string } | { error: 'not-found' | 'not-executable' | 'is-directory' };

/** Finds the command the container would exec, as execvp would with the container's PATH. */
export function findExecutable(root: string, command: string, env: readonly string[]): Lookup {
  const check = (inside: string): Lookup => {
    const host = resolveInRoot(root, inside);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(host);
    } catch {
      return { error: 'not-found' };
    }
    if (stat.isDirectory()) return { error: 'is-directory' };
    if ((stat.mode & 0o111) === 0) return { error: 'not-executable' };
    return { found: inside };
  };
  if (command.includes('/')) return check(command);
  const pathVar = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  let firstError: Lookup | undefined;
  for (const dir of pathVar.split(':').filter(Boolean)) {
    const result = check(path.posix.join(dir, command));
    if ('found' in result) return result;
    if (result.error === 'not-executable') firstError ??= result;
  }
  return firstError ?? { error: 'not-found' };
}
