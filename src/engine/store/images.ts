// The image store: images as OCI manifests + configs in the blob store,
// known by the names in references.json and the records in images.json.
//
//   blobs/sha256/<hex>   manifests, configs and layers, content-addressed
//   references.json      {"busybox:latest": "sha256:<manifest digest>", ...}
//   images.json          {"sha256:<manifest digest>": {id, layerSizes, added}}
//
// An image's id is its config digest, as in Docker.  Manifests are stored as
// the exact bytes received or written, so `save` and `push` can hand them on
// and their digests stay valid.  Callers (the engine facade) hold the global
// lock around every call that changes state.
import { invalid, notFound } from '../errors.js';
import { statePaths, type Paths } from '../paths.js';
import { BlobStore } from './blobs.js';
import { isDigest, sha256, validateDigest } from './digest.js';
import { loadImageRecords, saveImageRecords, type ImageRecord } from './image-records.js';
import { GZIP_LAYER_TYPES, IMAGE_MANIFEST_TYPES, MediaType, ociArchitecture, type ImageConfig, type ImageManifest } from './oci.js';
import { formatReference, isReference, parseNormalizedReference, parseReference } from './reference.js';
import { loadReferences, referencesTo, saveReferences, type ReferenceMap } from './references.js';
import { countGunzippedBytes } from './gzip-size.js';
import { imageHistory, inspectImage, type HistoryRow, type ImageInspect } from './image-views.js';

export type { HistoryRow, ImageInspect } from './image-views.js';

/** One image as `images` lists it. */
export interface Image {
  /** the config digest, e.g. "sha256:3f57..." */
  readonly id: string;
  readonly manifestDigest: string;
  /** e.g. ["busybox:latest", "mybox:1"], sorted; empty for a dangling image */
  readonly tags: string[];
  /** digest references, e.g. ["busybox@sha256:<manifest digest>"] (set by pull) */
  readonly digests: string[];
  /** the config's `created`, ISO 8601 ('' when the config has none) */
  readonly created: string;
  /** sum of the uncompressed layer sizes, in bytes */
  readonly size: number;
}

/** A layer to put in a new image; its blob must already be in the store. */
export interface LayerInput {
  readonly blobDigest: string;
  /** digest of the uncompressed tar */
  readonly diffId: string;
  /** size of the uncompressed tar (the manifest gets the blob's own size) */
  readonly uncompressedSize: number;
  /** default: OCI gzip layer */
  readonly mediaType?: string;
}

/** One layer of an image, bottom first. */
export interface ImageLayer {
  readonly digest: string;
  readonly diffId: string;
  readonly mediaType: string;
  /** blob size */
  readonly size: number;
  readonly uncompressedSize: number;
}

export interface CreateImageOptions {
  /** rootfs is filled in from `layers`; created/os/architecture default to now and this host */
  readonly config: Omit<ImageConfig, 'rootfs' | 'os' | 'architecture'> & Partial<Pick<ImageConfig, 'os' | 'architecture'>>;
  readonly layers: readonly LayerInput[];
  /** references to point at the new image, e.g. ["app:v1"] */
  readonly tags?: readonly string[];
}

export interface PutManifestOptions {
  /** references to point at the image: tags ("busybox:latest") or digests ("busybox@sha256:..") */
  readonly tags?: readonly string[];
  /** uncompressed size of each layer when known (pull computes them while verifying); otherwise measured */
  readonly layerSizes?: readonly number[];
}

export interface RemovedImage {
  readonly untagged: string[];
  /** the image id, then each blob deleted */
  readonly deleted: string[];
}

const FULL_ID = /^(?:sha256:)?([a-f0-9]{64})$/;
const ID_PREFIX = /^(?:sha256:)?([a-f0-9]{1,64})$/;

export class ImageStore {
  readonly blobs: BlobStore;

  constructor(readonly paths: Paths) {
    this.blobs = new BlobStore(paths);
  }

