// Garbage collection: distribution's mark and sweep, written once above the
// driver (list/stat/get/delete and the layout in layout.ts), so it runs on
// every backend.  Deleting a manifest, a tag or a blob link only removes the
// reference; the bytes under /blobs stay until this runs.
//
// Mark: in every repository, every manifest revision (or, with
// `deleteUntagged`, only the manifests reachable from a tag: gc-mark.ts), the
// config and layers each names and the children of each index, recursively.
// Sweep: untagged manifests that are not kept lose their revision and
// referrer entry (`deleteUntagged` only); every blob not marked is deleted,
// then the repository links to it.  `dryRun` reports the same without
// deleting.  Stale uploads are purged in the same run (purge-uploads.ts).
//
// Concurrency.  distribution requires the registry to be read-only while it
// collects; berth does not, and instead never deletes what may belong to a
// push in progress.  Taking `cutoff` = the collector's start minus the grace
// period (1 h by default), a thing is *recent* when it was modified after
// the cutoff, and
//   - a blob is kept when it, or a repository's link or revision for it, is
//     recent (a layer just uploaded, mounted or re-linked by a push whose
//     manifest has not arrived yet), checked just before it is deleted;
//   - an untagged manifest is kept when its revision is recent (the children
//     of an index are pushed before the index that tags them), or when a tag
//     points at it by the time it would be deleted;
//   - manifests that appear while the collector runs, or changed after the
//     cutoff, are marked (with what they name) in a second pass just before
//     the sweep.
// What stays open is a push that, between that second pass and the sweep,
// names a blob which was already there, unreferenced and untouched since
// before the cutoff (a client that HEADs the blob and skips uploading it);
// the registry then refuses the manifest (MANIFEST_BLOB_UNKNOWN, it checks
// every blob) rather than storing a broken image, and pushing again
// re-uploads the blob.  Collect with the registry stopped (and the grace
// period at 0) for the guarantee distribution gives.
import { DIGEST_ALGORITHMS, isRegistryDigest } from './digests.js';
import type { DriverStorage } from './driver-storage.js';
import type { FileInfo, StorageDriver } from './driver.js';
import { childNames, deleteIfPresent, statOrUndefined } from './driver-io.js';
import { keptManifests, linkDigests, ReferenceReader, revisionDigests, revisionMeta } from './gc-mark.js';
import { blobPath, blobsPath, layerLinkPath, referrerPath, revisionPath } from './layout.js';
import { listRepositories } from './catalog.js';
import { DEFAULT_GRACE_PERIOD_MS, DEFAULT_UPLOAD_MAX_AGE_MS, purgeUploads, type PurgeReport } from './purge-uploads.js';
import { Tags } from './tags.js';

export { DEFAULT_GRACE_PERIOD_MS, DEFAULT_UPLOAD_MAX_AGE_MS };

export interface GcOptions {
  /** report what would go; delete nothing */
  readonly dryRun?: boolean;
  /** also delete the manifests no tag reaches (distribution's --delete-untagged) */
  readonly deleteUntagged?: boolean;
  /** what changed within this time (and since the collector started) is kept; default 1 h */
  readonly gracePeriodMs?: number;
  /** uploads started longer ago are purged; default 168 h; 0 purges none */
  readonly uploadMaxAgeMs?: number;
}

export interface GcBlob {
  readonly digest: string;
  readonly size: number;
}

export interface GcManifest {
  readonly repository: string;
  readonly digest: string;
}

export interface GcReport {
  /** the storage's description, e.g. "filesystem /var/lib/berth/registry" */
  readonly storage: string;
  readonly dryRun: boolean;
  readonly deleteUntagged: boolean;
  readonly gracePeriodMs: number;
  /** digests marked: the manifests kept and everything they name, sorted */
  readonly marked: readonly string[];
  /** blobs deleted (in a dry run: eligible for deletion), sorted by digest */
  readonly blobs: readonly GcBlob[];
  /** untagged manifests deleted (or eligible), by repository then digest */
  readonly manifests: readonly GcManifest[];
  /** repository links removed (or eligible): to the blobs deleted, or to blobs already gone */
  readonly links: readonly GcManifest[];
  /** unmarked blobs kept because they, or a link to them, changed within the grace period */
  readonly recentBlobs: readonly GcBlob[];
  /** untagged manifests kept because they changed within the grace period */
  readonly recentManifests: readonly GcManifest[];
  /** stale uploads purged (or eligible); undefined when upload purging was off */
  readonly uploads?: PurgeReport;
  /** bytes of the blobs and uploads removed (or that would be) */
  readonly bytesFreed: number;
}

