// Content digests: `sha256:<64 lowercase hex>`, the only algorithm berth
// stores.  Every digest that reaches a file path passes validateDigest first,
// so a crafted one (`sha256:../../etc/passwd`) can never name a file outside
// the blob store.
import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { invalid } from '../errors.js';

export const DIGEST_ALGORITHM = 'sha256';
const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

/** True for `sha256:` followed by exactly 64 lowercase hex digits. */
export function isDigest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}

/** Returns the digest unchanged, or throws 'invalid' naming it. */
export function validateDigest(value: string, what = 'digest'): string {
  if (!isDigest(value)) {
    throw invalid(`invalid ${what} ${JSON.stringify(value)}: expected sha256:<64 lowercase hex digits>`);
  }
  return value;
}

/** The hex part of a validated digest (`sha256:ab..` -> `ab..`). */
export function digestHex(digest: string): string {
  return validateDigest(digest).slice(DIGEST_ALGORITHM.length + 1);
}

/** Digest of bytes in memory. */
export function sha256(data: string | Uint8Array): string {
  return `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;
}

/**
 * A pass-through stream that hashes and counts what flows through it, so a
 * digest is known the moment the data has been written elsewhere (one pass,
 * no re-read).  Read `digest` and `size` after the stream has ended.
 */
export class DigestStream extends Transform {
  private readonly hash = crypto.createHash('sha256');
  private bytes = 0;
  private result: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.result = `sha256:${this.hash.digest('hex')}`;
    callback();
  }

  /** `sha256:<hex>` of everything that passed; throws if the stream has not ended. */
  get digest(): string {
    if (this.result === undefined) throw new Error('DigestStream: digest read before the stream ended');
    return this.result;
  }

  /** Bytes that passed so far. */
  get size(): number {
    return this.bytes;
  }
}