  /** Writes a config and an OCI manifest over layers already in the blob store. */
  async createImage(options: CreateImageOptions): Promise<Image> {
    const layers = options.layers.map((layer) => ({
      mediaType: layer.mediaType ?? MediaType.OciLayerGzip,
      digest: validateDigest(layer.blobDigest, 'layer digest'),
      size: this.blobSizeOrThrow(layer.blobDigest, 'layer'),
    }));
    const config: ImageConfig = {
      created: new Date().toISOString(),
      architecture: ociArchitecture(),
      os: 'linux',
      ...options.config,
      rootfs: { type: 'layers', diff_ids: options.layers.map((l) => validateDigest(l.diffId, 'diff id')) },
    };
    const configBlob = await this.blobs.put(Buffer.from(JSON.stringify(config)));
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: configBlob.digest, size: configBlob.size },
      layers,
    };
    return this.putManifest(Buffer.from(JSON.stringify(manifest)), {
      tags: options.tags,
      layerSizes: options.layers.map((l) => l.uncompressedSize),
    });
  }

  /**
   * Adds an image from manifest bytes, kept as they are (for pull and load).
   * The config and layer blobs must already be stored.
   */
  async putManifest(bytes: Buffer, options: PutManifestOptions = {}): Promise<Image> {
    const manifest = parseManifest(bytes);
    const configBytes = this.blobs.has(manifest.config.digest) ? this.blobs.read(manifest.config.digest) : undefined;
    if (!configBytes) throw notFound(`config blob ${manifest.config.digest} not found in the blob store`);
    const config = parseConfig(configBytes, manifest.config.digest);
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw invalid(`manifest lists ${manifest.layers.length} layers but its config lists ${config.rootfs.diff_ids.length} diff ids`);
    }
    for (const layer of manifest.layers) this.blobSizeOrThrow(layer.digest, 'layer');
    const tags = (options.tags ?? []).map((t) => formatReference(parseNormalizedReference(t)));
    const layerSizes = options.layerSizes ? [...options.layerSizes] : await this.measureLayers(manifest);
    if (layerSizes.length !== manifest.layers.length) throw invalid(`layerSizes has ${layerSizes.length} entries for ${manifest.layers.length} layers`);

    const { digest } = await this.blobs.put(bytes);
    const records = loadImageRecords(this.paths);
    const now = new Date().toISOString();
    records[digest] = { id: manifest.config.digest, layerSizes, added: records[digest]?.added ?? now, lastTagged: tags.length ? now : records[digest]?.lastTagged };
    saveImageRecords(this.paths, records);
    if (tags.length) {
      const refs = loadReferences(this.paths.references);
      for (const tag of tags) refs[tag] = digest;
      saveReferences(this.paths.references, refs);
    }
    return this.view(digest, records[digest]!, loadReferences(this.paths.references));
  }

  /**
   * Finds an image by `repo:tag`, `repo` (:latest), `repo@digest`, or its id,
   * full or any unique prefix, with or without "sha256:".  Throws notFound
   * `No such image: <name>`, or 'invalid' for a prefix that matches several.
   */
  resolve(nameOrId: string): Image {
    const found = this.find(nameOrId);
    if (found) return found;
    if (ID_PREFIX.test(nameOrId)) throw notFound(`No such image: ${nameOrId}`);
    // Neither an id nor a well-formed name: the parse error says what is wrong with it.
    throw notFound(`No such image: ${formatReference(parseNormalizedReference(nameOrId))}`);
  }

  /** Like resolve, but undefined when nothing matches (still throws on ambiguity). */
  find(nameOrId: string): Image | undefined {
    const records = loadImageRecords(this.paths);
    const refs = loadReferences(this.paths.references);
    const byDigest = (digest: string | undefined) => (digest && records[digest] ? this.view(digest, records[digest]!, refs) : undefined);

    const full = FULL_ID.exec(nameOrId);
    if (full) {
      const hit = Object.keys(records).find((d) => records[d]!.id === `sha256:${full[1]}`);
      if (hit) return byDigest(hit);
    }
    if (isReference(nameOrId)) {
      const ref = parseNormalizedReference(nameOrId);
      const hit = byDigest(refs[formatReference(ref)]);
      if (hit) return hit;
      if (ref.digest && records[ref.digest]) {
        // name@digest of an image pulled or tagged under that name.
        const image = byDigest(ref.digest)!;
        if ([...image.tags, ...image.digests].some((r) => parseReference(r).name === ref.name)) return image;
      }
    }
    const prefix = ID_PREFIX.exec(nameOrId);
    if (prefix) {
      const ids = new Map<string, string>();
      for (const [digest, record] of Object.entries(records)) {
        if (record.id.startsWith(`sha256:${prefix[1]}`) && !ids.has(record.id)) ids.set(record.id, digest);
      }
      if (ids.size > 1) {
        throw invalid(`image id prefix ${JSON.stringify(nameOrId)} is ambiguous: it matches ${[...ids.keys()].sort().join(', ')}`);
      }
      if (ids.size === 1) return byDigest([...ids.values()][0]);
    }
    return undefined;
  }

  /** Every image, newest first (as `images` shows them). */
  list(): Image[] {
    const records = loadImageRecords(this.paths);
    const refs = loadReferences(this.paths.references);
    return Object.entries(records)
      .map(([digest, record]) => this.view(digest, record, refs))
      .sort((a, b) => b.created.localeCompare(a.created) || a.id.localeCompare(b.id));
  }

  /** Points `target` (e.g. "app:v2", default tag latest) at the image `source` names. */
  tag(source: string | Image, target: string): Image {
    const image = typeof source === 'string' ? this.resolve(source) : source;
    const ref = parseNormalizedReference(target);
    if (ref.digest !== undefined) throw invalid(`refusing to create a tag with a digest reference: ${JSON.stringify(target)}`);
    const refs = loadReferences(this.paths.references);
    refs[formatReference(ref)] = image.manifestDigest;
    saveReferences(this.paths.references, refs);
    const records = loadImageRecords(this.paths);
    const record = records[image.manifestDigest];
    if (record) {
      records[image.manifestDigest] = { ...record, lastTagged: new Date().toISOString() };
      saveImageRecords(this.paths, records);
    }
    return this.resolve(formatReference(ref));
  }

  /** Removes one name; returns the image it named (now without it). notFound when no such name. */
  untag(reference: string): Image {
    const key = isReference(reference) ? formatReference(parseNormalizedReference(reference)) : undefined;
    const refs = loadReferences(this.paths.references);
    const digest = key === undefined ? undefined : refs[key];
    if (key === undefined || digest === undefined) throw notFound(`No such image: ${key ?? reference}`);
    delete refs[key];
    saveReferences(this.paths.references, refs);
    const record = loadImageRecords(this.paths)[digest];
    if (!record) throw notFound(`No such image: ${key} (its manifest ${digest} has no record)`);
    return this.view(digest, record, refs);
  }

  /**
   * Deletes an image: its names, its record, and every blob of it that no
   * other image uses (a layer shared with another image stays).  Whether the
   * image may go (tags left, containers using it) is the caller's decision.
   */
  remove(image: string | Image): RemovedImage {
    const target = typeof image === 'string' ? this.resolve(image) : image;
    const refs = loadReferences(this.paths.references);
    const untagged = referencesTo(refs, target.manifestDigest);
    for (const ref of untagged) delete refs[ref];
    saveReferences(this.paths.references, refs);

    const records = loadImageRecords(this.paths);
    const mine = this.blobsOf(target.manifestDigest);
    delete records[target.manifestDigest];
    saveImageRecords(this.paths, records);
    const stillUsed = new Set(Object.keys(records).flatMap((d) => this.blobsOf(d)));
    const deleted = [target.id];
    for (const blob of mine) {
      if (!stillUsed.has(blob) && this.blobs.delete(blob)) deleted.push(blob);
    }
    return { untagged, deleted };
  }

  /** The manifest bytes as stored (for save and push). */
  manifestBytes(image: string | Image): Buffer {
    return this.blobs.read(this.imageOf(image).manifestDigest);
  }

  manifest(image: string | Image): ImageManifest {
    return parseManifest(this.manifestBytes(image));
  }

  /** The config bytes as stored (for save and push). */
  configBytes(image: string | Image): Buffer {
    return this.blobs.read(this.imageOf(image).id);
  }

  imageConfig(image: string | Image): ImageConfig {
    const target = this.imageOf(image);
    return parseConfig(this.blobs.read(target.id), target.id);
  }

  /** The layers, bottom first. */
  layers(image: string | Image): ImageLayer[] {
    const target = this.imageOf(image);
    const manifest = this.manifest(target);
    const config = this.imageConfig(target);
    const record = loadImageRecords(this.paths)[target.manifestDigest];
    return manifest.layers.map((layer, i) => ({
      digest: layer.digest,
      diffId: config.rootfs.diff_ids[i]!,
      mediaType: layer.mediaType,
      size: layer.size,
      uncompressedSize: record?.layerSizes[i] ?? 0,
    }));
  }

  /** `history` rows, newest first. */
  history(image: string | Image): HistoryRow[] {
    return imageHistory(this, image);
  }

  /** `image inspect` data. */
  inspect(image: string | Image): ImageInspect {
    return inspectImage(this, image);
  }

  /** The record behind an image (for inspect's Metadata). */
  record(image: string | Image): ImageRecord | undefined {
    return loadImageRecords(this.paths)[this.imageOf(image).manifestDigest];
  }

  private imageOf(image: string | Image): Image {
    return typeof image === 'string' ? this.resolve(image) : image;
  }

  private view(manifestDigest: string, record: ImageRecord, refs: ReferenceMap): Image {
    const names = referencesTo(refs, manifestDigest);
    let created = '';
    try {
      created = parseConfig(this.blobs.read(record.id), record.id).created ?? '';
    } catch { /* a missing config shows as unknown age rather than hiding the image */ }
    return {
      id: record.id,
      manifestDigest,
      tags: names.filter((r) => !r.includes('@')),
      digests: names.filter((r) => r.includes('@')),
      created,
      size: record.layerSizes.reduce((a, b) => a + b, 0),
    };
  }

  /** The manifest, config and layer digests of one stored image. */
  private blobsOf(manifestDigest: string): string[] {
    if (!this.blobs.has(manifestDigest)) return [];
    const manifest = parseManifest(this.blobs.read(manifestDigest));
    return [manifestDigest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
  }

  private blobSizeOrThrow(digest: string, what: string): number {
    validateDigest(digest, `${what} digest`);
    if (!this.blobs.has(digest)) throw notFound(`${what} blob ${digest} not found in the blob store`);
    return this.blobs.size(digest);
  }

  private async measureLayers(manifest: ImageManifest): Promise<number[]> {
    const sizes: number[] = [];
    for (const layer of manifest.layers) {
      if (GZIP_LAYER_TYPES.includes(layer.mediaType)) sizes.push(await countGunzippedBytes(this.blobs.stream(layer.digest)));
      else sizes.push(layer.size); // plain tar: the blob is the tar; other compressions: best known figure
    }
    return sizes;
  }
}

