// The S3 driver's writer, in the shape of distribution's: a file being
// written is a multipart upload on its own key, in parts of exactly
// `chunkSize` bytes (10 MiB by default, never under S3's 5 MiB minimum), with
// at most one part's bytes in memory.
//
// What is not yet a part (the tail, always shorter than a part) is kept in
// S3 beside the key, as the hidden object `<dir>/.<name>.writing`, whose
// metadata records the upload id, how many parts belong to the file and
// their total size.  That record is the file's state:
//   - stat learns the size of a file being written from it (parts + tail),
//     which is how the registry's uploads learn their offset;
//   - writer(path, true) in any process resumes from it: the tail's bytes
//     come back into memory, the parts' ETags from ListParts;
//   - it is rewritten on close(), after every part, and when the writer has
//     been idle a second (a client that stalls, or one whose connection is
//     about to drop), though never more than about 1 MiB/s of tail, so a
//     file's bytes show to other processes soon after they arrive and a
//     process killed mid-write loses little; a part sent after the last
//     record (by a process that died) is simply sent again.
// S3 cannot read the parts of an unfinished upload, so a read of a file
// being written completes it first (the driver does that); a later append
// to a complete file turns it back into an upload, copying its whole parts
// server-side (UploadPartCopy) and only the tail through this process.
import type { S3Client } from '@aws-sdk/client-s3';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  GetObjectCommand, PutObjectCommand, UploadPartCommand, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { errorName } from './s3-client.js';

/** an idle writer saves its tail after this long... */
const IDLE_SAVE_MS = 1000;
/** ...but rewrites no more than this many tail bytes a second */
const IDLE_SAVE_RATE = 1024 * 1024;

export interface Part {
  readonly PartNumber: number;
  readonly ETag: string;
}

/** A file being written, as its record says. */
export interface WritingState {
  uploadId?: string;
  parts: Part[];
  /** bytes in `parts` (each one chunkSize) */
  partsSize: number;
}

/** The record's metadata (x-amz-meta-*), as S3 returns it (lowercase). */
const META = { uploadId: 'berth-upload-id', parts: 'berth-parts', partsSize: 'berth-parts-size' } as const;
const MODIFIED = 'berth-modified';

/**
 * Metadata saying when the driver wrote an object, in ms.  S3's own
 * Last-Modified is whole seconds (AWS rounds down, Swift up), too coarse for
 * the garbage collector's "changed since it started"; every object the
 * driver puts or moves carries this instead (a completed multipart upload
 * cannot, and falls back on Last-Modified).
 */
export function modifiedMetadata(): Record<string, string> {
  return { [MODIFIED]: String(Date.now()) };
}

/** When an object was written: the driver's own time when it recorded one, else S3's. */
export function modifiedAt(metadata: Record<string, string> | undefined, lastModified: Date | undefined): number {
  const recorded = Number(metadata?.[MODIFIED]);
  return Number.isSafeInteger(recorded) && recorded > 0 ? recorded : lastModified?.getTime() ?? Date.now();
}

export function recordMetadata(state: WritingState): Record<string, string> {
  return {
    ...modifiedMetadata(),
    ...(state.uploadId ? { [META.uploadId]: state.uploadId } : {}),
    [META.parts]: String(state.parts.length),
    [META.partsSize]: String(state.partsSize),
  };
}

/** What a record's metadata says: the upload id, the number of parts and their size. */
export function parseRecord(metadata: Record<string, string> | undefined): { uploadId?: string; parts: number; partsSize: number } {
  const parts = Number(metadata?.[META.parts] ?? 0);
  const partsSize = Number(metadata?.[META.partsSize] ?? 0);
  const uploadId = metadata?.[META.uploadId];
  return { ...(uploadId ? { uploadId } : {}), parts: Number.isSafeInteger(parts) ? parts : 0, partsSize: Number.isSafeInteger(partsSize) ? partsSize : 0 };
}

/** What a writer needs of its driver. */
export interface WriterContext {
  readonly client: S3Client;
  readonly bucket: string;
  readonly chunkSize: number;
  /** runs an SDK call, turning its failure into the driver's error (saying `what`) */
  call<T>(what: string, work: () => Promise<T>): Promise<T>;
}

