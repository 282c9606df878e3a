// `save` and `load`: images in one tar that both `docker load` and OCI tools
// read (Docker 25+ writes the same):
//
//   blobs/sha256/<hex>   manifests, configs and layers, as stored
//   oci-layout           {"imageLayoutVersion":"1.0.0"}
//   index.json           one entry per tag (org.opencontainers.image.ref.name = the tag,
//                        io.containerd.image.name = the full name)
//   manifest.json        [{"Config":"blobs/sha256/..","RepoTags":[..],"Layers":[..]}]
//
// load reads that, a plain OCI layout, and Docker's older save format
// (<id>/layer.tar, <id>.json, named by manifest.json).  The tar is first
// spooled to a work directory, every digest checked (blob names, diff_ids),
// and only then does anything enter the store.  Entry names that are absolute
// or climb with `..` are refused.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { BerthError, invalid } from '../errors.js';
import { checkLayerTar, layerCheckSink } from './check-layer.js';
import { DigestStream, digestHex, isDigest } from '../store/digest.js';
import { parseManifest, type Image, type ImageStore } from '../store/images.js';
import {
  Annotation, GZIP_LAYER_TYPES, IMAGE_MANIFEST_TYPES, INDEX_TYPES, MediaType, ociArchitecture,
  type Descriptor, type ImageConfig, type ImageIndex, type ImageManifest,
} from '../store/oci.js';
import { formatReference, isReference, parseNormalizedReference, parseReference } from '../store/reference.js';

/** One image to save, with the names it is saved under (may be empty). */
export interface SaveItem {
  readonly image: Image;
  readonly tags: readonly string[];
}

/** Annotation containerd (and Docker 25+) reads for the image's full name. */
export const CONTAINERD_IMAGE_NAME = 'io.containerd.image.name';

const TAR_LAYER_TYPES: readonly string[] = [MediaType.OciLayer, 'application/vnd.docker.image.rootfs.diff.tar'];
/** JSON documents (manifest.json, index.json, configs, manifests) larger than this are refused. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;
const EPOCH = new Date(0);

// ---------------------------------------------------------------- save

/** Writes the images as one tar to `out` (ends it). */
export async function saveImages(store: ImageStore, images: readonly SaveItem[], out: Writable): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack as unknown as Readable, out);
  try {
    await writeArchive(store, images, pack);
    pack.finalize();
  } catch (error) {
    pack.destroy(error as Error);
    await done.catch(() => undefined);
    throw error;
  }
  await done;
}

