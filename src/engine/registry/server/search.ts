// The v1 index that `docker search` speaks, which the distribution registry
// never had:
//
//   GET /v1/_ping                      200
//   GET /v1/search?q=<term>&n=<1..100> {"query","num_results","results":[{"name","description",
//                                       "star_count","is_official","is_automated"}]}
//
// A repository matches when the term is in its name or its description; the
// description is the `org.opencontainers.image.description` (or
// `description`) label of the image its `latest` tag names (else its newest
// tag).  `library/<x>` repositories are the official ones, shown as `<x>`.
import { IMAGE_MANIFEST_TYPES, INDEX_TYPES, type ImageConfig, type ImageIndex, type ImageManifest } from '../../store/oci.js';
import type { RegistryStorage } from '../storage/storage.js';
import { sendJson, type Handler } from './context.js';
import { registryError } from './errors.js';

export interface SearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

const DEFAULT_LIMIT = 25;
const CONFIG_LIMIT = 1024 * 1024;
/** description by manifest digest (a digest's content never changes) */
const descriptions = new Map<string, string>();

export const ping: Handler = async (ctx) => sendJson(ctx, 200, {});

export const search: Handler = async (ctx) => {
  const term = (ctx.query.get('q') ?? '').trim();
  const n = ctx.query.get('n');
  let limit = DEFAULT_LIMIT;
  if (n !== null && n !== '') {
    if (!/^\d+$/.test(n) || Number(n) < 1 || Number(n) > 100) throw registryError('PAGINATION_NUMBER_INVALID', { n }, {}, 'n must be a whole number from 1 to 100');
    limit = Number(n);
  }
  const matches = await searchRepositories(ctx.storage, term);
  sendJson(ctx, 200, { query: term, num_results: matches.length, results: matches.slice(0, limit) });
};

/** Every repository matching `term` (case-insensitive), exact names first, then official ones, then by name. */
export async function searchRepositories(storage: RegistryStorage, term: string): Promise<SearchResult[]> {
  const needle = term.toLowerCase();
  const results: SearchResult[] = [];
  for (const repository of await storage.listRepositories()) {
    const official = repository.startsWith('library/') && !repository.slice(8).includes('/');
    const name = official ? repository.slice(8) : repository;
    const description = await describe(storage, repository);
    if (needle && !name.includes(needle) && !repository.includes(needle) && !description.toLowerCase().includes(needle)) continue;
    results.push({ name, description, star_count: 0, is_official: official, is_automated: false });
  }
  const rank = (r: SearchResult) => (r.name === needle || r.name.endsWith(`/${needle}`) ? 0 : 2) + (r.is_official ? 0 : 1);
  return results.sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The description label of the repository's `latest` (or newest) image; '' when there is none. */
async function describe(storage: RegistryStorage, repository: string): Promise<string> {
  const tags = await storage.listTags(repository);
  if (tags.length === 0) return '';
  const tag = tags.find((t) => t.tag === 'latest') ?? [...tags].sort((a, b) => b.updatedAt - a.updatedAt)[0]!;
  const cached = descriptions.get(tag.digest);
  if (cached !== undefined) return cached;
  let description = '';
  try {
    let manifest = await storage.getManifest(repository, tag.digest);
    if (INDEX_TYPES.includes(manifest.mediaType)) {
      const index = JSON.parse(manifest.bytes.toString('utf8')) as ImageIndex;
      const child = index.manifests.find((m) => IMAGE_MANIFEST_TYPES.includes(m.mediaType));
      if (child) manifest = await storage.getManifest(repository, child.digest);
    }
    if (IMAGE_MANIFEST_TYPES.includes(manifest.mediaType)) {
      const image = JSON.parse(manifest.bytes.toString('utf8')) as ImageManifest;
      if (image.config.size <= CONFIG_LIMIT) {
        const parts: Buffer[] = [];
        for await (const chunk of await storage.readBlob(repository, image.config.digest)) parts.push(chunk as Buffer);
        const config = JSON.parse(Buffer.concat(parts).toString('utf8')) as ImageConfig;
        const labels = config.config?.Labels ?? {};
        description = labels['org.opencontainers.image.description'] ?? labels.description ?? '';
      }
    }
    if (descriptions.size > 10_000) descriptions.clear();
    descriptions.set(tag.digest, description);
  } catch {
    description = ''; // a manifest or config that is missing or not an image: no description (not cached)
  }
  return description;
}
