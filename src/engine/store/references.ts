// references.json: every name an image is known by, mapped to the digest of
// its manifest, e.g. {"busybox:latest": "sha256:<manifest digest>",
// "busybox@sha256:<d>": "sha256:<d>"}.  Keys are canonical references
// (formatReference), so "busybox" and "busybox:latest" are one key.  The file
// is rewritten whole and atomically; callers hold the global lock.
import { readJson, writeJsonAtomic } from '../fs-atomic.js';
import { invalid } from '../errors.js';
import { isDigest } from './digest.js';

export type ReferenceMap = Record<string, string>;

export function loadReferences(file: string): ReferenceMap {
  const map = readJson<unknown>(file, {});
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw invalid(`${file} is not a JSON object of reference -> manifest digest`);
  }
  const out: ReferenceMap = {};
  for (const [ref, digest] of Object.entries(map as Record<string, unknown>)) {
    // A damaged entry is skipped rather than breaking every command.
    if (typeof digest === 'string' && isDigest(digest)) out[ref] = digest;
  }
  return out;
}

export function saveReferences(file: string, map: ReferenceMap): void {
  const sorted: ReferenceMap = {};
  for (const key of Object.keys(map).sort()) sorted[key] = map[key]!;
  writeJsonAtomic(file, sorted);
}

/** The references that point at a manifest, sorted. */
export function referencesTo(map: ReferenceMap, manifestDigest: string): string[] {
  return Object.keys(map).filter((ref) => map[ref] === manifestDigest).sort();
}