export async function collectGarbage(storage: DriverStorage, options: GcOptions = {}): Promise<GcReport> {
  const driver = storage.driver;
  const dryRun = options.dryRun ?? false;
  const deleteUntagged = options.deleteUntagged ?? false;
  const gracePeriodMs = options.gracePeriodMs ?? DEFAULT_GRACE_PERIOD_MS;
  const cutoff = Date.now() - gracePeriodMs;
  const isRecent = (info: FileInfo | undefined) => info !== undefined && info.modifiedAt > cutoff;
  const tags = new Tags(driver);
  const references = new ReferenceReader(driver);

  const uploadMaxAgeMs = options.uploadMaxAgeMs ?? DEFAULT_UPLOAD_MAX_AGE_MS;
  const uploads = uploadMaxAgeMs > 0 ? await purgeUploads(storage, { maxAgeMs: uploadMaxAgeMs, gracePeriodMs, dryRun }) : undefined;

  // ---- mark
  const marked = new Set<string>();
  const visited = new Set<string>();
  const mark = async (manifest: string): Promise<void> => {
    const stack = [manifest];
    while (stack.length) {
      const digest = stack.pop()!;
      if (visited.has(digest)) continue;
      visited.add(digest);
      marked.add(digest);
      const named = await references.of(digest);
      for (const blob of named.blobs) marked.add(blob);
      stack.push(...named.children);
    }
  };
  const seen = new Map<string, Set<string>>();
  const doomed: GcManifest[] = [];
  const recentManifests: GcManifest[] = [];
  for (const repository of await listRepositories(driver)) {
    const revisions = await revisionDigests(driver, repository);
    const tagged = (await tags.list(repository)).map((t) => t.digest);
    seen.set(repository, new Set(revisions));
    let kept: ReadonlySet<string> = new Set([...revisions, ...tagged]);
    if (deleteUntagged) {
      const found = await keptManifests(driver, references, repository, revisions, tagged, isRecent);
      kept = found.kept;
      recentManifests.push(...found.recent.map((digest) => ({ repository, digest })));
    }
    for (const digest of kept) await mark(digest);
    for (const digest of revisions) if (!kept.has(digest)) doomed.push({ repository, digest });
  }

  // ---- sweep manifests (delete untagged)
  const manifests: GcManifest[] = [];
  for (const manifest of doomed) {
    if (!dryRun && !(await deleteUntaggedManifest(driver, tags, manifest, isRecent))) {
      await mark(manifest.digest);
      continue;
    }
    manifests.push(manifest);
  }

  // ---- second mark: what was pushed meanwhile; and what links what
  const repositories = await listRepositories(driver);
  const links = new Map<string, string[]>();
  for (const repository of repositories) {
    const before = seen.get(repository);
    for (const digest of await revisionDigests(driver, repository)) {
      if (visited.has(digest) || (deleteUntagged && before?.has(digest) && !isRecent(await statOrUndefined(driver, revisionPath(repository, digest))))) continue;
      await mark(digest);
    }
    for (const tag of await tags.list(repository)) await mark(tag.digest);
    links.set(repository, await linkDigests(driver, repository));
  }

  // ---- sweep blobs, then the links to them
  const stored = await blobDigests(driver);
  const blobs: GcBlob[] = [];
  const recentBlobs: GcBlob[] = [];
  for (const digest of stored) {
    if (marked.has(digest)) continue;
    const info = await statOrUndefined(driver, blobPath(digest));
    if (!info) continue;
    if (isRecent(info) || (await linkedRecently(driver, digest, repositories, isRecent))) {
      recentBlobs.push({ digest, size: info.size });
      continue;
    }
    if (!dryRun) await deleteIfPresent(driver, blobPath(digest));
    blobs.push({ digest, size: info.size });
  }
  const deleted = new Set(blobs.map((b) => b.digest));
  const present = new Set(stored);
  const removedLinks: GcManifest[] = [];
  for (const [repository, linked] of links) {
    for (const digest of linked) {
      const dangling = !present.has(digest) && !marked.has(digest) && !isRecent(await statOrUndefined(driver, layerLinkPath(repository, digest)));
      if (!deleted.has(digest) && !dangling) continue;
      if (!dryRun) await deleteIfPresent(driver, layerLinkPath(repository, digest));
      removedLinks.push({ repository, digest });
    }
  }

  return {
    storage: storage.description,
    dryRun,
    deleteUntagged,
    gracePeriodMs,
    marked: [...marked].sort(),
    blobs,
    manifests,
    links: removedLinks,
    recentBlobs,
    recentManifests,
    ...(uploads ? { uploads } : {}),
    bytesFreed: blobs.reduce((sum, b) => sum + b.size, 0) + (uploads?.bytesFreed ?? 0),
  };
}

/**
 * Deletes an untagged manifest's revision and referrer entry, unless, looked
 * at again just now, a tag points at it or its revision is recent (a push
 * tagged it or wrote it again since the mark); returns whether it went.
 * Tags are not touched: none points at it.
 */
async function deleteUntaggedManifest(driver: StorageDriver, tags: Tags, manifest: GcManifest, isRecent: (info: FileInfo | undefined) => boolean): Promise<boolean> {
  const { repository, digest } = manifest;
  const revision = await statOrUndefined(driver, revisionPath(repository, digest));
  if (!revision) return true;
  if (isRecent(revision) || (await tags.list(repository)).some((t) => t.digest === digest)) return false;
  const subject = (await revisionMeta(driver, repository, digest))?.subject;
  if (subject !== undefined) await deleteIfPresent(driver, referrerPath(repository, subject, digest));
  await deleteIfPresent(driver, revisionPath(repository, digest));
  return true;
}

/**
 * Whether a repository's link or revision for `digest` changed recently,
 * looked at in every repository just before the blob would go (so a mount
 * or a re-push since the listings counts too; two stats per repository and
 * candidate, which is what a collection can afford).
 */
async function linkedRecently(driver: StorageDriver, digest: string, repositories: readonly string[], isRecent: (info: FileInfo | undefined) => boolean): Promise<boolean> {
  for (const repository of repositories) {
    if (isRecent(await statOrUndefined(driver, layerLinkPath(repository, digest)))) return true;
    if (isRecent(await statOrUndefined(driver, revisionPath(repository, digest)))) return true;
  }
  return false;
}

/** Every blob in the store (sha256 and sha512), sorted by algorithm then hex. */
async function blobDigests(driver: StorageDriver): Promise<string[]> {
  const found: string[] = [];
  for (const algorithm of DIGEST_ALGORITHMS) {
    for (const prefix of await childNames(driver, blobsPath(algorithm))) {
      for (const hex of await childNames(driver, `${blobsPath(algorithm)}/${prefix}`)) {
        const digest = `${algorithm}:${hex}`;
        if (hex.startsWith(prefix) && isRegistryDigest(digest)) found.push(digest);
      }
    }
  }
  return found;
}

