// The registry server: Node's http module, the route table, the auth layer
// and one RegistryStorage.  Speaks the OCI distribution spec v1.1 (what
// docker, podman, skopeo and berth's own client push and pull with) plus the
// v1 search index that `docker search` reads.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BerthError } from '../../errors.js';
import type { RegistryStorage } from '../storage/storage.js';
import { Authenticator, type AuthConfig } from './auth.js';
import { COMMON_HEADERS, type RequestContext } from './context.js';
import { errorBody, registryError, RegistryHttpError } from './errors.js';
import { isRepositoryName } from '../storage/names.js';
import { matchRoute } from './routes.js';

export interface RegistryOptions {
  /** address to listen on, e.g. "127.0.0.1" */
  readonly host: string;
  /** 0 picks a free port */
  readonly port: number;
  readonly storage: RegistryStorage;
  /** default: no authentication */
  readonly auth?: AuthConfig;
  /** one line per request: `GET /v2/ 200 in=0 out=2 1ms` */
  readonly log?: (line: string) => void;
  /** the token realm to announce in Bearer challenges; default http://<Host header>/token */
  readonly realm?: string;
}

export interface RunningRegistry {
  /** e.g. "http://127.0.0.1:5000" */
  readonly url: string;
  readonly port: number;
  /** stops listening and drops open connections */
  close(): Promise<void>;
}

/** Starts a registry and resolves once it listens. */
export async function startRegistry(options: RegistryOptions): Promise<RunningRegistry> {
  const auth = new Authenticator(options.auth ?? { kind: 'none' }, options.realm);
  const server = http.createServer((req, res) => {
    void handle(req, res, options, auth);
  });
  // Pushing a large layer over a slow link may take long: no overall request deadline.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = options.host === '0.0.0.0' || options.host === '' ? '127.0.0.1' : options.host === '::' ? '::1' : options.host;
  const url = `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, options: RegistryOptions, auth: Authenticator): Promise<void> {
  const started = performance.now();
  const method = req.method ?? 'GET';
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  let bytesOut = 0;
  const write = res.write.bind(res);
  const end = res.end.bind(res);
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (chunk && typeof chunk !== 'function') bytesOut += Buffer.byteLength(chunk as string | Buffer);
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof res.write;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (chunk && typeof chunk !== 'function' && method !== 'HEAD') bytesOut += Buffer.byteLength(chunk as string | Buffer);
    return (end as (...a: unknown[]) => http.ServerResponse)(chunk, ...rest);
  }) as typeof res.end;
  for (const [key, value] of Object.entries(COMMON_HEADERS)) res.setHeader(key, value);
  let ctx: RequestContext | undefined;
  res.on('close', () => {
    const status = res.writableFinished ? String(res.statusCode) : 'aborted';
    options.log?.(`${method} ${path} ${status} in=${ctx?.bytesIn ?? 0} out=${bytesOut} ${Math.round(performance.now() - started)}ms`);
  });
  try {
    const found = matchRoute(method, path);
    if (found.kind === 'none') throw registryError('NOT_FOUND', { path });
    if (found.kind === 'method') throw registryError('UNSUPPORTED', { method, path });
    const { route, params } = found;
    if (params.name !== undefined && !isRepositoryName(params.name)) {
      throw registryError('NAME_INVALID', { name: params.name }, {}, 'invalid repository name: lowercase letters and digits joined by \'.\', \'_\', \'__\' or \'-\', components separated by \'/\'');
    }
    const identity = await auth.authorize(req, route.access(params));
    ctx = { req, res, storage: options.storage, params, query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)), path, identity, bytesIn: 0 };
    if (route.handler === 'token') {
      if (!auth.issuesTokens) throw registryError('NOT_FOUND', { path });
      await auth.tokenHandler(ctx);
    } else {
      await route.handler(ctx);
    }
  } catch (error) {
    answerError(req, res, method, error, options);
  }
}

function answerError(req: http.IncomingMessage, res: http.ServerResponse, method: string, error: unknown, options: RegistryOptions): void {
  // A response with no socket yet is queued behind the previous one on a
  // keep-alive connection (a blob GET still finishing): it is still answered.
  if (res.headersSent || res.destroyed || res.socket?.destroyed) {
    // Too late for a status (or nobody to tell): drop the connection.
    res.destroy();
    return;
  }
  let answer: RegistryHttpError;
  if (error instanceof RegistryHttpError) answer = error;
  else if (error instanceof BerthError && error.kind === 'invalid') answer = registryError('BLOB_UPLOAD_INVALID', null, {}, error.message);
  else {
    options.log?.(`error: ${(error as Error)?.stack ?? String(error)}`);
    answer = registryError('INTERNAL');
  }
  const body = Buffer.from(errorBody(answer));
  const headers: Record<string, string | number> = { ...answer.headers, 'Content-Type': 'application/json', 'Content-Length': body.length };
  // A body we did not read would otherwise be read (and thrown away) to reuse the connection.
  if (!req.complete) headers.Connection = 'close';
  res.writeHead(answer.status, headers);
  if (method === 'HEAD') res.end();
  else res.end(body);
}
