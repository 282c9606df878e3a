// .dockerignore with Docker's own semantics (`*` stays within one directory,
// patterns are anchored at the context root, `!` re-includes even under an
// excluded directory), by @balena/dockerignore, a port of Docker's Go code.
import fs from 'node:fs';
import path from 'node:path';
import * as dockerignoreModule from '@balena/dockerignore';
import type { Ignore } from '@balena/dockerignore';

type Factory = () => Ignore;
// The package is CommonJS with `module.exports = factory`; its typings say `export default`.
const factory: Factory = ((dockerignoreModule as unknown as { default?: Factory }).default ?? dockerignoreModule) as Factory;

export interface IgnoreRules {
  /** true when the context path ("src/a.c", no leading "./") is excluded */
  ignores(rel: string): boolean;
  /** true when some rule re-includes (`!`): an excluded directory must still be walked */
  readonly hasExceptions: boolean;
}

/** Reads `<context>/.dockerignore` (none: nothing is excluded). */
export function readDockerignore(contextDir: string): IgnoreRules {
  let text = '';
  try {
    text = fs.readFileSync(path.join(contextDir, '.dockerignore'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return dockerignoreRules(text);
}

export function dockerignoreRules(text: string): IgnoreRules {
  const patterns = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const matcher = factory().add(patterns);
  return {
    ignores: (rel) => matcher.ignores(rel),
    hasExceptions: patterns.some((p) => p.startsWith('!')),
  };
}
