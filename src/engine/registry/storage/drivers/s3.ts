// The storage driver on S3 (AWS, or any server that speaks its API: Swift's
// s3api, MinIO, Ceph's radosgw), as distribution's s3 driver does it:
//
//   - driver path /a/b is the key <prefix>/a/b in the bucket; directories are
//     implicit (the prefixes of keys), listed with Delimiter '/';
//   - a file being written is a multipart upload on its key plus a hidden
//     record object beside it (s3-writer.ts says how), so its bytes survive
//     close() and another process can resume it;
//   - move is CopyObject + DeleteObject; delete of a directory deletes every
//     key below it (DeleteObjects, 1000 at a time) and aborts the multipart
//     uploads under it;
//   - reader(path, offset) is a ranged GetObject; stat is HeadObject, then the
//     record of a file being written, then a one-key listing for a directory.
//
// Hidden names: a driver path component never starts with '.', so keys whose
// last component does are the driver's own (`.<name>.writing` records); a
// listing shows a record as the file it stands for and nothing else.
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CopyObjectCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand,
  HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, ListPartsCommand, PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  byteOrder, checkPath, InvalidOffsetError, PathNotFoundError,
  type FileInfo, type FileWriter, type StorageDriver,
} from '../driver.js';
import { errorName, isMissingKey, s3Client, s3Failure, type S3Location } from './s3-client.js';
import { modifiedAt, modifiedMetadata, parseRecord, recordMetadata, S3Writer, type Part, type WriterContext } from './s3-writer.js';

export type { S3Location } from './s3-client.js';

const MiB = 1024 * 1024;
/** distribution's defaults: S3 refuses parts under 5 MiB (but the last) */
export const DEFAULT_CHUNK_SIZE = 10 * MiB;
export const MIN_CHUNK_SIZE = 5 * MiB;
const RECORD_SUFFIX = '.writing';

export interface S3DriverOptions extends S3Location {
  /** multipart part size; at least MIN_CHUNK_SIZE */
  readonly chunkSize?: number;
  /** blob GETs may be answered with a redirect to urlFor() (distribution's `redirect`) */
  readonly redirect?: boolean;
}

export class S3Driver implements StorageDriver {
  readonly name: string;
  readonly chunkSize: number;
  readonly redirect: boolean;
  readonly client: S3Client;
  private readonly writerContext: WriterContext;

