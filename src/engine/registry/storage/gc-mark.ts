// The mark half of garbage collection (gc.ts): what a manifest names, and
// which manifests of a repository are kept.
//
// A manifest names blobs (an image manifest's config and layers) and other
// manifests (an index's, or Docker manifest list's, children).  Its
// `subject` is not followed: the image spec calls it a weak association, so
// a signature or an SBOM does not keep the image it describes alive.  The
// other way round it does count (see keptManifests): a referrer stays as
// long as its subject stays, as zot, Harbor and distribution 3's referrers
// rules keep them, because signatures and SBOMs are pushed untagged by
// design and "delete untagged" must not strip every image of them.
import { DIGEST_ALGORITHMS, isRegistryDigest, type DigestAlgorithm } from './digests.js';
import type { FileInfo, StorageDriver } from './driver.js';
import { childNames, readJson, statOrUndefined } from './driver-io.js';
import { blobPath, layerLinksPath, revisionPath, revisionsPath } from './layout.js';
import type { ManifestMeta } from './storage.js';

/** Larger blobs are not read as manifests (the server refuses manifests above 4 MiB: server/manifests.ts). */
const MANIFEST_LIMIT = 4 * 1024 * 1024;

export interface ManifestReferences {
  /** blobs it names: config and layers (and the `blobs` of the old OCI artifact manifest) */
  readonly blobs: readonly string[];
  /** manifests it names: an index's children */
  readonly children: readonly string[];
}

const NOTHING: ManifestReferences = { blobs: [], children: [] };

/** What a manifest's bytes name; nothing for bytes that are not a JSON object (they keep only themselves). */
export function manifestReferences(bytes: Buffer): ManifestReferences {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return NOTHING;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return NOTHING;
  const fields = doc as Record<string, unknown>;
  const digests = (value: unknown): string[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]).flatMap((d) => {
    const digest = (d as { digest?: unknown } | null)?.digest;
    return typeof digest === 'string' && isRegistryDigest(digest) ? [digest] : [];
  });
  return { blobs: [...digests(fields.config), ...digests(fields.layers), ...digests(fields.blobs)], children: digests(fields.manifests) };
}

/** Reads each manifest's references once (an index and its children are met from several repositories). */
export class ReferenceReader {
  private readonly cache = new Map<string, Promise<ManifestReferences>>();

  constructor(private readonly driver: StorageDriver) {}

  of(digest: string): Promise<ManifestReferences> {
    let found = this.cache.get(digest);
    if (!found) {
      found = this.read(digest);
      this.cache.set(digest, found);
    }
    return found;
  }

  private async read(digest: string): Promise<ManifestReferences> {
    const info = await statOrUndefined(this.driver, blobPath(digest));
    if (!info || info.size > MANIFEST_LIMIT) return NOTHING;
    const bytes = await this.driver.get(blobPath(digest)).catch(() => undefined);
    return bytes ? manifestReferences(bytes) : NOTHING;
  }
}

/** The manifest digests a repository keeps revisions of (sha256 and sha512), sorted. */
export function revisionDigests(driver: StorageDriver, repository: string): Promise<string[]> {
  return digestsNamedIn(driver, (algorithm) => revisionsPath(repository, algorithm));
}

/** The blobs a repository links (its _layers). */
export function linkDigests(driver: StorageDriver, repository: string): Promise<string[]> {
  return digestsNamedIn(driver, (algorithm) => layerLinksPath(repository, algorithm));
}

/** The digests whose hex names the entries of each algorithm's directory (the layout's per-algorithm dirs). */
async function digestsNamedIn(driver: StorageDriver, dirOf: (algorithm: DigestAlgorithm) => string): Promise<string[]> {
  const found: string[] = [];
  for (const algorithm of DIGEST_ALGORITHMS) {
    for (const hex of await childNames(driver, dirOf(algorithm))) {
      const digest = `${algorithm}:${hex}`;
      if (isRegistryDigest(digest)) found.push(digest);
    }
  }
  return found;
}

/** The revision's stored meta; undefined when it is gone or unreadable (a broken one is treated as naming no subject). */
export async function revisionMeta(driver: StorageDriver, repository: string, digest: string): Promise<ManifestMeta | undefined> {
  try {
    return await readJson<ManifestMeta>(driver, revisionPath(repository, digest));
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

export interface KeptManifests {
  /** the revisions the repository keeps */
  readonly kept: ReadonlySet<string>;
  /** of those, the ones kept only because they changed within the grace period */
  readonly recent: readonly string[];
}

/**
 * With "delete untagged": the manifests of a repository that stay.  The
 * roots are the tagged ones and those whose revision changed within the
 * grace period (`isRecent`: a multi-platform push sends its children
 * untagged before the index that tags them); from the roots, an index's
 * children, and any revision whose subject is kept, to a fixed point.
 */
export async function keptManifests(
  driver: StorageDriver, references: ReferenceReader, repository: string, revisions: readonly string[], tagged: readonly string[],
  isRecent: (info: FileInfo | undefined) => boolean,
): Promise<KeptManifests> {
  const subjects = new Map<string, string>();
  const young: string[] = [];
  for (const digest of revisions) {
    if (isRecent(await statOrUndefined(driver, revisionPath(repository, digest)))) young.push(digest);
    const subject = (await revisionMeta(driver, repository, digest))?.subject;
    if (subject !== undefined) subjects.set(digest, subject);
  }
  const closure = async (roots: readonly string[]): Promise<Set<string>> => {
    const kept = new Set<string>();
    const queue: string[] = [];
    const keep = (digest: string) => {
      if (!kept.has(digest)) {
        kept.add(digest);
        queue.push(digest);
      }
    };
    roots.forEach(keep);
    for (;;) {
      while (queue.length) for (const child of (await references.of(queue.pop()!)).children) keep(child);
      const referrers = revisions.filter((d) => !kept.has(d) && kept.has(subjects.get(d) ?? ''));
      if (!referrers.length) return kept;
      referrers.forEach(keep);
    }
  };
  const byTags = await closure(tagged);
  if (!young.some((d) => !byTags.has(d))) return { kept: byTags, recent: [] };
  const kept = await closure([...tagged, ...young]);
  return { kept, recent: revisions.filter((d) => kept.has(d) && !byTags.has(d)) };
}
