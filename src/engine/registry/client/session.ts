// One conversation with one registry: every request goes through here, so
// authentication happens in one place.  Requests go out anonymously first; a
// 401 names the scheme:
//   Basic  -> retry with the user's credentials;
//   Bearer -> GET <realm>?service=..&scope=.. (with Basic credentials when
//             known) for a token, then retry with it.
// What was learnt (the scheme, the realm, each scope's token) is kept for the
// session, so later requests send it straight away.
import { Readable } from 'node:stream';
import { BerthError } from '../../errors.js';
import { credentialsFor, registryHost, type Credentials } from '../credentials.js';
import { parseChallenges, type Challenge } from './challenge.js';
import { badCredentials, networkError, responseError } from './errors.js';

/** Where an image lives: given by the caller (who resolved the name). */
export interface RegistryTarget {
  /** e.g. http://127.0.0.1:5000 or https://registry-1.docker.io */
  readonly baseUrl: string;
  /** e.g. library/busybox, alice/app */
  readonly repository: string;
  /** the name as the user wrote it, for messages, e.g. localhost:5000/app (default: host/repository) */
  readonly name?: string;
  /** the config dir whose saved credentials are used for it (the config-dir setting); none: anonymous */
  readonly configDir?: string;
}

export interface RequestOptions {
  readonly headers?: Record<string, string>;
  /** a factory, so the body can be sent again after an authentication round trip */
  readonly body?: () => Buffer | Readable;
  /** token scopes this request needs, e.g. ["repository:alice/app:pull,push"] */
  readonly scopes?: readonly string[];
  readonly signal?: AbortSignal;
}

export interface SessionOptions {
  /** explicit credentials (login); undefined: read the saved ones when asked for them; null: none */
  readonly credentials?: Credentials | null;
  /** the config dir whose auth.json holds the saved credentials (the config-dir setting); none: anonymous */
  readonly configDir?: string;
}

const USER_AGENT = 'berth/0.1 (+https://github.com/berth)';

export class RegistrySession {
  readonly baseUrl: string;
  private scheme: 'unknown' | 'none' | 'basic' | 'bearer' = 'unknown';
  private bearer: Challenge | undefined;
  private readonly tokens = new Map<string, string>();
  private loadedCredentials: Credentials | null | undefined;

  constructor(baseUrl: string, private readonly options: SessionOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.loadedCredentials = options.credentials;
  }

  private static readonly shared = new Map<string, RegistrySession>();

  /** The process-wide session for a registry and a config dir's credentials (tokens are reused across pulls and pushes). */
  static for(baseUrl: string, configDir?: string): RegistrySession {
    const url = baseUrl.replace(/\/+$/, '');
    const key = `${configDir ?? ''}\0${url}`;
    let session = RegistrySession.shared.get(key);
    if (!session) RegistrySession.shared.set(key, session = new RegistrySession(url, { configDir }));
    return session;
  }

  /** Forgets the shared session of a registry (after login or logout). */
  static forget(host: string): void {
    for (const [key, session] of RegistrySession.shared) if (registryHost(session.baseUrl) === registryHost(host)) RegistrySession.shared.delete(key);
  }

  get host(): string {
    return registryHost(this.baseUrl);
  }

  /** A URL on this registry from a path ("/v2/...") or a Location header (absolute or relative). */
  url(pathOrLocation: string): string {
    return new URL(pathOrLocation, `${this.baseUrl}/`).toString();
  }

  /**
   * Sends a request, authenticating as the registry asks.  Returns the
   * response whatever its status (callers decide what a 404 means), except
   * that refused credentials throw Docker's "incorrect username or password".
   */
  async request(method: string, pathOrUrl: string, options: RequestOptions = {}): Promise<Response> {
    const url = this.url(pathOrUrl);
    const scopes = [...(options.scopes ?? [])];
    let sentCredentials = false;
    // The challenge to answer: the one learnt earlier (realm and service), or this request's own (with its scope).
    let challenge = this.bearer;
    let sentFreshKey: string | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...options.headers };
      sentFreshKey = undefined;
      if (this.scheme === 'basic' && this.credentials()) {
        headers.Authorization = basicHeader(this.credentials()!);
        sentCredentials = true;
      } else if (this.scheme === 'bearer' && challenge) {
        const key = scopeKey(challenge, scopes);
        let token = this.tokens.get(key);
        if (token === undefined) {
          token = await this.fetchToken(challenge, scopes, options.signal);
          sentFreshKey = key;
        }
        if (token) headers.Authorization = `Bearer ${token}`;
      }
      const response = await this.send(method, url, headers, options);
      if (response.status !== 401) return response;