  constructor(readonly location: S3DriverOptions) {
    this.chunkSize = location.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isSafeInteger(this.chunkSize) || this.chunkSize < MIN_CHUNK_SIZE) {
      throw new RangeError(`s3 chunk size ${location.chunkSize} is under S3's minimum part size of ${MIN_CHUNK_SIZE} bytes (5 MiB)`);
    }
    this.redirect = location.redirect ?? false;
    const where = location.endpoint ? ` at ${location.endpoint}` : '';
    this.name = `s3 s3://${location.bucket}/${location.prefix}${where}`;
    this.client = s3Client(location);
    this.writerContext = { client: this.client, bucket: location.bucket, chunkSize: this.chunkSize, call: (what, work) => this.call(what, work) };
  }

  /** The key of driver path `path` (checked). */
  key(path: string): string {
    checkPath(this.name, path);
    return this.location.prefix ? `${this.location.prefix}${path}` : path.slice(1);
  }

  /** The hidden record of a file being written at `path`: `<dir>/.<name>.writing`. */
  recordKey(path: string): string {
    const key = this.key(path);
    const slash = key.lastIndexOf('/');
    return `${key.slice(0, slash + 1)}.${key.slice(slash + 1)}${RECORD_SUFFIX}`;
  }

  async get(path: string): Promise<Buffer> {
    const key = this.key(path);
    const got = await this.whole(path, () => this.call(`get ${key}`, () => this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: key }))));
    return Buffer.from(await got.Body!.transformToByteArray());
  }

  async put(path: string, content: Uint8Array): Promise<void> {
    const key = this.key(path);
    // One PUT: S3 shows the old object or the new one, never a part.
    await this.call(`put ${key}`, () => this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key: key, Body: content, Metadata: modifiedMetadata() })));
  }

  async reader(path: string, offset = 0): Promise<Readable> {
    const key = this.key(path);
    if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidOffsetError(this.name, path, offset);
    try {
      const got = await this.whole(path, () => this.call(`read ${key}`, () => this.client.send(new GetObjectCommand({
        Bucket: this.location.bucket, Key: key, ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}),
      }))));
      return got.Body as Readable;
    } catch (error) {
      // S3 answers 416 for a range that starts at the end: that is an empty read, past it an error.
      if (errorName((error as Error).cause) !== 'InvalidRange') throw error;
      const { size } = await this.stat(path);
      if (offset === size) return Readable.from([]);
      throw new InvalidOffsetError(this.name, path, offset);
    }
  }

  async writer(path: string, append: boolean): Promise<FileWriter> {
    const key = this.key(path);
    const recordKey = this.recordKey(path);
    if (append) {
      const record = await this.missingAs(undefined, () => this.call(`read ${recordKey}`, () => this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: recordKey }))));
      if (record) {
        const tail = Buffer.from(await record.Body!.transformToByteArray());
        const { uploadId, parts, partsSize } = parseRecord(record.Metadata);
        const listed = uploadId && parts > 0 ? await this.parts(key, uploadId, parts, partsSize) : [];
        return new S3Writer(this.writerContext, key, recordKey, { ...(uploadId ? { uploadId } : {}), parts: listed, partsSize }, tail, undefined, false);
      }
      const object = await this.missingAs(undefined, () => this.head(key));
      if (!object) throw new PathNotFoundError(this.name, path);
      return new S3Writer(this.writerContext, key, recordKey, { parts: [], partsSize: 0 }, Buffer.alloc(0), { size: object.ContentLength ?? 0 }, false);
    }
    // A new, empty file: earlier uploads on the key are dropped, the object
    // goes, and the record says "empty" from now on (the file exists).
    await this.abortUploads(key, (upload) => upload === key);
    await this.call(`delete ${key}`, () => this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: key })));
    const empty = { parts: [], partsSize: 0 };
    await this.call(`put ${recordKey}`, () => this.client.send(new PutObjectCommand({
      Bucket: this.location.bucket, Key: recordKey, Body: new Uint8Array(0), Metadata: recordMetadata(empty),
    })));
    return new S3Writer(this.writerContext, key, recordKey, { parts: [], partsSize: 0 }, Buffer.alloc(0), undefined, false);
  }

  async stat(path: string): Promise<FileInfo> {
    const key = this.key(path);
    const object = await this.missingAs(undefined, () => this.head(key));
    if (object) return { path, size: object.ContentLength ?? 0, isDirectory: false, modifiedAt: modifiedAt(object.Metadata, object.LastModified) };
    const record = await this.missingAs(undefined, () => this.head(this.recordKey(path)));
    if (record) {
      const { partsSize } = parseRecord(record.Metadata);
      return { path, size: partsSize + (record.ContentLength ?? 0), isDirectory: false, modifiedAt: modifiedAt(record.Metadata, record.LastModified) };
    }
    const below = await this.call(`list ${key}/`, () => this.client.send(new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: `${key}/`, MaxKeys: 1 })));
    if ((below.KeyCount ?? below.Contents?.length ?? 0) > 0) return { path, size: 0, isDirectory: true, modifiedAt: Date.now() };
    throw new PathNotFoundError(this.name, path);
  }

  async list(path: string): Promise<string[]> {
    const prefix = `${this.key(path)}/`;
    const names = new Set<string>();
    let seen = false;
    let token: string | undefined;
    do {
      const page = await this.call(`list ${prefix}`, () => this.client.send(new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token })));
      for (const dir of page.CommonPrefixes ?? []) {
        seen = true;
        const name = dir.Prefix!.slice(prefix.length, -1);
        if (!name.startsWith('.')) names.add(name);
      }
      for (const object of page.Contents ?? []) {
        seen = true;
        const name = object.Key!.slice(prefix.length);
        if (!name.startsWith('.')) names.add(name);
        else if (name.endsWith(RECORD_SUFFIX)) names.add(name.slice(1, -RECORD_SUFFIX.length));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    if (!seen) throw new PathNotFoundError(this.name, path);
    return [...names].sort(byteOrder).map((name) => `${path}/${name}`);
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.key(from);
    const target = this.key(to);
    // CopyObject is one request up to S3's 5 GB limit for it; a registry's
    // layers stay under it.  Moved is modified, as far as the collector's
    // grace period goes: the blob just arrived.
    await this.whole(from, () => this.call(`copy ${source} to ${target}`, () => this.client.send(new CopyObjectCommand({
      Bucket: this.location.bucket, Key: target, CopySource: `${this.location.bucket}/${source}`, MetadataDirective: 'REPLACE', Metadata: modifiedMetadata(),
    }))));
    await this.call(`delete ${source}`, () => this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: source })));
  }

  async delete(path: string): Promise<void> {
    const key = this.key(path);
    const prefix = `${key}/`;
    // A directory: every key below it, and every multipart upload under it
    // (including one whose record a dead process never wrote).
    const [keys, aborted] = await Promise.all([this.keysBelow(prefix), this.abortUploads(prefix, () => true)]);
    if (keys.length > 0 || aborted > 0) {
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000);
        const result = await this.call(`delete ${batch.length} keys under ${prefix}`, () => this.client.send(new DeleteObjectsCommand({
          Bucket: this.location.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        })));
        if (result.Errors?.length) {
          const first = result.Errors[0]!;
          throw s3Failure(this.name, this.location, `delete ${first.Key}`, { name: first.Code, message: `${first.Message} (and ${result.Errors.length - 1} more)` });
        }
      }
      return;
    }
    if (await this.missingAs(undefined, () => this.head(key))) {
      await this.call(`delete ${key}`, () => this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: key })));
      return;
    }
    const recordKey = this.recordKey(path);
    const record = await this.missingAs(undefined, () => this.head(recordKey));
    if (!record) throw new PathNotFoundError(this.name, path);
    await this.abortUploads(key, (upload) => upload === key);
    await this.call(`delete ${recordKey}`, () => this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: recordKey })));
  }

  /** A presigned GET of the file at `path`, valid for `expiresIn` seconds (for a redirect of a blob GET). */
  async urlFor(path: string, expiresIn = 20 * 60): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(path) }), { expiresIn });
  }

  /** Every multipart upload and hidden record under the prefix (the debris a test must not leave). */
  async leftovers(): Promise<string[]> {
    const top = this.location.prefix ? `${this.location.prefix}/` : '';
    const found = (await this.keysBelow(top)).filter((key) => key.slice(key.lastIndexOf('/') + 1).startsWith('.'));
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.call(`list multipart uploads under ${top}`, () => this.client.send(new ListMultipartUploadsCommand({ Bucket: this.location.bucket, Prefix: top, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker })));
      for (const upload of page.Uploads ?? []) found.push(`multipart upload ${upload.UploadId} of ${upload.Key}`);
      [keyMarker, uploadIdMarker] = page.IsTruncated ? [page.NextKeyMarker, page.NextUploadIdMarker] : [undefined, undefined];
    } while (keyMarker);
    return found;
  }

  /** Ends the client's connections. */
  destroy(): void {
    this.client.destroy();
  }

  // ---- helpers -------------------------------------------------------------

  /**
   * Runs a read of the complete object at `path`; when there is none but the
   * file is being written, completes it (S3 cannot read an unfinished
   * upload) and reads again.
   */
  private async whole<T>(path: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (!isMissingKey((error as Error).cause)) throw error;
      const record = await this.missingAs(undefined, () => this.head(this.recordKey(path)));
      if (!record) throw new PathNotFoundError(this.name, path);
      await (await this.writer(path, true)).commit();
      return read();
    }
  }

  /** The first `count` parts of an upload, checked against the record's size. */
  private async parts(key: string, uploadId: string, count: number, size: number): Promise<Part[]> {
    const parts: Part[] = [];
    let sizes = 0;
    let marker: string | undefined;
    do {
      const page = await this.call(`list the parts of ${key}`, () => this.client.send(new ListPartsCommand({ Bucket: this.location.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker })));
      for (const part of page.Parts ?? []) {
        // Parts past the record's count were sent by a writer that died before recording them.
        if (part.PartNumber! > count) continue;
        parts.push({ PartNumber: part.PartNumber!, ETag: part.ETag! });
        sizes += part.Size ?? 0;
      }
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (marker);
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    if (parts.length !== count || sizes !== size || parts.some((p, i) => p.PartNumber !== i + 1)) {
      throw s3Failure(this.name, this.location, `resume ${key}`, {
        name: 'PartsMissing', message: `its record counts ${count} parts of ${size} bytes, but multipart upload ${uploadId} has ${parts.length} of them (${sizes} bytes); delete the file and write it again`,
      });
    }
    return parts;
  }

  /** Aborts the multipart uploads whose key starts with `prefix` and passes `keep`; how many. */
  private async abortUploads(prefix: string, keep: (key: string) => boolean): Promise<number> {
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.call(`list multipart uploads under ${prefix}`, () => this.client.send(new ListMultipartUploadsCommand({ Bucket: this.location.bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker })));
      for (const upload of page.Uploads ?? []) {
        if (!keep(upload.Key!)) continue;
        await this.call(`abort the multipart upload of ${upload.Key}`, async () => {
          try {
            await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.location.bucket, Key: upload.Key!, UploadId: upload.UploadId! }));
          } catch (error) {
            if (errorName(error) !== 'NoSuchUpload') throw error;
          }
        });
        aborted++;
      }
      [keyMarker, uploadIdMarker] = page.IsTruncated ? [page.NextKeyMarker, page.NextUploadIdMarker] : [undefined, undefined];
    } while (keyMarker);
    return aborted;
  }

  private async keysBelow(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(`list ${prefix}`, () => this.client.send(new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: prefix, ContinuationToken: token })));
      for (const object of page.Contents ?? []) keys.push(object.Key!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  private head(key: string) {
    return this.call(`stat ${key}`, () => this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: key })));
  }

  /** `work()`, or `fallback` when the key it reads is missing. */
  private async missingAs<T, F>(fallback: F, work: () => Promise<T>): Promise<T | F> {
    try {
      return await work();
    } catch (error) {
      if (isMissingKey((error as Error).cause)) return fallback;
      throw error;
    }
  }

  /** Runs an SDK call; its failure becomes the driver's error, with the SDK's as its cause. */
  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw s3Failure(this.name, this.location, what, error);
    }
  }
}
