// Streaming writes into the blob store.  Bytes go to a temp file under
// paths.tmp (same filesystem as the blobs, so the final rename is atomic)
// while being hashed; commit() checks the digest and size the caller expected,
// fsyncs and renames into blobs/sha256/<hex>.  Anything else -- a mismatch, an
// upstream error, a destroy() from pipeline() -- removes the temp file, so an
// interrupted write never leaves a partial blob or a stray temp file.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { invalid } from '../errors.js';
import { validateDigest } from './digest.js';

export interface BlobInfo {
  /** `sha256:<hex>` of the stored bytes */
  readonly digest: string;
  /** bytes stored */
  readonly size: number;
}

/** What the caller knows in advance; a blob that does not match is refused. */
export interface ExpectedBlob {
  readonly digest?: string;
  readonly size?: number;
}

export class BlobWriter extends Writable {
  private readonly hash = crypto.createHash('sha256');
  private fd: number;
  private bytes = 0;
  private done = false;

  /** Use BlobStore.writer(); `blobPath` maps a digest to its final path. */
  constructor(readonly tempPath: string, private readonly blobPath: (digest: string) => string) {
    // autoDestroy off: finishing must not close the file before commit() fsyncs it.
    super({ autoDestroy: false });
    fs.mkdirSync(path.dirname(tempPath), { recursive: true });
    this.fd = fs.openSync(tempPath, 'wx', 0o644);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.bytes;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    writeAll(this.fd, chunk, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.abort();
    callback(error);
  }

  /**
   * Verifies, fsyncs and moves the temp file into the store.  Call after the
   * stream has finished (e.g. after `await pipeline(..., writer)`).
   */
  async commit(expected: ExpectedBlob = {}): Promise<BlobInfo> {
    if (this.done) throw new Error('BlobWriter: commit after commit or abort');
    if (!this.writableFinished) await new Promise<void>((resolve, reject) => {
      this.once('finish', resolve);
      this.once('error', reject);
      this.end();
    });
    const digest = `sha256:${this.hash.digest('hex')}`;
    try {
      if (expected.digest !== undefined && validateDigest(expected.digest) !== digest) {
        throw invalid(`digest mismatch: expected ${expected.digest}, got ${digest}`);
      }
      if (expected.size !== undefined && expected.size !== this.bytes) {
        throw invalid(`size mismatch for ${digest}: expected ${expected.size} bytes, got ${this.bytes}`);
      }
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = -1;
      const target = this.blobPath(digest);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      // Same digest, same bytes: an existing blob is as good as ours.
      if (fs.existsSync(target)) fs.rmSync(this.tempPath, { force: true });
      else fs.renameSync(this.tempPath, target);
      this.done = true;
      return { digest, size: this.bytes };
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /** Drops the temp file; safe to call more than once. */
  abort(): void {
    if (this.fd >= 0) {
      try { fs.closeSync(this.fd); } catch { /* already closed */ }
      this.fd = -1;
    }
    if (!this.done) fs.rmSync(this.tempPath, { force: true });
    this.done = true;
  }
}

function writeAll(fd: number, chunk: Buffer, callback: (error?: Error | null) => void, offset = 0): void {
  fs.write(fd, chunk, offset, chunk.length - offset, null, (error, written) => {
    if (error) return callback(error);
    if (offset + written < chunk.length) return writeAll(fd, chunk, callback, offset + written);
    callback();
  });
}
