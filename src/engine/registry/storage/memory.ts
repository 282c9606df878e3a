// The reference backend: the RegistryStorage contract in plain maps, for
// tests and for a throwaway registry.  Everything is lost when the process
// ends.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { validateDigest } from '../../store/digest.js';
import type { Descriptor } from '../../store/oci.js';
import { validateRepositoryName, validateTag } from './names.js';
import {
  BlobUnknownError, DigestMismatchError, ManifestUnknownError, TagUnknownError, UploadOffsetError, UploadUnknownError,
  type BlobInfo, type ByteRange, type ManifestMeta, type ManifestRecord, type RegistryStorage, type TagRecord, type UploadStatus,
} from './storage.js';

interface Repository {
  readonly blobs: Set<string>;
  readonly manifests: Map<string, { bytes: Buffer; meta: ManifestMeta }>;
  readonly tags: Map<string, { digest: string; updatedAt: number }>;
}

interface Upload {
  readonly id: string;
  readonly repository: string;
  readonly startedAt: number;
  chunks: Buffer[];
  size: number;
  /** the tail of the appends chain: appends run one after another */
  queue: Promise<unknown>;
}

export class MemoryStorage implements RegistryStorage {
  readonly description = 'memory';
  private readonly blobs = new Map<string, Buffer>();
  private readonly repositories = new Map<string, Repository>();
  private readonly uploads = new Map<string, Upload>();

  async listRepositories(): Promise<string[]> {
    return [...this.repositories.entries()]
      .filter(([, r]) => r.blobs.size + r.manifests.size + r.tags.size > 0)
      .map(([name]) => name)
      .sort(byteOrder);
  }

  async statBlob(repository: string, digest: string): Promise<BlobInfo> {
    return { digest, size: this.linkedBlob(repository, digest).length };
  }

  async readBlob(repository: string, digest: string, range?: ByteRange): Promise<Readable> {
    const data = this.linkedBlob(repository, digest);
    return Readable.from([range ? data.subarray(range.start, range.end + 1) : data]);
  }

  async mountBlob(repository: string, digest: string, from: string): Promise<BlobInfo> {
    validateRepositoryName(repository);
    const data = this.linkedBlob(from, digest);
    this.repo(repository, true).blobs.add(digest);
    return { digest, size: data.length };
  }

  async deleteBlob(repository: string, digest: string): Promise<void> {
    this.linkedBlob(repository, digest);
    this.repo(repository)!.blobs.delete(digest);
  }

  async createUpload(repository: string): Promise<UploadStatus> {
    validateRepositoryName(repository);
    const upload: Upload = { id: crypto.randomUUID(), repository, startedAt: Date.now(), chunks: [], size: 0, queue: Promise.resolve() };
    this.uploads.set(upload.id, upload);
    return status(upload);
  }

  async statUpload(repository: string, id: string): Promise<UploadStatus> {
    return status(this.upload(repository, id));
  }

  async appendUpload(repository: string, id: string, data: AsyncIterable<Uint8Array>, offset?: number): Promise<UploadStatus> {
    const upload = this.upload(repository, id);
    const run = upload.queue.then(async () => {
      if (this.uploads.get(id) !== upload) throw new UploadUnknownError(repository, id);
      if (offset !== undefined && offset !== upload.size) throw new UploadOffsetError(id, offset, upload.size);
      for await (const chunk of data) {
        if (this.uploads.get(id) !== upload) throw new UploadUnknownError(repository, id);
        upload.chunks.push(Buffer.from(chunk));
        upload.size += chunk.length;
      }
      return status(upload);
    });
    upload.queue = run.catch(() => undefined);
    return run;
  }

