// Every check kind, by name; lessons/README.md documents the same list.
import { container } from './container.js';
import { exitCode } from './exit-code.js';
import { diff, fileInContainer } from './files.js';
import { http } from './http.js';
import { image, images } from './images.js';
import { output } from './output.js';
import { registry } from './registry.js';
import { fail, type CheckContext, type CheckKind, type CheckResult } from './types.js';
import type { CheckSpec } from '../types.js';

export type { CheckContext, CheckResult } from './types.js';

export const CHECK_KINDS: ReadonlyMap<string, CheckKind<never>> = new Map(
  ([container, image, images, fileInContainer, diff, http, registry, output, exitCode] as CheckKind<never>[]).map((k) => [k.kind, k]),
);

/** Problems with one check line (unknown kind, bad arguments). */
export function validateCheck(spec: CheckSpec): string[] {
  const kind = CHECK_KINDS.get(spec.kind);
  if (!kind) return [`unknown check kind "${spec.kind}" (known: ${[...CHECK_KINDS.keys()].join(', ')})`];
  return kind.validate(spec.args).map((p) => `check "${spec.kind}": ${p}`);
}

export interface Verdict {
  readonly ok: boolean;
  readonly results: readonly (CheckResult & { readonly kind: string })[];
}

/** The containers a step's checks name, in order (each kind knows its own arguments). */
export function namedContainers(checks: readonly CheckSpec[]): string[] {
  return checks.flatMap((spec) => (validateCheck(spec).length ? [] : (CHECK_KINDS.get(spec.kind)?.containers?.(spec.args as never) ?? [])));
}

/** Evaluates every line of a step's check; a line that throws fails with its message. */
export async function evaluate(checks: readonly CheckSpec[], context: CheckContext): Promise<Verdict> {
  const results = [];
  for (const spec of checks) {
    const kind = CHECK_KINDS.get(spec.kind);
    let result: CheckResult;
    if (!kind) result = fail(`unknown check kind "${spec.kind}"`);
    else {
      try {
        result = await kind.evaluate(spec.args as never, context);
      } catch (error) {
        result = fail(`the check could not run: ${(error as Error).message}`);
      }
    }
    results.push({ ...result, kind: spec.kind });
  }
  return { ok: results.every((r) => r.ok), results };
}
