// `pull`: manifest (choosing this host's platform from an index), config,
// then every layer the store lacks, each verified before it is committed; the
// manifest goes into the store last, so a pull cut short (even by kill -9)
// leaves verified blobs and no half image.
import { BerthError, invalid } from '../../errors.js';
import type { Image, ImageStore } from '../../store/images.js';
import { parseManifest } from '../../store/images.js';
import { countGunzippedBytes } from '../../store/gzip-size.js';
import { isDigest } from '../../store/digest.js';
import { GZIP_LAYER_TYPES, INDEX_TYPES, type Descriptor, type ImageConfig, type ImageIndex } from '../../store/oci.js';
import { parseReference } from '../../store/reference.js';
import { rememberBlob } from './blob-hints.js';
import { fetchLayer, fetchSmallBlob } from './fetch-blob.js';
import { choosePlatform, fetchManifest, hostPlatform, type PlatformWanted } from './manifest.js';
import { shortId, throttle, type ProgressEvent, type ProgressListener } from './progress.js';
import { displayName, RegistrySession, type RegistryTarget } from './session.js';

export interface PullOptions {
  /** the name the image gets in the store, as the user gave it, e.g. "busybox:latest" or "localhost:5000/app:v1" (default: host/repository:reference) */
  readonly localTag?: string;
  /** default: linux and this host's architecture */
  readonly platform?: PlatformWanted;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
  /** default: the process-wide session of the registry */
  readonly session?: RegistrySession;
  /** layers downloaded at once (default 3, as Docker) */
  readonly concurrency?: number;
  /**
   * Wraps the one step that changes the store's records (putManifest), e.g.
   * with the engine's global lock: downloads need no lock (blob writes are
   * atomic), so others are not kept waiting while bytes arrive.
   */
  readonly lock?: <T>(work: () => Promise<T>) => Promise<T>;
}

