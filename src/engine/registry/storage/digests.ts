// The digests the registry accepts: `sha256:<64 hex>` (what berth's own
// engine and every common client use) and `sha512:<128 hex>`, the other
// algorithm the OCI image spec registers, which the distribution spec's
// conformance suite pushes blobs and manifests with.  The engine's image
// store stays sha256-only (store/digest.ts); only the registry, which stores
// what others push, takes both.  Like store/digest.ts, every digest passes
// validateRegistryDigest before it reaches a path, so a crafted one cannot
// name a file outside the store.
import crypto from 'node:crypto';
import { invalid } from '../../errors.js';

export type DigestAlgorithm = 'sha256' | 'sha512';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['sha256', 'sha512'];

const PATTERN = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** True for `sha256:<64 lowercase hex>` or `sha512:<128 lowercase hex>`. */
export function isRegistryDigest(value: string): boolean {
  return PATTERN.test(value);
}

/** Returns the digest unchanged, or throws 'invalid' naming it. */
export function validateRegistryDigest(value: string, what = 'digest'): string {
  if (!isRegistryDigest(value)) {
    throw invalid(`invalid ${what} ${JSON.stringify(value)}: expected sha256:<64 lowercase hex digits> or sha512:<128>`);
  }
  return value;
}

/** The algorithm and hex of a validated digest. */
export function digestParts(digest: string): { algorithm: DigestAlgorithm; hex: string } {
  validateRegistryDigest(digest);
  const colon = digest.indexOf(':');
  return { algorithm: digest.slice(0, colon) as DigestAlgorithm, hex: digest.slice(colon + 1) };
}

/** The digest a hex string stands for, from its length (64: sha256, 128: sha512); undefined for anything else. */
export function digestFromHex(hex: string): string | undefined {
  const digest = `${hex.length === 128 ? 'sha512' : 'sha256'}:${hex}`;
  return isRegistryDigest(digest) ? digest : undefined;
}

/** Digest of bytes in memory with `algorithm`. */
export function digestBytes(data: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${crypto.createHash(algorithm).update(data).digest('hex')}`;
}