export class S3Writer {
  private open = true;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** something to save on close: bytes written, or the record not yet made */
  private dirty: boolean;
  /** every call, and the idle save, run one at a time in order */
  private queue: Promise<unknown> = Promise.resolve();
  private idleSave: NodeJS.Timeout | undefined;
  private savedAt = Date.now();

  constructor(
    private readonly ctx: WriterContext,
    private readonly key: string,
    private readonly recordKey: string,
    private readonly state: WritingState,
    tail: Buffer,
    /** a complete object being appended to: turned back into an upload on the first write */
    private base: { size: number } | undefined,
    dirty: boolean,
  ) {
    if (tail.length) {
      this.chunks.push(tail);
      this.buffered = tail.length;
    }
    this.dirty = dirty;
  }

  get size(): number {
    return this.base ? this.base.size : this.state.partsSize + this.buffered;
  }

  // async, so a call after close rejects rather than throws
  async write(chunk: Uint8Array): Promise<void> {
    this.check();
    return this.serial(() => this.append(chunk));
  }

  async close(): Promise<void> {
    this.stop();
    return this.serial(async () => {
      if (this.dirty) await this.saveRecord();
    });
  }

  async commit(): Promise<void> {
    this.stop();
    return this.serial(() => this.complete());
  }

  async cancel(): Promise<void> {
    this.stop();
    return this.serial(() => this.discard());
  }

  private async append(chunk: Uint8Array): Promise<void> {
    if (chunk.length === 0) return;
    if (this.base) await this.reopen(this.base.size);
    // Copied (the caller may reuse its buffer) and kept before anything is
    // sent: if a part fails, close() still records these bytes.
    this.chunks.push(Buffer.from(chunk));
    this.buffered += chunk.length;
    this.dirty = true;
    let sent = false;
    while (this.buffered >= this.ctx.chunkSize) {
      await this.sendPart(this.take(this.ctx.chunkSize));
      sent = true;
    }
    if (sent) await this.saveRecord();
    this.armIdleSave();
  }

