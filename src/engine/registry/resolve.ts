// Which registry a name goes to, as in the seed talk: "the namespace is a
// URL".  `localhost:5000/app` lives on that registry; `busybox` and
// `alice/app` live on the configured index (the lab's hub by default, or
// Docker Hub for users with the internet), where a one-part name is an
// official image under `library/`.
import { parseNormalizedReference, formatReference } from '../store/reference.js';

export const DOCKER_HUB_REGISTRY = 'https://registry-1.docker.io';

export interface ResolvedName {
  /** where to connect, e.g. http://127.0.0.1:5151 */
  readonly baseUrl: string;
  /** the repository on that registry, e.g. library/busybox */
  readonly repository: string;
  /** tag or digest to fetch */
  readonly reference: string;
  /** the name as the local store keeps it, e.g. busybox:latest */
  readonly localName: string;
  /** true when the name resolved to the index (not a registry named in it) */
  readonly onIndex: boolean;
}

/** Registries spoken to in plain HTTP: loopback (as Docker does), and any in `insecure` (the insecure-registries setting). */
export function isInsecure(host: string, insecure: readonly string[]): boolean {
  const hostname = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (hostname === 'localhost' || hostname === '::1' || /^127\./.test(hostname)) return true;
  return insecure.includes(host);
}

export function registryUrl(host: string, insecure: readonly string[]): string {
  return `${isInsecure(host, insecure) ? 'http' : 'https'}://${host}`;
}

/** The index's registry URL: the hub's, or Docker Hub's registry when the index is docker.io. */
export function indexRegistry(indexUrl: string): string {
  return /(^|\/\/)(index\.)?docker\.io\/?$/.test(indexUrl) ? DOCKER_HUB_REGISTRY : indexUrl.replace(/\/+$/, '');
}

/** Where `name` lives: its registry (plain HTTP when loopback or in `insecure`), or the index. */
export function resolveName(name: string, indexUrl: string, insecure: readonly string[] = []): ResolvedName {
  const ref = parseNormalizedReference(name);
  const reference = ref.digest ?? ref.tag ?? 'latest';
  const localName = formatReference(ref);
  if (ref.domain) {
    return { baseUrl: registryUrl(ref.domain, insecure), repository: ref.path, reference, localName, onIndex: false };
  }
  const repository = ref.path.includes('/') ? ref.path : `library/${ref.path}`;
  return { baseUrl: indexRegistry(indexUrl), repository, reference, localName, onIndex: true };
}
