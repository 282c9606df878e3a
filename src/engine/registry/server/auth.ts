// Who may do what on the registry.  Three modes:
//
//   none      everyone may do everything (the lab hub on loopback);
//   htpasswd  HTTP Basic, checked with bcrypt against an Apache htpasswd file
//             (`htpasswd -Bbn user pass`); a valid user may do everything;
//   token     Docker's bearer flow: the registry answers 401 with
//             `WWW-Authenticate: Bearer realm="<url>/token",service=..,scope=..`,
//             the client gets a token from GET /token (Basic credentials checked
//             against the htpasswd file) for the scopes it asked, and sends it as
//             `Authorization: Bearer <token>`.  Tokens are JWTs signed HS256
//             with the server's secret; each route needs its actions
//             (pull; pull+push; delete) on `repository:<name>`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import bcrypt from 'bcryptjs';
import { sendJson, type Handler, type Identity, type RequestContext } from './context.js';
import { registryError } from './errors.js';

/** The access a scope string names: `repository:lab/img:pull,push`, `registry:catalog:*`. */
export interface Scope {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

/** Which of the asked-for actions a user gets (the default grants all of pull, push, delete and catalog). */
export type GrantPolicy = (user: string, scope: Scope) => string[];

export type AuthConfig =
  | { readonly kind: 'none' }
  | { readonly kind: 'htpasswd'; readonly file: string; readonly realm?: string }
  | {
    readonly kind: 'token';
    /** the htpasswd file the token endpoint checks Basic credentials against */
    readonly file: string;
    /** HMAC key for tokens; a random one per start when absent (tokens then die with the server) */
    readonly secret?: string | Uint8Array;
    /** the `service` in challenges and the tokens' audience; default "berth-registry" */
    readonly service?: string;
    /** token lifetime; default 300 s */
    readonly ttlSeconds?: number;
    readonly grant?: GrantPolicy;
  };

/** What a route needs of the caller. */
export type Requirement =
  | { readonly kind: 'public' }
  /** any valid credentials (GET /v2/, the v1 search) */
  | { readonly kind: 'authenticated'; readonly basic?: boolean }
  | { readonly kind: 'scope'; readonly scope: Scope };

export const DEFAULT_SERVICE = 'berth-registry';
const ISSUER = 'berth-registry-token';
const EVERYTHING: Identity = { allows: () => true };

/** Parses `type:name:action,action`; undefined when malformed. */
export function parseScope(text: string): Scope | undefined {
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first <= 0 || last <= first + 1) return undefined;
  const actions = text.slice(last + 1).split(',').map((a) => a.trim()).filter(Boolean);
  return { type: text.slice(0, first), name: text.slice(first + 1, last), actions };
}

export function formatScope(scope: Scope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(',')}`;
}

const defaultGrant: GrantPolicy = (_user, scope) => {
  if (scope.type === 'repository') return scope.actions.filter((a) => ['pull', 'push', 'delete', '*'].includes(a));
  if (scope.type === 'registry' && scope.name === 'catalog') return scope.actions.filter((a) => a === '*' || a === 'search');
  return [];
};

// ---- htpasswd ----------------------------------------------------------------

/** An Apache htpasswd file, re-read when it changes; bcrypt (`$2y$`, `$2a$`, `$2b$`) and `{SHA}` entries. */
export class Htpasswd {
  private entries = new Map<string, string>();
  private stamp = '';
  /** hashes of (user, password, entry) pairs already verified: bcrypt is slow on purpose */
  private readonly verified = new Set<string>();

  constructor(readonly file: string) {
    this.reload();
  }

  async verify(user: string, password: string): Promise<boolean> {
    this.reload();
    const entry = this.entries.get(user);
    if (entry === undefined) return false;
    const key = crypto.createHash('sha256').update(`${user}\0${password}\0${entry}`).digest('hex');
    if (this.verified.has(key)) return true;
    let ok = false;
    if (/^\$2[aby]\$/.test(entry)) ok = await bcrypt.compare(password, entry);
    else if (entry.startsWith('{SHA}')) ok = safeEqual(entry.slice(5), crypto.createHash('sha1').update(password).digest('base64'));
    if (ok) this.verified.add(key);
    return ok;
  }

  private reload(): void {
    const stat = fs.statSync(this.file);
    const stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    if (stamp === this.stamp) return;
    const entries = new Map<string, string>();
    for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
      const trimmed = line.trim();
      if (!trimmed || trimmed.startsWith('#')) continue;
      const colon = trimmed.indexOf(':');
      if (colon > 0) entries.set(trimmed.slice(0, colon), trimmed.slice(colon + 1));
    }
    this.entries = entries;
    this.verified.clear();
    this.stamp = stamp;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** `Authorization: Basic <base64 user:pass>`, or undefined. */
export function basicCredentials(req: IncomingMessage): { user: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return undefined;
  const text = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

function bearerToken(req: IncomingMessage): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
}

// ---- tokens (JWT, HS256) -----------------------------------------------------

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  access: Scope[];
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function signToken(claims: TokenClaims, secret: Uint8Array): string {
  const head = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${head}.${crypto.createHmac('sha256', secret).update(head).digest('base64url')}`;
}