  private async complete(): Promise<void> {
    if (this.base) return; // a complete object, untouched
    const tail = this.take(this.buffered);
    if (!this.state.uploadId) {
      await this.ctx.call(`put ${this.key}`, () => this.ctx.client.send(new PutObjectCommand({ Bucket: this.ctx.bucket, Key: this.key, Body: tail, Metadata: modifiedMetadata() })));
    } else {
      // The last part may be short (or the only one).
      if (tail.length > 0 || this.state.parts.length === 0) await this.sendPart(tail);
      const { uploadId, parts } = this.state;
      await this.ctx.call(`complete the multipart upload of ${this.key}`, () => this.ctx.client.send(new CompleteMultipartUploadCommand({
        Bucket: this.ctx.bucket, Key: this.key, UploadId: uploadId, MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag })) },
      })));
    }
    await this.ctx.call(`delete ${this.recordKey}`, () => this.ctx.client.send(new DeleteObjectCommand({ Bucket: this.ctx.bucket, Key: this.recordKey })));
  }

  private async discard(): Promise<void> {
    this.chunks = [];
    this.buffered = 0;
    const { uploadId } = this.state;
    if (uploadId) {
      await this.ctx.call(`abort the multipart upload of ${this.key}`, async () => {
        try {
          await this.ctx.client.send(new AbortMultipartUploadCommand({ Bucket: this.ctx.bucket, Key: this.key, UploadId: uploadId }));
        } catch (error) {
          if (errorName(error) !== 'NoSuchUpload') throw error;
        }
      });
    }
    for (const key of [this.recordKey, this.key]) {
      await this.ctx.call(`delete ${key}`, () => this.ctx.client.send(new DeleteObjectCommand({ Bucket: this.ctx.bucket, Key: key })));
    }
  }

  /** The first `count` buffered bytes, as one buffer, removed from the buffer. */
  private take(count: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const taken = all.subarray(0, count);
    const rest = all.subarray(count);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return taken;
  }

  private async sendPart(body: Buffer): Promise<void> {
    const uploadId = await this.uploadId();
    const PartNumber = this.state.parts.length + 1;
    const result = await this.ctx.call(`upload part ${PartNumber} of ${this.key}`, () => this.ctx.client.send(new UploadPartCommand({
      Bucket: this.ctx.bucket, Key: this.key, UploadId: uploadId, PartNumber, Body: body,
    })));
    this.state.parts.push({ PartNumber, ETag: result.ETag! });
    this.state.partsSize += body.length;
  }

  private async uploadId(): Promise<string> {
    if (!this.state.uploadId) {
      const created = await this.ctx.call(`start a multipart upload of ${this.key}`, () => this.ctx.client.send(new CreateMultipartUploadCommand({ Bucket: this.ctx.bucket, Key: this.key })));
      this.state.uploadId = created.UploadId!;
    }
    return this.state.uploadId;
  }

  /** The tail and state, as the hidden record object: from here on this is what the file is. */
  private async saveRecord(): Promise<void> {
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    await this.ctx.call(`put ${this.recordKey}`, () => this.ctx.client.send(new PutObjectCommand({
      Bucket: this.ctx.bucket, Key: this.recordKey, Body: body, Metadata: recordMetadata(this.state),
    })));
    this.dirty = false;
    this.savedAt = Date.now();
  }

  /** Saves the record once the writer has been idle a while (see the top of this file). */
  private armIdleSave(): void {
    clearTimeout(this.idleSave);
    if (!this.dirty) return;
    const wait = Math.max(IDLE_SAVE_MS, (this.buffered / IDLE_SAVE_RATE) * 1000 - (Date.now() - this.savedAt));
    this.idleSave = setTimeout(() => {
      // A failure here is not the caller's: the record stays as it was, and close() saves again.
      this.serial(async () => {
        if (this.open && this.dirty) await this.saveRecord();
      }).catch(() => undefined);
    }, wait);
    this.idleSave.unref();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** No more calls: the first of close, commit and cancel. */
  private stop(): void {
    this.check();
    this.open = false;
    clearTimeout(this.idleSave);
  }

  /**
   * Turns the complete object at the key back into a file being written: its
   * whole parts are copied into a new upload by S3 itself, its tail is read
   * here; the record is saved before the object is deleted, so a crash in
   * between leaves the complete object, as it was.
   */
  private async reopen(size: number): Promise<void> {
    const whole = Math.floor(size / this.ctx.chunkSize);
    for (let i = 0; i < whole; i++) {
      const uploadId = await this.uploadId();
      const PartNumber = i + 1;
      const range = `bytes=${i * this.ctx.chunkSize}-${(i + 1) * this.ctx.chunkSize - 1}`;
      const result = await this.ctx.call(`copy part ${PartNumber} of ${this.key}`, () => this.ctx.client.send(new UploadPartCopyCommand({
        Bucket: this.ctx.bucket, Key: this.key, UploadId: uploadId, PartNumber, CopySource: `${this.ctx.bucket}/${this.key}`, CopySourceRange: range,
      })));
      this.state.parts.push({ PartNumber, ETag: result.CopyPartResult!.ETag! });
      this.state.partsSize += this.ctx.chunkSize;
    }
    const from = whole * this.ctx.chunkSize;
    if (size > from) {
      const tail = await this.ctx.call(`read ${this.key}`, async () => {
        const got = await this.ctx.client.send(new GetObjectCommand({ Bucket: this.ctx.bucket, Key: this.key, Range: `bytes=${from}-` }));
        return Buffer.from(await got.Body!.transformToByteArray());
      });
      this.chunks = [tail];
      this.buffered = tail.length;
    }
    this.base = undefined;
    await this.saveRecord();
    await this.ctx.call(`delete ${this.key}`, () => this.ctx.client.send(new DeleteObjectCommand({ Bucket: this.ctx.bucket, Key: this.key })));
  }

  private check(): void {
    if (!this.open) throw new Error('the writer is closed');
  }
}
