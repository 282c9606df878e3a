// Manifests, per repository by digest: the exact bytes pushed live in the
// blob store (a manifest is a blob too), and the repository keeps a revision
// beside them with what the server parsed out (media type, subject,
// artifactType, annotations).  A manifest with a subject is listed among its
// subject's referrers through a marker under _referrers/<subject>.
import { digestBytes, digestFromHex, validateRegistryDigest as validateDigest, type DigestAlgorithm } from './digests.js';
import type { Descriptor } from '../../store/oci.js';
import type { BlobStore } from './blobs.js';
import { byteOrder, type StorageDriver } from './driver.js';
import { childNames, deleteIfPresent, putMarker, readJson, unlessMissing, writeJson } from './driver-io.js';
import { referrerPath, referrersPath, revisionPath } from './layout.js';
import { validateRepositoryName } from './names.js';
import { ManifestUnknownError, type ManifestMeta, type ManifestRecord } from './storage.js';
import type { Tags } from './tags.js';

export class Manifests {
  constructor(private readonly driver: StorageDriver, private readonly blobs: BlobStore, private readonly tags: Tags) {}

  async put(repository: string, bytes: Uint8Array, meta: ManifestMeta, algorithm: DigestAlgorithm = 'sha256'): Promise<string> {
    validateRepositoryName(repository);
    if (meta.subject !== undefined) validateDigest(meta.subject, 'subject digest');
    const digest = digestBytes(bytes, algorithm);
    await this.blobs.putIfAbsent(digest, bytes);
    const previous = await this.meta(repository, digest);
    if (previous?.subject !== undefined && previous.subject !== meta.subject) {
      await deleteIfPresent(this.driver, referrerPath(repository, previous.subject, digest));
    }
    const stored: ManifestMeta = {
      mediaType: meta.mediaType,
      ...(meta.subject !== undefined ? { subject: meta.subject } : {}),
      ...(meta.artifactType !== undefined ? { artifactType: meta.artifactType } : {}),
      ...(meta.annotations !== undefined ? { annotations: meta.annotations } : {}),
    };
    await writeJson(this.driver, revisionPath(repository, digest), stored);
    if (meta.subject !== undefined) await putMarker(this.driver, referrerPath(repository, meta.subject, digest));
    return digest;
  }

  async get(repository: string, digest: string): Promise<ManifestRecord> {
    const meta = await this.existing(repository, digest);
    const bytes = await unlessMissing(() => this.blobs.get(digest), undefined);
    if (!bytes) throw new ManifestUnknownError(repository, digest);
    return { digest, mediaType: meta.mediaType, bytes };
  }

  /** Throws ManifestUnknownError unless `repository` has the manifest. */
  async check(repository: string, digest: string): Promise<void> {
    await this.existing(repository, digest);
  }

  /** Removes the manifest with every tag pointing at it and its referrer marker. */
  async delete(repository: string, digest: string): Promise<void> {
    const meta = await this.existing(repository, digest);
    for (const tag of await this.tags.list(repository)) {
      if (tag.digest === digest) await this.tags.delete(repository, tag.tag);
    }
    if (meta.subject !== undefined) await deleteIfPresent(this.driver, referrerPath(repository, meta.subject, digest));
    await deleteIfPresent(this.driver, revisionPath(repository, digest));
  }

  /** Descriptors of the manifests of `repository` whose subject is `subject`, sorted by digest. */
  async referrers(repository: string, subject: string): Promise<Descriptor[]> {
    validateRepositoryName(repository);
    validateDigest(subject, 'subject digest');
    const found: Descriptor[] = [];
    for (const hex of await childNames(this.driver, referrersPath(repository, subject))) {
      const digest = digestFromHex(hex);
      if (digest === undefined) continue;
      const meta = await this.meta(repository, digest);
      const size = await this.blobs.size(digest);
      if (!meta || meta.subject !== subject || size === undefined) continue;
      found.push({
        mediaType: meta.mediaType,
        digest,
        size,
        ...(meta.artifactType !== undefined ? { artifactType: meta.artifactType } : {}),
        ...(meta.annotations !== undefined ? { annotations: meta.annotations } : {}),
      });
    }
    return found.sort((a, b) => byteOrder(a.digest, b.digest));
  }

  private meta(repository: string, digest: string): Promise<ManifestMeta | undefined> {
    return readJson<ManifestMeta>(this.driver, revisionPath(repository, digest));
  }

  private async existing(repository: string, digest: string): Promise<ManifestMeta> {
    validateRepositoryName(repository);
    validateDigest(digest);
    const meta = await this.meta(repository, digest);
    if (!meta) throw new ManifestUnknownError(repository, digest);
    return meta;
  }
}
