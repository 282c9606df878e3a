// The registry's storage semantics, written once over any StorageDriver: the
// RegistryStorage contract (storage.ts) that the server speaks, put together
// from the blob store and repository links (blobs.ts), uploads (uploads.ts),
// manifests and referrers (manifests.ts), tags (tags.ts) and the catalog
// (catalog.ts), all over the layout in layout.ts.  A backend is a driver
// (drivers/), nothing more; open.ts picks one from a storage URL.
import type { Readable } from 'node:stream';
import type { Descriptor } from '../../store/oci.js';
import { BlobStore, RepositoryLinks } from './blobs.js';
import type { DigestAlgorithm } from './digests.js';
import { listRepositories } from './catalog.js';
import type { StorageDriver } from './driver.js';
import { Manifests } from './manifests.js';
import type { BlobInfo, ByteRange, ManifestMeta, ManifestRecord, RegistryStorage, TagRecord, UploadStatus } from './storage.js';
import { Tags } from './tags.js';
import { Uploads } from './uploads.js';

export class DriverStorage implements RegistryStorage {
  readonly description: string;
  private readonly links: RepositoryLinks;
  private readonly uploads: Uploads;
  private readonly tags: Tags;
  private readonly manifests: Manifests;

  constructor(readonly driver: StorageDriver) {
    this.description = driver.name;
    const blobs = new BlobStore(driver);
    this.links = new RepositoryLinks(driver, blobs);
    this.uploads = new Uploads(driver, blobs, this.links);
    this.tags = new Tags(driver);
    this.manifests = new Manifests(driver, blobs, this.tags);
  }

  listRepositories(): Promise<string[]> {
    return listRepositories(this.driver);
  }

  statBlob(repository: string, digest: string): Promise<BlobInfo> {
    return this.links.stat(repository, digest);
  }

  readBlob(repository: string, digest: string, range?: ByteRange): Promise<Readable> {
    return this.links.read(repository, digest, range);
  }

  mountBlob(repository: string, digest: string, from: string): Promise<BlobInfo> {
    return this.links.mount(repository, digest, from);
  }

  deleteBlob(repository: string, digest: string): Promise<void> {
    return this.links.unlink(repository, digest);
  }

  createUpload(repository: string): Promise<UploadStatus> {
    return this.uploads.create(repository);
  }

  statUpload(repository: string, id: string): Promise<UploadStatus> {
    return this.uploads.stat(repository, id);
  }

  appendUpload(repository: string, id: string, data: AsyncIterable<Uint8Array>, offset?: number): Promise<UploadStatus> {
    return this.uploads.append(repository, id, data, offset);
  }

  commitUpload(repository: string, id: string, digest: string): Promise<BlobInfo> {
    return this.uploads.commit(repository, id, digest);
  }

  cancelUpload(repository: string, id: string): Promise<void> {
    return this.uploads.cancel(repository, id);
  }

  listUploads(): Promise<UploadStatus[]> {
    return this.uploads.list();
  }

  putManifest(repository: string, bytes: Uint8Array, meta: ManifestMeta, algorithm?: DigestAlgorithm): Promise<string> {
    return this.manifests.put(repository, bytes, meta, algorithm);
  }

  getManifest(repository: string, digest: string): Promise<ManifestRecord> {
    return this.manifests.get(repository, digest);
  }

  deleteManifest(repository: string, digest: string): Promise<void> {
    return this.manifests.delete(repository, digest);
  }

  listReferrers(repository: string, subject: string): Promise<Descriptor[]> {
    return this.manifests.referrers(repository, subject);
  }

  async putTag(repository: string, tag: string, digest: string): Promise<void> {
    await this.manifests.check(repository, digest);
    await this.tags.put(repository, tag, digest);
  }

  resolveTag(repository: string, tag: string): Promise<string> {
    return this.tags.resolve(repository, tag);
  }

  deleteTag(repository: string, tag: string): Promise<void> {
    return this.tags.delete(repository, tag);
  }

  listTags(repository: string): Promise<TagRecord[]> {
    return this.tags.list(repository);
  }
}
