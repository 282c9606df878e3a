// What the registry server keeps, behind one interface: the contract the
// server speaks.  It is implemented once, over a small storage driver
// (driver.ts: get/put/stat/list/move/delete, reader at an offset, writer with
// append), by driver-storage.ts; the backends are drivers (drivers/), and
// open.ts picks one from a storage URL.  The conformance suite
// (test/engine/registry/storage/_conformance.ts) runs the driver contract and
// this one over every driver.
//
// The model, as in Docker's distribution:
//   - blobs are global and content-addressed (one copy of a layer however many
//     repositories hold it); a repository "has" a blob only through a link,
//     made when an upload into it is committed or when the blob is mounted;
//   - manifests are stored per repository by digest, with the exact bytes and
//     media type they were pushed with; tags point at manifest digests;
//   - an upload session is a growing byte sequence with an id; it becomes a
//     blob only when committed with a digest that matches, and never before.
//
// Arguments are checked by every method: a repository name must match the
// distribution spec's grammar and a digest must be `sha256:<64 hex>` (or
// `sha512:<128 hex>`, digests.ts), else the
// method throws BerthError('invalid') before touching anything, so no crafted
// name or digest can reach a path.
import type { Readable } from 'node:stream';
import { BerthError } from '../../errors.js';
import type { Descriptor } from '../../store/oci.js';
import type { DigestAlgorithm } from './digests.js';

export interface BlobInfo {
  readonly digest: string;
  readonly size: number;
}

export interface UploadStatus {
  /** opaque id (a UUID), unique across repositories */
  readonly id: string;
  readonly repository: string;
  /** bytes received so far: the next append must start at this offset */
  readonly size: number;
  /** ms since the epoch */
  readonly startedAt: number;
}

/** What the server parsed out of a manifest, stored beside its bytes. */
export interface ManifestMeta {
  readonly mediaType: string;
  /** digest of the manifest's `subject`, when it has one (it is then a referrer of it) */
  readonly subject?: string;
  /** `artifactType`, or for an image manifest without one its config's media type */
  readonly artifactType?: string;
  readonly annotations?: Record<string, string>;
}

export interface ManifestRecord {
  readonly digest: string;
  readonly mediaType: string;
  /** exactly the bytes that were pushed */
  readonly bytes: Buffer;
}

export interface TagRecord {
  readonly tag: string;
  readonly digest: string;
  /** when the tag was last pointed somewhere, ms since the epoch */
  readonly updatedAt: number;
}

