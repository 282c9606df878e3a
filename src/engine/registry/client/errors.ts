// Registry failures as BerthErrors: the distribution spec's error catalogue
// (`{"errors":[{"code","message","detail"}]}`), an unreachable registry, and
// refused credentials, each in the words `docker` uses for them.
import { BerthError, type BerthErrorKind } from '../../errors.js';

export interface RegistryErrorEntry {
  readonly code: string;
  readonly message?: string;
  readonly detail?: unknown;
}

/** Catalogue codes -> how berth classifies them. */
const KINDS: Record<string, BerthErrorKind> = {
  BLOB_UNKNOWN: 'not-found',
  BLOB_UPLOAD_UNKNOWN: 'not-found',
  MANIFEST_UNKNOWN: 'not-found',
  NAME_UNKNOWN: 'not-found',
  MANIFEST_BLOB_UNKNOWN: 'invalid',
  BLOB_UPLOAD_INVALID: 'invalid',
  DIGEST_INVALID: 'invalid',
  MANIFEST_INVALID: 'invalid',
  MANIFEST_UNVERIFIED: 'invalid',
  NAME_INVALID: 'invalid',
  SIZE_INVALID: 'invalid',
  TAG_INVALID: 'invalid',
  PAGINATION_NUMBER_INVALID: 'invalid',
  RANGE_INVALID: 'invalid',
  UNAUTHORIZED: 'permission',
  DENIED: 'permission',
  UNSUPPORTED: 'invalid',
  TOOMANYREQUESTS: 'conflict',
};

/** An error from a registry, keeping the catalogue code for callers that branch on it. */
export class RegistryError extends BerthError {
  constructor(kind: BerthErrorKind, message: string, readonly code: string | undefined, readonly status: number | undefined, cause?: unknown) {
    super(kind, message, { cause });
    this.name = 'RegistryError';
  }
}

/** Docker's words when a registry refuses the credentials it was given. */
export const BAD_CREDENTIALS = 'unauthorized: incorrect username or password';

export function badCredentials(status = 401): RegistryError {
  return new RegistryError('permission', BAD_CREDENTIALS, 'UNAUTHORIZED', status);
}

/** The catalogue entries of an error body; [] when the body is not one. */
export function parseErrorBody(text: string): RegistryErrorEntry[] {
  try {
    const body = JSON.parse(text) as { errors?: unknown; details?: unknown };
    if (Array.isArray(body.errors)) {
      return body.errors.filter((e): e is RegistryErrorEntry => !!e && typeof (e as RegistryErrorEntry).code === 'string');
    }
  } catch { /* not JSON: a proxy's HTML page, an empty body */ }
  return [];
}

/** "manifest unknown" from {code: MANIFEST_UNKNOWN, message: "manifest unknown"}; the code in words when there is no message. */
export function describeEntries(entries: readonly RegistryErrorEntry[]): string {
  return entries.map((e) => e.message || e.code.toLowerCase().replace(/_/g, ' ')).join('; ');
}

/**
 * Turns a failed response into an error.  `context` says what was asked for,
 * e.g. "manifest for localhost:5000/app:v9"; not-found errors read
 * "<context> not found: <registry's message>", others "<code words>: <message>".
 */
export async function responseError(response: Response, context: string): Promise<RegistryError> {
  let text = '';
  try { text = await response.text(); } catch { /* body unreadable: the status says enough */ }
  const entries = parseErrorBody(text);
  const first = entries[0];
  const code = first?.code;
  const kind: BerthErrorKind = (code && KINDS[code]) || statusKind(response.status);
  const words = entries.length ? describeEntries(entries) : `${response.status} ${response.statusText || 'error'}`.trim();
  if (kind === 'not-found') return new RegistryError(kind, `${context} not found: ${words}`, code, response.status);
  if (code === 'UNAUTHORIZED' || code === 'DENIED') {
    const label = code === 'DENIED' ? 'denied' : 'unauthorized';
    return new RegistryError(kind, `${label}: ${words}`, code, response.status);
  }
  if (response.status === 401) return new RegistryError('permission', `unauthorized: ${entries.length ? words : 'authentication required'}`, 'UNAUTHORIZED', 401);
  if (response.status === 429) return new RegistryError(kind, `toomanyrequests: ${words} (the registry limits how often you may pull; try again later)`, code ?? 'TOOMANYREQUESTS', 429);
  const label = code ? code.toLowerCase().replace(/_/g, ' ') : `${context}: unexpected status`;
  return new RegistryError(kind, `${label}: ${words}`, code, response.status);
}

function statusKind(status: number): BerthErrorKind {
  if (status === 404) return 'not-found';
  if (status === 401 || status === 403) return 'permission';
  if (status >= 400 && status < 500) return 'invalid';
  return 'internal';
}

const NETWORK_HINTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the registry running, and on that port?)',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved (are you offline?)',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_SOCKET: 'the connection closed unexpectedly',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  EPROTO: 'TLS handshake failed (is it a plain HTTP registry? loopback registries are spoken to in HTTP)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (the server speaks plain HTTP)',
};

/** fetch() throws a bare "fetch failed"; this names the registry and the reason. */
export function networkError(error: unknown, method: string, url: string): BerthError {
  if (error instanceof BerthError) return error;
  if ((error as Error)?.name === 'AbortError') return new BerthError('internal', `${method} ${url}: cancelled`, { cause: error });
  const code = errorCode(error);
  const reason = (code && NETWORK_HINTS[code]) || innermostMessage(error);
  const origin = safeOrigin(url);
  return new RegistryError('internal', `cannot reach the registry at ${origin} (${method} ${url}): ${reason}`, undefined, undefined, error);
}

function errorCode(error: unknown): string | undefined {
  for (let e = error as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && e.code !== 'ERR_INVALID_STATE') return e.code;
    if (Array.isArray((e as { errors?: unknown[] }).errors)) {
      const inner = (e as { errors: unknown[] }).errors.map(errorCode).find(Boolean);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** fetch's own message is "fetch failed"; the cause says why (e.g. "bad port" for ports fetch refuses). */
function innermostMessage(error: unknown): string {
  let message = String((error as Error)?.message ?? error);
  for (let e = (error as { cause?: unknown })?.cause, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as Error).message) message = (e as Error).message;
  }
  return message === 'bad port' ? 'bad port (fetch refuses to connect to this port; run the registry on another one)' : message;
}

function safeOrigin(url: string): string {
  try { return new URL(url).origin; } catch { return url; }
}
