// Fetching manifests: the Accept header names every format berth reads, and
// the bytes are checked against the digest asked for (a pull by digest) and
// the one the registry claims (Docker-Content-Digest).
import { invalid, notFound } from '../../errors.js';
import { isDigest, sha256 } from '../../store/digest.js';
import { IMAGE_MANIFEST_TYPES, INDEX_TYPES, MediaType, ociArchitecture, type Descriptor, type ImageIndex } from '../../store/oci.js';
import { responseError } from './errors.js';
import { readLimited } from './fetch-blob.js';
import { displayName, pullScope, type RegistrySession, type RegistryTarget } from './session.js';

export const MANIFEST_ACCEPT = [MediaType.DockerManifest, MediaType.DockerManifestList, MediaType.OciManifest, MediaType.OciIndex].join(', ');
/** Manifests are small JSON documents; anything bigger is refused (as distribution does). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface FetchedManifest {
  readonly bytes: Buffer;
  readonly digest: string;
  readonly mediaType: string;
}

export interface PlatformWanted {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/** GET /v2/<repo>/manifests/<tag or digest>, verified. */
export async function fetchManifest(session: RegistrySession, target: RegistryTarget, reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
  const response = await session.request('GET', `/v2/${target.repository}/manifests/${reference}`, {
    headers: { Accept: MANIFEST_ACCEPT },
    scopes: [pullScope(target.repository)],
    signal,
  });
  const shown = `${displayName(target)}${isDigest(reference) ? '@' : ':'}${reference}`;
  if (!response.ok) throw await responseError(response, `manifest for ${shown}`);
  const bytes = await readLimited(response, MAX_MANIFEST_BYTES, `manifest for ${shown}`);
  const digest = sha256(bytes);
  if (isDigest(reference) && digest !== reference) {
    throw invalid(`manifest verification failed for ${shown}: the registry sent content with digest ${digest}`);
  }
  const claimed = response.headers.get('docker-content-digest');
  if (claimed && claimed.startsWith('sha256:') && claimed !== digest) {
    throw invalid(`manifest verification failed for ${shown}: the registry says its digest is ${claimed}, but the content's is ${digest}`);
  }
  return { bytes, digest, mediaType: manifestMediaType(bytes, response.headers.get('content-type'), shown) };
}

/** The manifest's type: Content-Type when it is one berth knows, else the JSON's own mediaType or shape. */
export function manifestMediaType(bytes: Buffer, contentType: string | null, shown: string): string {
  let json: { mediaType?: unknown; schemaVersion?: unknown; manifests?: unknown; config?: unknown };
  try {
    json = JSON.parse(bytes.toString('utf8')) as typeof json;
  } catch (error) {
    throw invalid(`manifest for ${shown} is not valid JSON`, error);
  }
  if (json.schemaVersion === 1) {
    throw invalid(`manifest for ${shown} is a Docker schema 1 manifest, which berth does not read (push the image again with a current client)`);
  }
  const header = (contentType ?? '').split(';')[0]!.trim();
  const known = [...IMAGE_MANIFEST_TYPES, ...INDEX_TYPES];
  if (known.includes(header)) return header;
  if (typeof json.mediaType === 'string' && known.includes(json.mediaType)) return json.mediaType;
  if (Array.isArray(json.manifests)) return MediaType.OciIndex;
  if (json.config) return MediaType.OciManifest;
  throw invalid(`manifest for ${shown} has media type ${header || 'none'}, which is neither an image manifest nor an index`);
}

/** The host's platform, as registries name it (x64 -> amd64). */
export function hostPlatform(): PlatformWanted {
  return { os: 'linux', architecture: ociArchitecture() };
}

/** Picks the entry of an index for a platform; Docker's error when there is none. */
export function choosePlatform(index: ImageIndex, wanted: PlatformWanted): Descriptor {
  const images = (index.manifests ?? []).filter((m) => m && isDigest(m.digest) && IMAGE_MANIFEST_TYPES.includes(m.mediaType ?? MediaType.OciManifest));
  const matches = images.filter((m) => m.platform?.os === wanted.os && m.platform?.architecture === wanted.architecture);
  const exact = wanted.variant ? matches.find((m) => m.platform?.variant === wanted.variant) : undefined;
  const chosen = exact ?? matches.find((m) => !m.platform?.variant || defaultVariant(wanted.architecture) === m.platform.variant) ?? matches[0];
  if (!chosen) {
    const offered = images.map((m) => m.platform ? `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ''}` : 'unknown').join(', ');
    throw notFound(`no matching manifest for ${wanted.os}/${wanted.architecture} in the manifest list entries (it has: ${offered || 'none'})`);
  }
  return chosen;
}

function defaultVariant(architecture: string): string | undefined {
  return architecture === 'arm64' ? 'v8' : architecture === 'arm' ? 'v7' : undefined;
}
