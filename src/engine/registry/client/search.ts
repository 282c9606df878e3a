// `search`: the index's /v1/search, as `docker search` reads it.  (The
// distribution registry has no search; berth's hub and Docker Hub do.)
import { invalid } from '../../errors.js';
import { responseError } from './errors.js';
import { readLimited } from './fetch-blob.js';
import { RegistrySession } from './session.js';

export interface SearchResult {
  readonly name: string;
  readonly description: string;
  readonly star_count: number;
  readonly is_official: boolean;
  readonly is_automated: boolean;
}

/** GET <baseUrl>/v1/search?q=<term>&n=<limit> (limit 1-100, default 25). */
export async function searchIndex(baseUrl: string, term: string, limit = 25, options: { signal?: AbortSignal; session?: RegistrySession; configDir?: string } = {}): Promise<SearchResult[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalid(`invalid limit ${limit}: it must be between 1 and 100`);
  const session = options.session ?? RegistrySession.for(baseUrl, options.configDir);
  const query = new URLSearchParams({ q: term, n: String(limit) });
  const response = await session.request('GET', `/v1/search?${query}`, { headers: { Accept: 'application/json' }, signal: options.signal });
  if (!response.ok) throw await responseError(response, `search of ${session.baseUrl}`);
  const text = (await readLimited(response, 16 * 1024 * 1024, `search results from ${session.baseUrl}`)).toString('utf8');
  let body: { results?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch (error) {
    throw invalid(`${session.baseUrl} answered /v1/search with something that is not JSON (is it an index?)`, error);
  }
  if (!Array.isArray(body.results)) throw invalid(`${session.baseUrl} answered /v1/search without a results list`);
  return body.results.slice(0, limit).map((r) => {
    const row = (r ?? {}) as Record<string, unknown>;
    return {
      name: String(row.name ?? ''),
      description: String(row.description ?? ''),
      star_count: Number(row.star_count ?? 0) || 0,
      is_official: row.is_official === true,
      is_automated: row.is_automated === true,
    };
  });
}
