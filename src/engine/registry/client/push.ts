// `push`: every blob the registry lacks (HEAD first; a cross-repository mount
// when this process has seen the blob in a sibling repository; otherwise POST,
// one streamed PATCH with the whole blob, as docker's client sends, and PUT
// ?digest=), then the manifest, byte for byte as stored, under the tag.
import { Transform, type TransformCallback } from 'node:stream';
import { invalid } from '../../errors.js';
import type { BlobStore } from '../../store/blobs.js';
import { sha256 } from '../../store/digest.js';
import type { Image, ImageStore } from '../../store/images.js';
import { MediaType, type Descriptor } from '../../store/oci.js';
import { mountSource, rememberBlob } from './blob-hints.js';
import { responseError } from './errors.js';
import { inPool } from './pull.js';
import { shortId, throttle, type ProgressEvent, type ProgressListener } from './progress.js';
import { discard, displayName, pullScope, pushScope, RegistrySession, type RegistryTarget } from './session.js';

export interface PushOptions {
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
  /** default: the process-wide session of the registry */
  readonly session?: RegistrySession;
  /** blobs uploaded at once (default 3) */
  readonly concurrency?: number;
}

export interface PushResult {
  readonly tag: string;
  /** the manifest's digest, e.g. sha256:... */
  readonly digest: string;
  /** the manifest's size in bytes */
  readonly size: number;
}

/** Pushes a stored image to `target` under `tag`. */
export async function pushImage(store: ImageStore, image: string | Image, target: RegistryTarget, tag: string, options: PushOptions = {}): Promise<PushResult> {
  const session = options.session ?? RegistrySession.for(target.baseUrl, target.configDir);
  const emit = (event: ProgressEvent) => options.onProgress?.(event);
  const { signal } = options;
  const manifestBytes = store.manifestBytes(image);
  const manifest = store.manifest(image);
  emit({ type: 'start', action: 'push', repository: displayName(target), reference: tag });

  // Docker lists the layers top first.
  const layers = [...manifest.layers].reverse();
  for (const layer of layers) emit(layerEvent(layer, 'Preparing'));
  const concurrency = options.concurrency ?? 3;
  // As Docker says of the layers queued behind the uploads already running.
  for (const layer of layers.slice(concurrency)) emit(layerEvent(layer, 'Waiting'));
  const tick = throttle(100);
  await inPool(layers, concurrency, async (layer) => {
    const outcome = await pushBlob(session, target, store.blobs, layer, signal, (sent) => {
      tick(layer.digest, sent === layer.size, () => emit(layerEvent(layer, 'Pushing', sent)));
    });
    if (outcome.kind === 'exists') emit(layerEvent(layer, 'Layer already exists'));
    else if (outcome.kind === 'mounted') emit({ type: 'layer', id: shortId(layer.digest), digest: layer.digest, status: 'Mounted from', from: outcome.from });
    else emit(layerEvent(layer, 'Pushed'));
  });
  await pushBlob(session, target, store.blobs, manifest.config, signal, () => undefined);

  const mediaType = manifest.mediaType ?? MediaType.OciManifest;
  const response = await session.request('PUT', `/v2/${target.repository}/manifests/${tag}`, {
    headers: { 'Content-Type': mediaType },
    body: () => manifestBytes,
    scopes: [pushScope(target.repository)],
    signal,
  });
  if (!response.ok) throw await responseError(response, `manifest for ${displayName(target)}:${tag}`);
  await discard(response);
  const digest = sha256(manifestBytes);
  const claimed = response.headers.get('docker-content-digest');
  if (claimed && claimed.startsWith('sha256:') && claimed !== digest) {
    throw invalid(`the registry stored the manifest of ${displayName(target)}:${tag} as ${claimed}, but its digest is ${digest}`);
  }
  const result = { tag, digest, size: manifestBytes.length };
  emit({ type: 'pushed', ...result });
  return result;
}

type BlobOutcome = { kind: 'exists' } | { kind: 'mounted'; from: string } | { kind: 'uploaded' };

async function pushBlob(
  session: RegistrySession, target: RegistryTarget, blobs: BlobStore, blob: Descriptor,
  signal: AbortSignal | undefined, onBytes: (sent: number) => void,
): Promise<BlobOutcome> {
  const repo = target.repository;
  const scopes = [pushScope(repo)];
  const head = await session.request('HEAD', `/v2/${repo}/blobs/${blob.digest}`, { scopes, signal });
  await discard(head);
  if (head.ok) {
    rememberBlob(blob.digest, session.baseUrl, repo);
    return { kind: 'exists' };
  }
  if (head.status !== 404) throw await responseError(head, `blob ${blob.digest} of ${displayName(target)}`);

  // Start an upload, by mounting when a sibling repository is known to have the blob.
  const from = mountSource(blob.digest, session.baseUrl, repo);
  const start = from
    ? await session.request('POST', `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(from)}`, { scopes: [...scopes, pullScope(from)], signal })
    : await session.request('POST', `/v2/${repo}/blobs/uploads/`, { scopes, signal });
  if (from && start.status === 201) {
    await discard(start);
    rememberBlob(blob.digest, session.baseUrl, repo);
    return { kind: 'mounted', from };
  }
  if (start.status !== 202) throw await responseError(start, `upload of ${blob.digest} to ${displayName(target)}`);
  await discard(start);
  let location = uploadLocation(session, start, `upload of ${blob.digest}`);

  // The whole blob in one PATCH, streamed.
  const patch = await session.request('PATCH', location, {
    headers: { 'Content-Type': 'application/octet-stream' },
    body: () => blobs.stream(blob.digest).pipe(counter(onBytes)),
    scopes,
    signal,
  });
  if (patch.status !== 202 && patch.status !== 204) throw await responseError(patch, `upload of ${blob.digest} to ${displayName(target)}`);
  await discard(patch);
  if (patch.headers.get('location')) location = uploadLocation(session, patch, `upload of ${blob.digest}`);

  const put = await session.request('PUT', withDigest(location, blob.digest), {
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': '0' },
    scopes,
    signal,
  });
  if (put.status !== 201 && put.status !== 204) throw await responseError(put, `upload of ${blob.digest} to ${displayName(target)}`);
  await discard(put);
  rememberBlob(blob.digest, session.baseUrl, repo);
  return { kind: 'uploaded' };
}

/** The absolute upload URL from a Location header (absolute or relative). */
function uploadLocation(session: RegistrySession, response: Response, what: string): string {
  const location = response.headers.get('location');
  if (!location) throw invalid(`${what}: the registry answered ${response.status} without a Location`);
  return session.url(location);
}

/** Adds `digest=` to a URL that may already carry a query string (the registry's upload state). */
export function withDigest(location: string, digest: string): string {
  const hash = location.indexOf('#');
  const base = hash >= 0 ? location.slice(0, hash) : location;
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}digest=${encodeURIComponent(digest)}`;
}

function counter(onBytes: (sent: number) => void): Transform {
  let sent = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      sent += chunk.length;
      onBytes(sent);
      callback(null, chunk);
    },
  });
}

function layerEvent(layer: Descriptor, status: 'Preparing' | 'Waiting' | 'Pushing' | 'Pushed' | 'Layer already exists' | 'Mounted from', current?: number): ProgressEvent {
  return { type: 'layer', id: shortId(layer.digest), digest: layer.digest, status, ...(current !== undefined ? { current, total: layer.size } : {}) };
}
