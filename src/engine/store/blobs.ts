// The content-addressed blob store: blobs/sha256/<hex>, one file per blob
// (manifests, configs, layers alike).  A blob's name is the sha256 of its
// bytes, so a blob is never modified, only added or deleted.  Writes are safe
// without the global lock (temp file + verify + fsync + rename).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { notFound, isErrno } from '../errors.js';
import type { Paths } from '../paths.js';
import { digestHex, isDigest, sha256, validateDigest } from './digest.js';
import { BlobWriter, type BlobInfo, type ExpectedBlob } from './blob-writer.js';

export type { BlobInfo, ExpectedBlob } from './blob-writer.js';
export { BlobWriter } from './blob-writer.js';

export class BlobStore {
  /** blobs/sha256 */
  readonly dir: string;

  constructor(private readonly paths: Paths) {
    this.dir = path.join(paths.blobs, 'sha256');
  }

  /** Where the blob lives (whether or not it exists); refuses a malformed digest. */
  path(digest: string): string {
    return path.join(this.dir, digestHex(digest));
  }

  has(digest: string): boolean {
    return fs.existsSync(this.path(digest));
  }

  /** Size in bytes; notFound when absent. */
  size(digest: string): number {
    try {
      return fs.statSync(this.path(digest)).size;
    } catch (error) {
      throw this.wrapMissing(error, digest);
    }
  }

  /** The whole blob in memory: for manifests and configs, not layers. */
  read(digest: string): Buffer {
    try {
      return fs.readFileSync(this.path(digest));
    } catch (error) {
      throw this.wrapMissing(error, digest);
    }
  }

  /** A stream of the blob, for layers. */
  stream(digest: string): Readable {
    const file = this.path(digest);
    if (!fs.existsSync(file)) throw notFound(`blob ${digest} not found in ${this.dir}`);
    return fs.createReadStream(file);
  }

  /** A writer for a blob whose digest will be known when the data ends. */
  writer(): BlobWriter {
    const temp = path.join(this.paths.tmp, `blob-${process.pid}-${crypto.randomBytes(6).toString('hex')}.partial`);
    return new BlobWriter(temp, (digest) => this.path(digest));
  }

  /**
   * Stores bytes from memory or a stream.  With `expected`, a blob whose digest
   * or size differs is refused ('invalid') and nothing is left behind.
   */
  async put(data: Uint8Array | Readable, expected: ExpectedBlob = {}): Promise<BlobInfo> {
    if (expected.digest !== undefined) validateDigest(expected.digest);
    if (!(data instanceof Readable)) {
      // In memory: skip the write when the same bytes are already stored.
      const digest = sha256(data);
      if (this.has(digest) && (expected.digest === undefined || expected.digest === digest)
          && (expected.size === undefined || expected.size === data.length)) {
        return { digest, size: data.length };
      }
      data = Readable.from([Buffer.from(data)]);
    }
    const writer = this.writer();
    try {
      await pipeline(data, writer);
    } catch (error) {
      writer.abort();
      throw error;
    }
    return writer.commit(expected);
  }

  /** Removes a blob; false when it was not there. */
  delete(digest: string): boolean {
    try {
      fs.unlinkSync(this.path(digest));
      return true;
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return false;
      throw error;
    }
  }

  /** Every stored digest. */
  list(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return [];
      throw error;
    }
    return names.map((hex) => `sha256:${hex}`).filter(isDigest).sort();
  }

  private wrapMissing(error: unknown, digest: string): unknown {
    return isErrno(error, 'ENOENT') ? notFound(`blob ${digest} not found in ${this.dir}`, error) : error;
  }
}