async function writeArchive(store: ImageStore, images: readonly SaveItem[], pack: tar.Pack): Promise<void> {
  const blobs = new Map<string, number>();
  const manifestJson: Array<{ Config: string; RepoTags: string[]; Layers: string[] }> = [];
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
  for (const { image, tags } of images) {
    const manifestBytes = store.manifestBytes(image);
    const manifest = parseManifest(manifestBytes);
    const repoTags = tags.map((t) => formatReference(parseNormalizedReference(t)));
    for (const d of [manifest.config.digest, ...manifest.layers.map((l) => l.digest), image.manifestDigest]) blobs.set(d, store.blobs.size(d));
    manifestJson.push({
      Config: blobName(manifest.config.digest),
      RepoTags: repoTags,
      Layers: manifest.layers.map((l) => blobName(l.digest)),
    });
    const descriptor: Descriptor = { mediaType: manifest.mediaType ?? MediaType.OciManifest, digest: image.manifestDigest, size: manifestBytes.length };
    if (repoTags.length === 0) index.manifests.push(descriptor);
    for (const tag of repoTags) {
      const ref = parseReference(tag);
      index.manifests.push({ ...descriptor, annotations: { [CONTAINERD_IMAGE_NAME]: fullName(tag), [Annotation.RefName]: ref.tag ?? 'latest' } });
    }
  }
  const dir = (name: string) => new Promise<void>((resolve, reject) => {
    pack.entry({ name, type: 'directory', mode: 0o755, mtime: EPOCH }, (error) => (error ? reject(error) : resolve()));
  });
  const file = (name: string, data: Buffer) => new Promise<void>((resolve, reject) => {
    pack.entry({ name, type: 'file', mode: 0o644, size: data.length, mtime: EPOCH }, data, (error) => (error ? reject(error) : resolve()));
  });
  await dir('blobs/');
  await dir('blobs/sha256/');
  for (const [digest, size] of blobs) {
    const entry = pack.entry({ name: blobName(digest), type: 'file', mode: 0o644, size, mtime: EPOCH });
    await pipeline(store.blobs.stream(digest), entry);
  }
  await file('index.json', Buffer.from(JSON.stringify(index)));
  await file('manifest.json', Buffer.from(JSON.stringify(manifestJson)));
  await file('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
}

const blobName = (digest: string) => `blobs/sha256/${digestHex(digest)}`;

/** Docker's fully qualified name: busybox:latest -> docker.io/library/busybox:latest. */
export function fullName(reference: string): string {
  const ref = parseNormalizedReference(reference);
  if (ref.domain) return formatReference(ref);
  return formatReference({ ...ref, name: `docker.io/${ref.path.includes('/') ? '' : 'library/'}${ref.path}` });
}

/** The reverse: docker.io/library/busybox:latest -> busybox:latest (berth keeps unqualified names). */
export function shortName(reference: string): string {
  return reference.replace(/^docker\.io\/(library\/)?/, '');
}

// ---------------------------------------------------------------- load

interface Spooled {
  readonly file: string;
  readonly digest: string;
  readonly size: number;
}

/** The tar's entries, spooled to a work directory and hashed. */
class SpooledArchive {
  readonly files = new Map<string, Spooled>();
  readonly links = new Map<string, string>();
  private count = 0;

  constructor(readonly dir: string) {}

  static async read(source: Readable, dir: string): Promise<SpooledArchive> {
    const archive = new SpooledArchive(dir);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const extract = tar.extract();
    const reading = pipeline(source, extract as unknown as Writable);
    try {
      for await (const entry of extract) {
        const name = archiveName(entry.header.name);
        if (entry.header.type === 'file' || entry.header.type === 'contiguous-file') {
          await archive.spool(name, entry as unknown as Readable);
        } else {
          if (entry.header.type === 'symlink') archive.links.set(name, linkTarget(name, entry.header.linkname ?? '', true));
          if (entry.header.type === 'link') archive.links.set(name, linkTarget(name, entry.header.linkname ?? '', false));
          entry.resume();
        }
      }
      await reading;
    } catch (error) {
      extract.destroy();
      await reading.catch(() => undefined);
      throw error;
    }
    return archive;
  }

  private async spool(name: string, body: Readable): Promise<void> {
    const file = path.join(this.dir, `e${this.count++}`);
    const hash = new DigestStream();
    await pipeline(body, hash, fs.createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    this.files.set(name, { file, digest: hash.digest, size: hash.size });
  }

  has(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  /** The file an entry name refers to (through links), checking a blobs/sha256/<hex> name against its content. */
  get(name: string): Spooled {
    const found = this.lookup(name);
    if (!found) throw invalid(`the archive has no ${JSON.stringify(name)}`);
    const hex = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(archiveName(name))?.[1];
    if (hex && found.digest !== `sha256:${hex}`) throw invalid(`digest mismatch: ${name} in the archive holds content with digest ${found.digest}`);
    return found;
  }

  blob(digest: string): Spooled {
    return this.get(`blobs/sha256/${digestHex(digest)}`);
  }

  json<T>(name: string): T {
    const entry = this.get(name);
    if (entry.size > MAX_JSON_BYTES) throw invalid(`${name} in the archive is too large (${entry.size} bytes)`);
    try {
      return JSON.parse(fs.readFileSync(entry.file, 'utf8')) as T;
    } catch (error) {
      throw invalid(`${name} in the archive is not valid JSON`, error);
    }
  }

  bytes(entry: Spooled, what: string): Buffer {
    if (entry.size > MAX_JSON_BYTES) throw invalid(`${what} in the archive is too large (${entry.size} bytes)`);
    return fs.readFileSync(entry.file);
  }

  private lookup(name: string): Spooled | undefined {
    let current = archiveName(name);
    for (let hops = 0; hops < 16; hops++) {
      const file = this.files.get(current);
      if (file) return file;
      const next = this.links.get(current);
      if (next === undefined) return undefined;
      current = next;
    }
    throw invalid(`too many links from ${JSON.stringify(name)} in the archive`);
  }
}

/** A safe, normalized entry name ("./a//b" -> "a/b"); absolute names and `..` are refused. */
function archiveName(name: string): string {
  if (name.startsWith('/')) throw invalid(`refusing the archive: entry ${JSON.stringify(name)} is an absolute path`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw invalid(`refusing the archive: entry ${JSON.stringify(name)} climbs out with ".."`);
  return parts.join('/');
}

/** A link's target as an entry name: symlinks are relative to their directory, hard links to the root. */
function linkTarget(name: string, target: string, symbolic: boolean): string {
  if (target.startsWith('/')) throw invalid(`refusing the archive: link ${JSON.stringify(name)} points at the absolute path ${JSON.stringify(target)}`);
  const joined = symbolic ? path.posix.normalize(path.posix.join(path.posix.dirname(name), target)) : path.posix.normalize(target);
  if (joined === '..' || joined.startsWith('../')) throw invalid(`refusing the archive: link ${JSON.stringify(name)} points outside it (${JSON.stringify(target)})`);
  return archiveName(joined);
}

/** One image, checked and ready to enter the store. */
interface PlannedImage {
  readonly manifestBytes: Buffer;
  readonly config: Spooled;
  readonly layers: ReadonlyArray<{ readonly entry: Spooled; readonly uncompressedSize: number }>;
  readonly tags: string[];
}

/** Reads a `docker save` tar (old or new), or an OCI layout tar, into the store; returns the images, tags applied. */
export interface LoadOptions {
  /** wraps the step that changes the store's records (e.g. with the engine's global lock); spooling and checking run outside it */
  readonly lock?: <T>(work: () => Promise<T>) => Promise<T>;
}

export async function loadImages(store: ImageStore, source: Readable, options: LoadOptions = {}): Promise<Image[]> {
  const work = path.join(store.paths.tmp, `load-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  try {
    const archive = await SpooledArchive.read(source, work);
    const planned = archive.has('manifest.json') ? await planDockerImages(archive) : archive.has('index.json') ? await planOciImages(archive) : undefined;
    if (!planned) throw invalid('the archive holds neither manifest.json (docker save) nor index.json (an OCI layout): is it an image archive?');
    if (planned.length === 0) throw invalid('the archive lists no images');
    // Blobs first (atomic, verified, no lock needed), then the records.
    for (const plan of planned) {
      for (const entry of [plan.config, ...plan.layers.map((l) => l.entry)]) {
        if (!store.blobs.has(entry.digest)) await store.blobs.put(fs.createReadStream(entry.file), { digest: entry.digest, size: entry.size });
      }
    }
    const loaded: string[] = [];
    const commit = async () => {
      for (const plan of planned) {
        const image = await store.putManifest(plan.manifestBytes, { tags: plan.tags, layerSizes: plan.layers.map((l) => l.uncompressedSize) });
        if (!loaded.includes(image.manifestDigest)) loaded.push(image.manifestDigest);
      }
    };
    await (options.lock ? options.lock(commit) : commit());
    // Views taken after every tag is in place (a later entry may have named an earlier image).
    const now = store.list();
    return loaded.map((digest) => now.find((i) => i.manifestDigest === digest)!);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** docker save's manifest.json (Docker 25+ with blobs/, or older with <id>/layer.tar). */
async function planDockerImages(archive: SpooledArchive): Promise<PlannedImage[]> {
  const entries = archive.json<Array<{ Config?: string; RepoTags?: string[] | null; Layers?: string[] }>>('manifest.json');
  if (!Array.isArray(entries)) throw invalid('manifest.json in the archive is not a list of images');
  const ociManifests = archive.has('index.json') ? ociImageManifests(archive) : [];
  const plans: PlannedImage[] = [];
  for (const item of entries) {
    if (!item || typeof item.Config !== 'string' || !Array.isArray(item.Layers)) throw invalid('manifest.json in the archive has an entry without Config and Layers');
    const config = archive.get(item.Config);
    const configJson = parseConfig(archive.bytes(config, item.Config), config.digest);
    const diffIds = configJson.rootfs.diff_ids;
    if (diffIds.length !== item.Layers.length) throw invalid(`manifest.json lists ${item.Layers.length} layers for ${item.Config}, whose config lists ${diffIds.length} diff ids`);
    const layers: Array<{ entry: Spooled; uncompressedSize: number; mediaType: string }> = [];
    for (const [i, name] of item.Layers.entries()) {
      const entry = archive.get(name);
      const compression = await sniff(entry.file);
      const uncompressedSize = await checkDiffId(entry, compression, diffIds[i]!, name);
      layers.push({ entry, uncompressedSize, mediaType: compression === 'gzip' ? MediaType.OciLayerGzip : MediaType.OciLayer });
    }
    const tags = (item.RepoTags ?? []).filter((t) => typeof t === 'string').map(shortName).map((t) => formatReference(parseNormalizedReference(t)));
    // The OCI manifest saved beside it (Docker 25+, berth): kept byte for byte, so the manifest digest survives.
    const same = ociManifests.find(({ manifest }) => manifest.config.digest === config.digest
      && manifest.layers.length === layers.length && manifest.layers.every((l, i) => l.digest === layers[i]!.entry.digest));
    const manifestBytes = same?.bytes ?? Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: config.digest, size: config.size },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.entry.digest, size: l.entry.size })),
    } satisfies ImageManifest));
    plans.push({ manifestBytes, config, layers, tags });
  }
  return plans;
}

/** An OCI layout: index.json's image manifests (an index inside picks this host's platform). */
async function planOciImages(archive: SpooledArchive): Promise<PlannedImage[]> {
  const plans: PlannedImage[] = [];
  const byDigest = new Map<string, PlannedImage>();
  for (const { bytes, manifest, digest, tags } of ociImageManifests(archive)) {
    let plan = byDigest.get(digest);
    if (!plan) {
      const config = archive.blob(manifest.config.digest);
      const configJson = parseConfig(archive.bytes(config, manifest.config.digest), config.digest);
      if (configJson.rootfs.diff_ids.length !== manifest.layers.length) throw invalid(`manifest ${digest} lists ${manifest.layers.length} layers but its config lists ${configJson.rootfs.diff_ids.length} diff ids`);
      const layers = [];
      for (const [i, layer] of manifest.layers.entries()) {
        const entry = archive.blob(layer.digest);
        if (entry.size !== layer.size) throw invalid(`layer ${layer.digest} is ${entry.size} bytes in the archive; its manifest says ${layer.size}`);
        const compression = GZIP_LAYER_TYPES.includes(layer.mediaType) ? 'gzip' : TAR_LAYER_TYPES.includes(layer.mediaType) ? 'none' : undefined;
        if (!compression) throw invalid(`layer ${layer.digest} has media type ${layer.mediaType}, which berth cannot unpack (it reads tar and tar+gzip layers)`);
        layers.push({ entry, uncompressedSize: await checkDiffId(entry, compression, configJson.rootfs.diff_ids[i]!, layer.digest) });
      }
      plan = { manifestBytes: bytes, config, layers, tags: [] };
      byDigest.set(digest, plan);
      plans.push(plan);
    }
    for (const tag of tags) if (!plan.tags.includes(tag)) plan.tags.push(tag);
  }
  return plans;
}

interface OciImageManifest {
  readonly bytes: Buffer;
  readonly digest: string;
  readonly manifest: ImageManifest;
  readonly tags: string[];
}

/** index.json's image manifests with the names their annotations give. */
function ociImageManifests(archive: SpooledArchive): OciImageManifest[] {
  const index = archive.json<ImageIndex>('index.json');
  if (!index || !Array.isArray(index.manifests)) throw invalid('index.json in the archive has no manifests list');
  const found: OciImageManifest[] = [];
  for (const descriptor of index.manifests) {
    if (!descriptor || !isDigest(descriptor.digest)) throw invalid('index.json in the archive lists a manifest without a valid digest');
    const tags = namesOf(descriptor);
    let target = descriptor;
    if (INDEX_TYPES.includes(descriptor.mediaType)) {
      const nested = JSON.parse(archive.bytes(archive.blob(descriptor.digest), descriptor.digest).toString('utf8')) as ImageIndex;
      const chosen = (nested.manifests ?? []).find((m) => m.platform?.os === 'linux' && m.platform.architecture === ociArchitecture() && IMAGE_MANIFEST_TYPES.includes(m.mediaType))
        ?? ((nested.manifests ?? []).length === 1 ? nested.manifests[0] : undefined);
      if (!chosen) continue; // no image for this host: nothing berth could run
      target = chosen;
    } else if (!IMAGE_MANIFEST_TYPES.includes(descriptor.mediaType ?? MediaType.OciManifest)) {
      continue; // an artifact (signature, attestation): not an image
    }
    const entry = archive.blob(target.digest);
    const bytes = archive.bytes(entry, target.digest);
    found.push({ bytes, digest: entry.digest, manifest: parseManifest(bytes), tags });
  }
  return found;
}

/** The names an index entry carries: containerd's full name, or a ref.name that is itself a full reference. */
function namesOf(descriptor: Descriptor): string[] {
  const annotations = descriptor.annotations ?? {};
  const candidates = [annotations[CONTAINERD_IMAGE_NAME], annotations[Annotation.RefName]];
  for (const candidate of candidates) {
    if (!candidate) continue;
    // A bare ref.name ("latest", "v1") is a tag with no repository: not a name.
    if (candidate === annotations[Annotation.RefName] && !/[:/@]/.test(candidate)) continue;
    const short = shortName(candidate);
    if (isReference(short)) {
      const ref = parseNormalizedReference(short);
      if (ref.digest === undefined) return [formatReference(ref)];
    }
  }
  return [];
}

async function sniff(file: string): Promise<'gzip' | 'none'> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const head = Buffer.alloc(6);
    const { bytesRead } = await handle.read(head, 0, 6, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (bytesRead >= 4 && head.readUInt32BE(0) === 0x28b52ffd) throw invalid('zstd-compressed layers are not supported');
    if (bytesRead >= 3 && head.subarray(0, 3).toString('latin1') === 'BZh') throw invalid('bzip2-compressed layers are not supported');
    if (bytesRead >= 6 && head.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) throw invalid('xz-compressed layers are not supported');
    return 'none';
  } finally {
    await handle.close();
  }
}

/**
 * Checks that a layer unpacks to the config's diff_id, and that the apply
 * would accept every entry of it (check-layer.ts), before anything enters the
 * store; returns the uncompressed size.
 */
async function checkDiffId(entry: Spooled, compression: 'gzip' | 'none', diffId: string, name: string): Promise<number> {
  if (compression === 'none') {
    if (entry.digest !== diffId) throw invalid(`layer ${name} has digest ${entry.digest}, but the image config's diff_id is ${diffId}`);
    await checkLayerTar(fs.createReadStream(entry.file));
    return entry.size;
  }
  const hash = new DigestStream();
  try {
    await pipeline(fs.createReadStream(entry.file), zlib.createGunzip(), hash, layerCheckSink());
  } catch (error) {
    if (error instanceof BerthError) throw error;
    throw invalid(`layer ${name} is not a valid gzip stream: ${(error as Error).message}`, error);
  }
  if (hash.digest !== diffId) throw invalid(`layer ${name} unpacks to ${hash.digest}, but the image config's diff_id is ${diffId}`);
  return hash.size;
}

function parseConfig(bytes: Buffer, digest: string): ImageConfig {
  let config: ImageConfig;
  try {
    config = JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch (error) {
    throw invalid(`image config ${digest} in the archive is not valid JSON`, error);
  }
  if (!config?.rootfs || !Array.isArray(config.rootfs.diff_ids) || !config.rootfs.diff_ids.every(isDigest)) {
    throw invalid(`image config ${digest} in the archive has no valid rootfs.diff_ids`);
  }
  return config;
}
