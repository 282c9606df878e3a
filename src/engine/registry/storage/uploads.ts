// Upload sessions: a growing byte sequence with an id, kept under
// /uploads/<id> (layout.ts), that becomes a blob only when committed with a
// digest its bytes hash to, and never before.
//
// Resumable: every append opens the data file for append and closes it at
// the end, so the bytes of a request cut off half way stay, and the next
// append (at the offset statUpload reports) carries on after them.  Appends
// to one upload run one at a time in this process.  While this process wrote
// all of an upload's bytes it keeps a running hash, so committing a large
// blob does not read it again; otherwise (a restart in between) commit hashes
// the data file.
import crypto from 'node:crypto';
import { digestParts, validateRegistryDigest as validateDigest } from './digests.js';
import type { BlobStore, RepositoryLinks } from './blobs.js';
import type { StorageDriver } from './driver.js';
import { childNames, deleteIfPresent, readJson, statOrUndefined, unlessMissing, writeJson } from './driver-io.js';
import { UPLOADS, uploadDataPath, uploadInfoPath, uploadPath } from './layout.js';
import { validateRepositoryName } from './names.js';
import { DigestMismatchError, UploadOffsetError, UploadUnknownError, type BlobInfo, type UploadStatus } from './storage.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface UploadInfo {
  repository: string;
  startedAt: number;
}

export class Uploads {
  /** per upload: the tail of its chain of appends and commit */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** per upload: a running hash of its data while this process wrote all of it */
  private readonly hashes = new Map<string, { hash: crypto.Hash; size: number }>();

  constructor(private readonly driver: StorageDriver, private readonly blobs: BlobStore, private readonly links: RepositoryLinks) {}

  async create(repository: string): Promise<UploadStatus> {
    validateRepositoryName(repository);
    const id = crypto.randomUUID();
    const info: UploadInfo = { repository, startedAt: Date.now() };
    await (await this.driver.writer(uploadDataPath(id), false)).close();
    await writeJson(this.driver, uploadInfoPath(id), info);
    this.hashes.set(id, { hash: crypto.createHash('sha256'), size: 0 });
    return { id, repository, size: 0, startedAt: info.startedAt };
  }

  async stat(repository: string, id: string): Promise<UploadStatus> {
    const info = await this.info(repository, id);
    return { id, repository, size: await this.size(repository, id), startedAt: info.startedAt };
  }

  async append(repository: string, id: string, data: AsyncIterable<Uint8Array>, offset?: number): Promise<UploadStatus> {
    const info = await this.info(repository, id);
    return this.serialise(id, async () => {
      const size = await this.size(repository, id);
      if (offset !== undefined && offset !== size) throw new UploadOffsetError(id, offset, size);
      let running = this.hashes.get(id);
      if (running && running.size !== size) {
        this.hashes.delete(id);
        running = undefined;
      }
      const writer = await unlessMissing(() => this.driver.writer(uploadDataPath(id), true), undefined);
      if (!writer) throw new UploadUnknownError(repository, id);
      try {
        for await (const chunk of data) {
          await writer.write(chunk);
          if (running) {
            running.hash.update(chunk);
            running.size = writer.size;
          }
        }
      } finally {
        await writer.close();
      }
      // Cancelled while the bytes came in: they went nowhere.
      if (!(await statOrUndefined(this.driver, uploadInfoPath(id)))) throw new UploadUnknownError(repository, id);
      return { id, repository, size: writer.size, startedAt: info.startedAt };
    });
  }

  /**
   * Verifies the bytes against `digest`; when they match the blob becomes
   * visible (durably) and linked into `repository`.  Either way the upload
   * is gone afterwards.
   */
  async commit(repository: string, id: string, digest: string): Promise<BlobInfo> {
    validateDigest(digest);
    await this.info(repository, id);
    return this.serialise(id, async () => {
      const data = uploadDataPath(id);
      try {
        const size = await this.size(repository, id);
        const running = this.hashes.get(id);
        // The running hash is sha256; a sha512 digest (rare: conformance tests, some tools) hashes the data file.
        const { algorithm } = digestParts(digest);
        const actual = algorithm === 'sha256' && running && running.size === size ? `sha256:${running.hash.digest('hex')}` : await this.hashData(data, algorithm);
        if (actual !== digest) throw new DigestMismatchError(digest, actual);
        if ((await this.blobs.size(digest)) === undefined) {
          await (await this.driver.writer(data, true)).commit();
          await this.blobs.adopt(digest, data);
        }
        await this.links.link(repository, digest);
        return { digest, size };
      } finally {
        this.hashes.delete(id);
        await deleteIfPresent(this.driver, uploadPath(id));
      }
    });
  }

  async cancel(repository: string, id: string): Promise<void> {
    await this.info(repository, id);
    this.hashes.delete(id);
    await deleteIfPresent(this.driver, uploadPath(id));
  }

  /** Every live upload, oldest first. */
  async list(): Promise<UploadStatus[]> {
    const found: UploadStatus[] = [];
    for (const id of await childNames(this.driver, UPLOADS)) {
      if (!UUID.test(id)) continue;
      const info = await readJson<UploadInfo>(this.driver, uploadInfoPath(id));
      const data = await statOrUndefined(this.driver, uploadDataPath(id));
      // Either missing: committed or cancelled meanwhile.
      if (info && data) found.push({ id, repository: info.repository, size: data.size, startedAt: info.startedAt });
    }
    return found.sort((a, b) => a.startedAt - b.startedAt);
  }

  /** The upload's record; UploadUnknownError unless `id` is a live upload of `repository`. */
  private async info(repository: string, id: string): Promise<UploadInfo> {
    validateRepositoryName(repository);
    if (!UUID.test(id)) throw new UploadUnknownError(repository, id);
    const info = await readJson<UploadInfo>(this.driver, uploadInfoPath(id));
    if (!info || info.repository !== repository) throw new UploadUnknownError(repository, id);
    return info;
  }

  private async size(repository: string, id: string): Promise<number> {
    const data = await statOrUndefined(this.driver, uploadDataPath(id));
    if (!data) throw new UploadUnknownError(repository, id);
    return data.size;
  }

  private async hashData(path: string, algorithm = 'sha256'): Promise<string> {
    const hash = crypto.createHash(algorithm);
    for await (const chunk of await this.driver.reader(path, 0)) hash.update(chunk as Buffer);
    return `${algorithm}:${hash.digest('hex')}`;
  }

  private serialise<T>(id: string, work: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(id) ?? Promise.resolve()).then(work);
    const tail = run.catch(() => undefined);
    this.queues.set(id, tail);
    void tail.then(() => {
      if (this.queues.get(id) === tail) this.queues.delete(id);
    });
    return run;
  }
}