      const challenges = parseChallenges(response.headers.get('www-authenticate'));
      const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
      const basic = challenges.find((c) => c.scheme === 'basic');
      if (bearer) {
        const key = scopeKey(bearer, scopes);
        // A token fetched for this very request and scope was refused: asking again will not help.
        if (sentFreshKey === key) return response;
        this.scheme = 'bearer';
        this.bearer = { scheme: 'bearer', params: { realm: bearer.params.realm!, ...(bearer.params.service ? { service: bearer.params.service } : {}) } };
        challenge = bearer;
        this.tokens.delete(key);
        await discard(response);
        continue;
      }
      if (basic) {
        if (sentCredentials) { await discard(response); throw badCredentials(); }
        if (!this.credentials()) return response;
        this.scheme = 'basic';
        await discard(response);
        continue;
      }
      return response;
    }
    throw new BerthError('internal', `${method} ${url}: the registry keeps asking for authentication`);
  }

  /** GET /v2/: checks that the registry answers and that the credentials (if any) are good. */
  async ping(signal?: AbortSignal): Promise<void> {
    const response = await this.request('GET', '/v2/', { signal });
    if (response.status === 401) {
      throw await responseError(response, `${this.host}`);
    }
    if (!response.ok && response.status !== 404) throw await responseError(response, `registry ${this.baseUrl}`);
    await discard(response);
  }

  private credentials(): Credentials | null {
    if (this.loadedCredentials === undefined) this.loadedCredentials = (this.options.configDir === undefined ? undefined : credentialsFor(this.options.configDir, this.host)) ?? null;
    return this.loadedCredentials;
  }

  private async send(method: string, url: string, headers: Record<string, string>, options: RequestOptions): Promise<Response> {
    const body = options.body?.();
    const init: RequestInit & { duplex?: 'half' } = { method, headers, signal: options.signal, redirect: 'follow' };
    if (body !== undefined) {
      if (body instanceof Readable) {
        init.body = body as unknown as ReadableStream;
        init.duplex = 'half';
      } else {
        init.body = body as unknown as BodyInit;
      }
    }
    try {
      return await fetch(url, init);
    } catch (error) {
      if (body instanceof Readable) body.destroy();
      throw networkError(error, method, url);
    }
  }

  /** Asks the realm for a token; '' when it gives none. */
  private async fetchToken(challenge: Challenge, scopes: readonly string[], signal?: AbortSignal): Promise<string> {
    const realm = new URL(challenge.params.realm!, `${this.baseUrl}/`);
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    for (const scope of allScopes(challenge, scopes)) realm.searchParams.append('scope', scope);
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT, Accept: 'application/json' };
    const credentials = this.credentials();
    if (credentials) {
      headers.Authorization = basicHeader(credentials);
      realm.searchParams.set('account', credentials.username);
    }
    let response: Response;
    try {
      response = await fetch(realm, { headers, signal });
    } catch (error) {
      throw networkError(error, 'GET', realm.toString());
    }
    if (response.status === 401 || response.status === 403) {
      if (credentials) { await discard(response); throw badCredentials(response.status); }
      throw await responseError(response, `token from ${realm.origin}`);
    }
    if (!response.ok) throw await responseError(response, `token from ${realm.origin}`);
    const body = (await response.json().catch(() => ({}))) as { token?: string; access_token?: string };
    const token = body.token || body.access_token || '';
    this.tokens.set(scopeKey(challenge, scopes), token);
    return token;
  }
}

/**
 * The scopes to ask for: the challenge's own and the request's, one per
 * resource with their actions merged ("repository:a:pull" + "repository:a:pull,push"
 * -> "repository:a:pull,push"), so one token serves both.
 */
function allScopes(challenge: Challenge, scopes: readonly string[]): string[] {
  const actions = new Map<string, Set<string>>();
  const other = new Set<string>();
  for (const scope of [...(challenge.params.scope ?? '').split(' '), ...scopes]) {
    if (!scope) continue;
    const last = scope.lastIndexOf(':');
    const first = scope.indexOf(':');
    if (first < 0 || last <= first) { other.add(scope); continue; }
    const resource = scope.slice(0, last);
    const set = actions.get(resource) ?? new Set<string>();
    for (const action of scope.slice(last + 1).split(',')) if (action) set.add(action);
    actions.set(resource, set);
  }
  const merged = [...actions].map(([resource, set]) => `${resource}:${[...set].sort().join(',')}`);
  return [...merged, ...other].sort();
}

function scopeKey(challenge: Challenge, scopes: readonly string[]): string {
  return `${challenge.params.realm} ${challenge.params.service ?? ''} ${allScopes(challenge, scopes).join(' ')}`;
}

function basicHeader(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** Reads and drops a body so the connection can be reused. */
export async function discard(response: Response): Promise<void> {
  try { await response.body?.cancel(); } catch { /* already consumed */ }
}

export function displayName(target: RegistryTarget): string {
  return target.name ?? `${registryHost(target.baseUrl)}/${target.repository}`;
}

export const pullScope = (repository: string) => `repository:${repository}:pull`;
export const pushScope = (repository: string) => `repository:${repository}:pull,push`;