/** Parses and checks an image manifest (not an index: pick a platform first). */
export function parseManifest(bytes: Buffer): ImageManifest {
  let manifest: ImageManifest;
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as ImageManifest;
  } catch (error) {
    throw invalid(`manifest ${sha256(bytes)} is not valid JSON`, error);
  }
  if (manifest.mediaType !== undefined && !IMAGE_MANIFEST_TYPES.includes(manifest.mediaType)) {
    throw invalid(`manifest ${sha256(bytes)} has media type ${manifest.mediaType}; expected an image manifest (${IMAGE_MANIFEST_TYPES.join(' or ')})`);
  }
  if (manifest.schemaVersion !== 2 || !manifest.config || !isDigest(manifest.config.digest) || !Array.isArray(manifest.layers)
      || manifest.layers.some((l) => !l || !isDigest(l.digest))) {
    throw invalid(`manifest ${sha256(bytes)} is not an image manifest (schemaVersion 2 with a config and layers)`);
  }
  return manifest;
}

function parseConfig(bytes: Buffer, digest: string): ImageConfig {
  let config: ImageConfig;
  try {
    config = JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch (error) {
    throw invalid(`image config ${digest} is not valid JSON`, error);
  }
  if (!config || !config.rootfs || !Array.isArray(config.rootfs.diff_ids)) {
    throw invalid(`image config ${digest} has no rootfs.diff_ids`);
  }
  return config;
}
