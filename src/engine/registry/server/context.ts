// What a handler gets for one request, and the small helpers every handler
// uses to read the body and answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { RegistryStorage } from '../storage/storage.js';
import { registryError } from './errors.js';

/** What the caller may do, as the auth layer established it. */
export interface Identity {
  /** the user name, when the caller authenticated */
  readonly user?: string;
  /** true when the caller may do `action` ('pull', 'push', 'delete', '*') on `type:name` */
  allows(type: string, name: string, action: string): boolean;
}

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly storage: RegistryStorage;
  /** the matched route's named groups (name, digest, reference, id) */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** the request path without its query, as sent (not decoded) */
  readonly path: string;
  readonly identity: Identity;
  /** body bytes read so far (for the log line) */
  bytesIn: number;
}

export type Handler = (ctx: RequestContext) => Promise<void>;

/** Headers every response carries. */
export const COMMON_HEADERS = { 'Docker-Distribution-API-Version': 'registry/2.0' } as const;

/** Answers with no body. */
export function sendEmpty(ctx: RequestContext, status: number, headers: Record<string, string | number> = {}): void {
  ctx.res.writeHead(status, { ...headers, 'Content-Length': 0 });
  ctx.res.end();
}

/** Answers with a JSON document (headers only for HEAD). */
export function sendJson(ctx: RequestContext, status: number, value: unknown, headers: Record<string, string | number> = {}): void {
  sendBytes(ctx, status, Buffer.from(JSON.stringify(value)), { 'Content-Type': 'application/json', ...headers });
}

/** Answers with bytes in memory (headers only for HEAD). */
export function sendBytes(ctx: RequestContext, status: number, body: Buffer, headers: Record<string, string | number> = {}): void {
  ctx.res.writeHead(status, { ...headers, 'Content-Length': body.length });
  if (ctx.req.method === 'HEAD') ctx.res.end();
  else ctx.res.end(body);
}

/** Streams a body whose length is known (headers only for HEAD). */
export async function sendStream(ctx: RequestContext, status: number, body: Readable, length: number, headers: Record<string, string | number> = {}): Promise<void> {
  ctx.res.writeHead(status, { ...headers, 'Content-Length': length });
  if (ctx.req.method === 'HEAD') {
    body.destroy();
    ctx.res.end();
    return;
  }
  await pipeline(body, ctx.res);
}

/** The request body, chunk by chunk, counted into ctx.bytesIn. */
export async function* requestBody(ctx: RequestContext): AsyncGenerator<Buffer> {
  for await (const chunk of ctx.req) {
    ctx.bytesIn += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
  // Node ends the iteration quietly when the client goes away mid-body:
  // a short body must not pass for a whole one.
  if (!ctx.req.complete) throw Object.assign(new Error('the client closed the connection mid-body'), { code: 'ECONNRESET' });
}

/** Reads a whole body up to `limit` bytes (manifests, tokens). */
export async function readBody(ctx: RequestContext, limit: number, tooBig: () => Error): Promise<Buffer> {
  const declared = Number(ctx.req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooBig();
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of requestBody(ctx)) {
    size += chunk.length;
    if (size > limit) throw tooBig();
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

/** True when the request announces a body (a length above 0, or chunked encoding). */
export function hasBody(ctx: RequestContext): boolean {
  const length = ctx.req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return ctx.req.headers['transfer-encoding'] !== undefined;
}

/** `n` for paginated lists: undefined when absent, else a whole number ≥ 0. */
export function pageSize(ctx: RequestContext, max = 10_000): number | undefined {
  const text = ctx.query.get('n');
  if (text === null || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw registryError('PAGINATION_NUMBER_INVALID', { n: text });
  return Math.min(Number(text), max);
}

/**
 * One page of a sorted list, after `last` and at most `n` long, with the
 * `Link` header for the next page when more remain.
 */
export function paginate(ctx: RequestContext, all: readonly string[]): { items: string[]; headers: Record<string, string> } {
  const n = pageSize(ctx);
  const last = ctx.query.get('last');
  const rest = last === null ? all : all.filter((item) => item > last);
  if (n === undefined) return { items: [...rest], headers: {} };
  const items = rest.slice(0, n);
  const headers: Record<string, string> = {};
  if (items.length > 0 && rest.length > items.length) {
    const next = new URLSearchParams({ n: String(n), last: items[items.length - 1]! });
    headers.Link = `<${ctx.path}?${next.toString()}>; rel="next"`;
  }
  return { items, headers };
}