  async commitUpload(repository: string, id: string, digest: string): Promise<BlobInfo> {
    validateDigest(digest);
    const upload = this.upload(repository, id);
    await upload.queue;
    this.uploads.delete(id);
    const data = Buffer.concat(upload.chunks);
    const actual = `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;
    if (actual !== digest) throw new DigestMismatchError(digest, actual);
    if (!this.blobs.has(digest)) this.blobs.set(digest, data);
    this.repo(repository, true).blobs.add(digest);
    return { digest, size: data.length };
  }

  async cancelUpload(repository: string, id: string): Promise<void> {
    this.upload(repository, id);
    this.uploads.delete(id);
  }

  async listUploads(): Promise<UploadStatus[]> {
    return [...this.uploads.values()].map(status).sort((a, b) => a.startedAt - b.startedAt);
  }

  async putManifest(repository: string, bytes: Uint8Array, meta: ManifestMeta): Promise<string> {
    validateRepositoryName(repository);
    if (meta.subject !== undefined) validateDigest(meta.subject, 'subject digest');
    const copy = Buffer.from(bytes);
    const digest = `sha256:${crypto.createHash('sha256').update(copy).digest('hex')}`;
    this.repo(repository, true).manifests.set(digest, { bytes: copy, meta: { ...meta } });
    return digest;
  }

  async getManifest(repository: string, digest: string): Promise<ManifestRecord> {
    const found = this.manifest(repository, digest);
    return { digest, mediaType: found.meta.mediaType, bytes: Buffer.from(found.bytes) };
  }

  async deleteManifest(repository: string, digest: string): Promise<void> {
    this.manifest(repository, digest);
    const repo = this.repo(repository)!;
    repo.manifests.delete(digest);
    for (const [tag, target] of repo.tags) if (target.digest === digest) repo.tags.delete(tag);
  }

  async listReferrers(repository: string, subject: string): Promise<Descriptor[]> {
    validateRepositoryName(repository);
    validateDigest(subject, 'subject digest');
    const repo = this.repo(repository);
    if (!repo) return [];
    const found: Descriptor[] = [];
    for (const [digest, { bytes, meta }] of repo.manifests) {
      if (meta.subject === subject) found.push(referrerDescriptor(digest, bytes.length, meta));
    }
    return found.sort((a, b) => byteOrder(a.digest, b.digest));
  }

  async putTag(repository: string, tag: string, digest: string): Promise<void> {
    validateTag(tag);
    this.manifest(repository, digest);
    this.repo(repository)!.tags.set(tag, { digest, updatedAt: Date.now() });
  }

  async resolveTag(repository: string, tag: string): Promise<string> {
    validateRepositoryName(repository);
    validateTag(tag);
    const target = this.repo(repository)?.tags.get(tag);
    if (!target) throw new TagUnknownError(repository, tag);
    return target.digest;
  }

  async deleteTag(repository: string, tag: string): Promise<void> {
    await this.resolveTag(repository, tag);
    this.repo(repository)!.tags.delete(tag);
  }

  async listTags(repository: string): Promise<TagRecord[]> {
    validateRepositoryName(repository);
    const repo = this.repo(repository);
    if (!repo) return [];
    return [...repo.tags.entries()].map(([tag, t]) => ({ tag, ...t })).sort((a, b) => byteOrder(a.tag, b.tag));
  }

  private repo(name: string, create: true): Repository;
  private repo(name: string): Repository | undefined;
  private repo(name: string, create = false): Repository | undefined {
    let repo = this.repositories.get(name);
    if (!repo && create) {
      repo = { blobs: new Set(), manifests: new Map(), tags: new Map() };
      this.repositories.set(name, repo);
    }
    return repo;
  }

  private linkedBlob(repository: string, digest: string): Buffer {
    validateRepositoryName(repository);
    validateDigest(digest);
    const data = this.repo(repository)?.blobs.has(digest) ? this.blobs.get(digest) : undefined;
    if (!data) throw new BlobUnknownError(repository, digest);
    return data;
  }

  private upload(repository: string, id: string): Upload {
    validateRepositoryName(repository);
    const upload = this.uploads.get(id);
    if (!upload || upload.repository !== repository) throw new UploadUnknownError(repository, id);
    return upload;
  }

  private manifest(repository: string, digest: string): { bytes: Buffer; meta: ManifestMeta } {
    validateRepositoryName(repository);
    validateDigest(digest);
    const found = this.repo(repository)?.manifests.get(digest);
    if (!found) throw new ManifestUnknownError(repository, digest);
    return found;
  }
}

function status(upload: Upload): UploadStatus {
  return { id: upload.id, repository: upload.repository, size: upload.size, startedAt: upload.startedAt };
}

/** The descriptor a referrers list shows for a manifest (shared by the backends). */
export function referrerDescriptor(digest: string, size: number, meta: ManifestMeta): Descriptor {
  return {
    mediaType: meta.mediaType,
    digest,
    size,
    ...(meta.artifactType !== undefined ? { artifactType: meta.artifactType } : {}),
    ...(meta.annotations !== undefined ? { annotations: meta.annotations } : {}),
  };
}

export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