/** Largest image config berth accepts. */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** Pulls `reference` (a tag or a digest) of `target` into the store. */
export async function pullImage(store: ImageStore, target: RegistryTarget, reference: string, options: PullOptions = {}): Promise<Image> {
  const session = options.session ?? RegistrySession.for(target.baseUrl, target.configDir);
  const emit = (event: ProgressEvent) => options.onProgress?.(event);
  const { signal } = options;
  const byDigest = isDigest(reference);
  const localTag = options.localTag ?? `${displayName(target)}${byDigest ? '@' : ':'}${reference}`;
  const localName = parseReference(localTag).name;
  emit({ type: 'start', action: 'pull', repository: target.repository, reference });

  // 1. The manifest; for an index, this platform's entry.
  const top = await fetchManifest(session, target, reference, signal);
  let manifestFetched = top;
  if (INDEX_TYPES.includes(top.mediaType)) {
    const entry = choosePlatform(JSON.parse(top.bytes.toString('utf8')) as ImageIndex, options.platform ?? hostPlatform());
    manifestFetched = await fetchManifest(session, target, entry.digest, signal);
    if (INDEX_TYPES.includes(manifestFetched.mediaType)) throw invalid(`the index ${top.digest} points at another index (${entry.digest}); berth reads one level`);
  }
  const manifest = parseManifest(manifestFetched.bytes);
  if (manifest.config.size > MAX_CONFIG_BYTES) throw invalid(`image config ${manifest.config.digest} is ${manifest.config.size} bytes; berth accepts at most ${MAX_CONFIG_BYTES}`);
  const previous = store.find(localTag);

  // 2. The config: its diff_ids are what each layer must unpack to.
  const stored = new Set<string>(); // blobs this pull adds: removed again if the image is refused
  if (!store.blobs.has(manifest.config.digest)) stored.add(manifest.config.digest);
  const configBytes = await fetchSmallBlob(session, target, manifest.config, store.blobs, signal);
  rememberBlob(manifest.config.digest, session.baseUrl, target.repository);
  const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw invalid(`image config ${manifest.config.digest} lists ${diffIds.length} diff ids for ${manifest.layers.length} layers`);
  }

  // 3. The layers, a few at a time.
  const known = knownLayerSizes(store);
  const sizes: number[] = new Array(manifest.layers.length).fill(0);
  let downloaded = 0;
  const todo: number[] = [];
  manifest.layers.forEach((layer, i) => {
    if (store.blobs.has(layer.digest)) emit(layerEvent(layer, 'Already exists'));
    else { emit(layerEvent(layer, 'Pulling fs layer')); todo.push(i); }
  });
  const concurrency = options.concurrency ?? 3;
  // As Docker says of the layers queued behind the downloads already running.
  for (const i of todo.slice(concurrency)) emit(layerEvent(manifest.layers[i]!, 'Waiting'));
  const tick = throttle(100);
  // The first layer that fails stops the others' downloads too.
  const stop = new AbortController();
  const layerSignal = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  await inPool(todo, concurrency, async (i) => {
    const layer = manifest.layers[i]!;
    const fetched = await fetchLayer(session, target, layer, diffIds[i]!, store.blobs, (received) => {
      tick(layer.digest, received === layer.size, () => emit(layerEvent(layer, 'Downloading', received)));
    }, layerSignal).catch((error: unknown) => {
      if (!stop.signal.aborted) stop.abort(error);
      throw error;
    });
    stored.add(layer.digest);
    sizes[i] = fetched.uncompressedSize;
    downloaded++;
    emit(layerEvent(layer, 'Download complete'));
  }).catch(async (error: unknown) => {
    // A refused image (a layer the apply would refuse, a digest that does not match) leaves nothing:
    // the blobs this pull stored go again unless an image already uses them.  A pull cut short
    // otherwise (network) keeps its verified layers, as Docker does, for the next try.
    if (error instanceof BerthError && error.kind === 'invalid') {
      const drop = () => { removeUnreferenced(store, stored); return Promise.resolve(); };
      await (options.lock ? options.lock(drop) : drop());
    }
    throw error;
  });
  for (const [i, layer] of manifest.layers.entries()) {
    rememberBlob(layer.digest, session.baseUrl, target.repository);
    if (todo.includes(i)) continue;
    sizes[i] = known.get(layer.digest) ?? (GZIP_LAYER_TYPES.includes(layer.mediaType) ? await countGunzippedBytes(store.blobs.stream(layer.digest)) : layer.size);
  }

  // 4. The manifest, last: only now does the image exist.
  const tags = byDigest ? [localTag] : [localTag, `${localName}@${top.digest}`];
  const put = () => store.putManifest(manifestFetched.bytes, { tags, layerSizes: sizes });
  const image = await (options.lock ? options.lock(put) : put());
  const upToDate = downloaded === 0 && previous?.manifestDigest === image.manifestDigest;
  emit({ type: 'digest', digest: top.digest });
  emit({ type: 'status', text: upToDate ? `Status: Image is up to date for ${localTag}` : `Status: Downloaded newer image for ${localTag}` });
  return image;
}

function layerEvent(layer: Descriptor, status: 'Pulling fs layer' | 'Waiting' | 'Downloading' | 'Download complete' | 'Already exists', current?: number): ProgressEvent {
  return { type: 'layer', id: shortId(layer.digest), digest: layer.digest, status, ...(current !== undefined ? { current, total: layer.size } : {}) };
}

/** Deletes those of `blobs` that no image in the store refers to. */
function removeUnreferenced(store: ImageStore, blobs: ReadonlySet<string>): void {
  const used = new Set<string>();
  for (const image of store.list()) {
    used.add(image.manifestDigest);
    try {
      const manifest = store.manifest(image);
      used.add(manifest.config.digest);
      for (const layer of manifest.layers) used.add(layer.digest);
    } catch { /* an image with a missing manifest blob refers to nothing we can read */ }
  }
  for (const blob of blobs) if (!used.has(blob)) store.blobs.delete(blob);
}

/** Uncompressed sizes of the layers the store already has, from its images' records. */
function knownLayerSizes(store: ImageStore): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const image of store.list()) {
    try {
      for (const layer of store.layers(image)) if (layer.uncompressedSize > 0) sizes.set(layer.digest, layer.uncompressedSize);
    } catch { /* an image with a missing blob: its sizes are not needed */ }
  }
  return sizes;
}

/** Runs `work` over items, at most `limit` at once; the first failure stops new work and is thrown. */
export async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const item = items[next++]!;
      try { await work(item); } catch (error) { failed ??= error; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  if (failed !== undefined) throw failed;
}