/** The claims of a token this secret signed that is valid now for `audience`; undefined otherwise. */
export function verifyToken(token: string, secret: Uint8Array, audience: string, now = Date.now() / 1000): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const expected = crypto.createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest('base64url');
  if (!safeEqual(expected, parts[2]!)) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as { alg?: string };
    if (header.alg !== 'HS256') return undefined;
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as TokenClaims;
    if (claims.iss !== ISSUER || claims.aud !== audience || !Array.isArray(claims.access)) return undefined;
    if (!(claims.nbf <= now + 60 && now < claims.exp)) return undefined;
    return claims;
  } catch {
    return undefined;
  }
}

function scopeIdentity(user: string, access: readonly Scope[]): Identity {
  return {
    user,
    allows: (type, name, action) => access.some((s) => s.type === type && s.name === name && (s.actions.includes(action) || s.actions.includes('*'))),
  };
}

// ---- the authenticator -------------------------------------------------------

export class Authenticator {
  private readonly htpasswd?: Htpasswd;
  private readonly secret: Uint8Array;
  readonly service: string;

  constructor(readonly config: AuthConfig, private readonly realmOverride?: string) {
    if (config.kind !== 'none') this.htpasswd = new Htpasswd(config.file);
    this.secret = config.kind === 'token' && config.secret !== undefined ? Buffer.from(config.secret) : crypto.randomBytes(32);
    this.service = (config.kind === 'token' && config.service) || DEFAULT_SERVICE;
  }

  /** True when the server must answer GET /token. */
  get issuesTokens(): boolean {
    return this.config.kind === 'token';
  }

  /** The caller's identity when it meets `need`; else throws UNAUTHORIZED (401) with the challenge to answer. */
  async authorize(req: IncomingMessage, need: Requirement): Promise<Identity> {
    const config = this.config;
    if (config.kind === 'none' || need.kind === 'public') return EVERYTHING;
    const basic = basicCredentials(req);
    const basicOk = async () => basic !== undefined && (await this.htpasswd!.verify(basic.user, basic.password));
    if (config.kind === 'htpasswd' || (need.kind === 'authenticated' && need.basic && basic)) {
      if (await basicOk()) return { user: basic!.user, allows: () => true };
      throw registryError('UNAUTHORIZED', needDetail(need), { 'WWW-Authenticate': this.basicChallenge() });
    }
    const token = bearerToken(req);
    const claims = token === undefined ? undefined : verifyToken(token, this.secret, this.service);
    const challenge = (error?: string) => {
      const parts = [`realm="${this.realm(req)}"`, `service="${this.service}"`];
      if (need.kind === 'scope') parts.push(`scope="${formatScope(need.scope)}"`);
      if (error) parts.push(`error="${error}"`);
      return { 'WWW-Authenticate': `Bearer ${parts.join(',')}` };
    };
    if (!claims) throw registryError('UNAUTHORIZED', needDetail(need), challenge(token === undefined ? undefined : 'invalid_token'));
    const identity = scopeIdentity(claims.sub, claims.access);
    if (need.kind === 'scope' && !need.scope.actions.every((a) => identity.allows(need.scope.type, need.scope.name, a))) {
      throw registryError('UNAUTHORIZED', needDetail(need), challenge('insufficient_scope'), 'authentication required: the token does not grant this access');
    }
    return identity;
  }

  /** GET /token?service=&scope=…: a token for the scopes the Basic-authenticated user is granted. */
  readonly tokenHandler: Handler = async (ctx: RequestContext) => {
    const config = this.config;
    if (config.kind !== 'token') throw registryError('NOT_FOUND');
    const basic = basicCredentials(ctx.req);
    if (!basic || !(await this.htpasswd!.verify(basic.user, basic.password))) {
      throw registryError('UNAUTHORIZED', null, { 'WWW-Authenticate': this.basicChallenge() }, 'authentication required: incorrect username or password');
    }
    const grant = config.grant ?? defaultGrant;
    const access: Scope[] = [];
    for (const text of ctx.query.getAll('scope').flatMap((s) => s.split(' '))) {
      const scope = parseScope(text);
      if (!scope) continue;
      const actions = grant(basic.user, scope).filter((a) => scope.actions.includes(a));
      if (actions.length) access.push({ ...scope, actions });
    }
    const now = Math.floor(Date.now() / 1000);
    const ttl = config.ttlSeconds ?? 300;
    const token = signToken({ iss: ISSUER, sub: basic.user, aud: this.service, iat: now, nbf: now, exp: now + ttl, jti: crypto.randomUUID(), access }, this.secret);
    sendJson(ctx, 200, { token, access_token: token, expires_in: ttl, issued_at: new Date(now * 1000).toISOString() }, { 'Cache-Control': 'no-store' });
  };

  private basicChallenge(): string {
    const realm = (this.config.kind === 'htpasswd' && this.config.realm) || 'berth';
    return `Basic realm="${realm}"`;
  }

  private realm(req: IncomingMessage): string {
    return this.realmOverride ?? `http://${(req.headers.host ?? 'localhost').replace(/["\\\s]/g, '')}/token`;
  }
}

function needDetail(need: Requirement): unknown {
  return need.kind === 'scope' ? need.scope.actions.map((action) => ({ Type: need.scope.type, Name: need.scope.name, Action: action })) : null;
}