/** An inclusive byte range, as HTTP's `Range: bytes=start-end`. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export interface RegistryStorage {
  /** e.g. "filesystem /var/lib/berth/registry" (for logs) */
  readonly description: string;

  /** Every repository holding a blob link, a manifest or a tag, sorted by name (byte order). */
  listRepositories(): Promise<string[]>;

  // ---- blobs -------------------------------------------------------------

  /** Size of a blob linked into `repository`.  Throws BlobUnknownError when it is not linked there. */
  statBlob(repository: string, digest: string): Promise<BlobInfo>;

  /**
   * The blob's bytes (or the inclusive `range` of them, which the caller has
   * checked against the size).  Throws BlobUnknownError when the blob is not
   * linked into `repository`.
   */
  readBlob(repository: string, digest: string, range?: ByteRange): Promise<Readable>;

  /**
   * Links into `repository` a blob that `from` holds (cross-repository
   * mount), and returns it.  Linking a blob the repository already has is a
   * no-op.  Throws BlobUnknownError when `from` does not hold the blob.
   */
  mountBlob(repository: string, digest: string, from: string): Promise<BlobInfo>;

  /**
   * Removes the link from `repository` to the blob.  Other repositories keep
   * theirs; the bytes stay (garbage collection is separate: gc.ts).  Throws
   * BlobUnknownError when the blob is not linked into `repository`.
   */
  deleteBlob(repository: string, digest: string): Promise<void>;

  /**
   * Where a client may fetch the blob's bytes instead (a presigned URL of an
   * object store: distribution's `redirect`), or undefined to serve them
   * here.  Optional: only storages that can hand out such URLs have it.
   * The caller has checked that `repository` holds the blob (statBlob).
   */
  blobRedirect?(repository: string, digest: string): Promise<string | undefined>;

  // ---- uploads -----------------------------------------------------------

  /** Starts an empty upload session into `repository`. */
  createUpload(repository: string): Promise<UploadStatus>;

  /** Where an upload stands.  Throws UploadUnknownError for an id that is not a live upload of `repository`. */
  statUpload(repository: string, id: string): Promise<UploadStatus>;

  /**
   * Appends everything `data` yields to the upload and returns the new status.
   * When `offset` is given and is not the upload's current size, throws
   * UploadOffsetError (carrying the size) without reading `data`.  When `data`
   * fails part way (a client that went away), the bytes received before the
   * failure stay in the upload, so the client can resume from the size that
   * statUpload then reports; the error is rethrown.  Appends to one upload are
   * serialised.  Throws UploadUnknownError for an unknown id.
   */
  appendUpload(repository: string, id: string, data: AsyncIterable<Uint8Array>, offset?: number): Promise<UploadStatus>;

  /**
   * Ends the upload: when the bytes hash to `digest` the blob becomes visible
   * (durably: it is on disk before this returns) and linked into
   * `repository`, and the upload is gone.  When they do not, throws
   * DigestMismatchError, stores nothing, and the upload is gone too.
   * Committing bytes that are already a blob just links it.  Throws
   * UploadUnknownError for an unknown id.
   */
  commitUpload(repository: string, id: string, digest: string): Promise<BlobInfo>;

  /** Discards an upload and its bytes.  Throws UploadUnknownError for an unknown id. */
  cancelUpload(repository: string, id: string): Promise<void>;

  /** Every live upload, oldest first (to report or purge stale ones). */
  listUploads(): Promise<UploadStatus[]>;

  // ---- manifests and tags --------------------------------------------------

  /**
   * Stores a manifest's exact bytes under their digest (sha256, or `algorithm`) in
   * `repository` and returns the digest.  The caller has validated the
   * manifest and checked its references; storing the same bytes again is a
   * no-op (the meta is replaced).  When `meta.subject` is set the manifest is
   * listed by listReferrers(subject).
   */
  putManifest(repository: string, bytes: Uint8Array, meta: ManifestMeta, algorithm?: DigestAlgorithm): Promise<string>;

  /** The stored manifest.  Throws ManifestUnknownError when `repository` has no manifest with that digest. */
  getManifest(repository: string, digest: string): Promise<ManifestRecord>;

  /**
   * Deletes a manifest from `repository`, with every tag pointing at it and
   * its entry among its subject's referrers.  Throws ManifestUnknownError
   * when there is no such manifest.
   */
  deleteManifest(repository: string, digest: string): Promise<void>;

  /**
   * Descriptors (mediaType, digest, size, artifactType, annotations) of the
   * manifests in `repository` whose subject is `subject`, sorted by digest;
   * [] when there are none (the subject itself need not exist).
   */
  listReferrers(repository: string, subject: string): Promise<Descriptor[]>;

  /**
   * Points `tag` at a manifest of `repository` (moving it if it pointed
   * elsewhere).  Throws ManifestUnknownError when the manifest is not there,
   * BerthError('invalid') for a malformed tag.
   */
  putTag(repository: string, tag: string, digest: string): Promise<void>;

  /** The digest a tag points at.  Throws TagUnknownError when the repository has no such tag. */
  resolveTag(repository: string, tag: string): Promise<string>;

  /** Removes a tag (not the manifest).  Throws TagUnknownError when there is no such tag. */
  deleteTag(repository: string, tag: string): Promise<void>;

  /** The repository's tags sorted by name (byte order); [] for a repository without tags or unknown. */
  listTags(repository: string): Promise<TagRecord[]>;
}

// ---- typed errors ---------------------------------------------------------

/** Base of the errors a RegistryStorage throws by contract. */
export class RegistryStorageError extends BerthError {}

export class BlobUnknownError extends RegistryStorageError {
  constructor(readonly repository: string, readonly digest: string) {
    super('not-found', `blob unknown to ${repository}: ${digest}`);
    this.name = 'BlobUnknownError';
  }
}

export class UploadUnknownError extends RegistryStorageError {
  constructor(readonly repository: string, readonly id: string) {
    super('not-found', `upload unknown to ${repository}: ${id}`);
    this.name = 'UploadUnknownError';
  }
}

export class UploadOffsetError extends RegistryStorageError {
  constructor(readonly id: string, readonly offset: number, readonly size: number) {
    super('invalid', `upload ${id} is at ${size} bytes, not at ${offset}`);
    this.name = 'UploadOffsetError';
  }
}

export class DigestMismatchError extends RegistryStorageError {
  constructor(readonly expected: string, readonly actual: string) {
    super('invalid', `digest mismatch: expected ${expected}, got ${actual}`);
    this.name = 'DigestMismatchError';
  }
}

export class ManifestUnknownError extends RegistryStorageError {
  constructor(readonly repository: string, readonly reference: string) {
    super('not-found', `manifest unknown to ${repository}: ${reference}`);
    this.name = 'ManifestUnknownError';
  }
}

export class TagUnknownError extends RegistryStorageError {
  constructor(readonly repository: string, readonly tag: string) {
    super('not-found', `tag unknown to ${repository}: ${tag}`);
    this.name = 'TagUnknownError';
  }
}
