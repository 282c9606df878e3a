// Every endpoint of the registry in one table: methods, path pattern (named
// groups become ctx.params), handler, and the access it needs.  The router
// tries the rows in order; a path that matches a row but not its method is
// UNSUPPORTED (405), a path that matches none is NOT_FOUND.
import type { Requirement } from './auth.js';
import { getBase } from './base.js';
import { deleteBlob, getBlob } from './blobs.js';
import { getCatalog } from './catalog.js';
import type { Handler } from './context.js';
import { deleteManifest, getManifest, putManifest } from './manifests.js';
import { listReferrers } from './referrers.js';
import { ping, search } from './search.js';
import { listTags } from './tags.js';
import { cancelUpload, finishUpload, getUpload, patchUpload, startUpload } from './uploads.js';

export interface Route {
  readonly methods: readonly string[];
  readonly pattern: RegExp;
  /** the handler; 'token' is the auth layer's token endpoint (present in token mode only) */
  readonly handler: Handler | 'token';
  readonly access: (params: Readonly<Record<string, string>>) => Requirement;
}

const NAME = '(?<name>.+)';
const repo = (...actions: string[]) => (p: Readonly<Record<string, string>>): Requirement =>
  ({ kind: 'scope', scope: { type: 'repository', name: p.name!, actions } });
const PULL = repo('pull');
const PUSH = repo('pull', 'push');
const DELETE = repo('delete');
const AUTHENTICATED = (): Requirement => ({ kind: 'authenticated' });
const PUBLIC = (): Requirement => ({ kind: 'public' });

export const ROUTES: readonly Route[] = [
  { methods: ['GET', 'HEAD'], pattern: /^\/v2\/?$/, handler: getBase, access: AUTHENTICATED },
  { methods: ['GET'], pattern: /^\/v2\/_catalog$/, handler: getCatalog, access: () => ({ kind: 'scope', scope: { type: 'registry', name: 'catalog', actions: ['*'] } }) },
  { methods: ['GET', 'HEAD'], pattern: new RegExp(`^/v2/${NAME}/tags/list$`), handler: listTags, access: PULL },
  { methods: ['GET', 'HEAD'], pattern: new RegExp(`^/v2/${NAME}/manifests/(?<reference>[^/]+)$`), handler: getManifest, access: PULL },
  { methods: ['PUT'], pattern: new RegExp(`^/v2/${NAME}/manifests/(?<reference>[^/]+)$`), handler: putManifest, access: PUSH },
  { methods: ['DELETE'], pattern: new RegExp(`^/v2/${NAME}/manifests/(?<reference>[^/]+)$`), handler: deleteManifest, access: DELETE },
  { methods: ['POST'], pattern: new RegExp(`^/v2/${NAME}/blobs/uploads/?$`), handler: startUpload, access: PUSH },
  { methods: ['GET'], pattern: new RegExp(`^/v2/${NAME}/blobs/uploads/(?<id>[^/]+)$`), handler: getUpload, access: PUSH },
  { methods: ['PATCH'], pattern: new RegExp(`^/v2/${NAME}/blobs/uploads/(?<id>[^/]+)$`), handler: patchUpload, access: PUSH },
  { methods: ['PUT'], pattern: new RegExp(`^/v2/${NAME}/blobs/uploads/(?<id>[^/]+)$`), handler: finishUpload, access: PUSH },
  { methods: ['DELETE'], pattern: new RegExp(`^/v2/${NAME}/blobs/uploads/(?<id>[^/]+)$`), handler: cancelUpload, access: PUSH },
  { methods: ['GET', 'HEAD'], pattern: new RegExp(`^/v2/${NAME}/blobs/(?<digest>[^/]+)$`), handler: getBlob, access: PULL },
  { methods: ['DELETE'], pattern: new RegExp(`^/v2/${NAME}/blobs/(?<digest>[^/]+)$`), handler: deleteBlob, access: DELETE },
  { methods: ['GET'], pattern: new RegExp(`^/v2/${NAME}/referrers/(?<digest>[^/]+)$`), handler: listReferrers, access: PULL },
  { methods: ['GET', 'HEAD'], pattern: /^\/v1\/_ping$/, handler: ping, access: PUBLIC },
  { methods: ['GET'], pattern: /^\/v1\/search$/, handler: search, access: () => ({ kind: 'authenticated', basic: true }) },
  { methods: ['GET'], pattern: /^\/token$/, handler: 'token', access: PUBLIC },
];

export type RouteMatch =
  | { readonly kind: 'found'; readonly route: Route; readonly params: Record<string, string> }
  | { readonly kind: 'method' }
  | { readonly kind: 'none' };

export function matchRoute(method: string, path: string, routes: readonly Route[] = ROUTES): RouteMatch {
  let pathMatched = false;
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    if (!route.methods.includes(method)) {
      pathMatched = true;
      continue;
    }
    return { kind: 'found', route, params: { ...match.groups } };
  }
  return pathMatched ? { kind: 'method' } : { kind: 'none' };
}
