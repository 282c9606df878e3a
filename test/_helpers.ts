// Small shared checkers for the tests.  The runner (scripts/test.mjs) gives
// each test file its own BERTH_ROOT and cgroup parent and checks afterwards
// that nothing was left behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';

export function berthRoot(): string {
  const root = process.env.BERTH_ROOT;
  if (!root) throw new Error('BERTH_ROOT is not set: run tests with `npm test` (scripts/test.mjs)');
  fs.mkdirSync(root, { recursive: true });
  return root;
}

/** A fresh directory under the test's state root, for fixtures. */
export function tempDir(prefix = 'fixture-'): string {
  const base = path.join(berthRoot(), 'test-tmp');
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, prefix));
}

/** A fresh directory outside the state root (for checking that nothing escapes into it). */
export function outsideDir(prefix = 'berth-outside-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Asserts that `promise` rejects and that the message matches. */
export async function rejects(promise: Promise<unknown>, pattern: RegExp, what = 'the call'): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.match((error as Error).message, pattern);
    return error as Error;
  }
  assert.unreachable(`${what} should have failed with ${pattern}`);
  throw new Error('unreachable');
}

/** Polls `check` until it returns a truthy value or `ms` pass. */
export async function eventually<T>(check: () => T | Promise<T>, ms = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
