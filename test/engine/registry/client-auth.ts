// Authentication: htpasswd (Basic) on docker-registry, and the Bearer token
// flow through a small token server of our own in front of it; login, the
// saved 0600 credentials file, logout.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureBusybox } from '../../../src/engine/hub/busybox.js';
import { statePaths } from '../../../src/engine/paths.js';
import { ImageStore } from '../../../src/engine/store/images.js';
import { saveCredentials } from '../../../src/engine/registry/credentials.js';
import {
  authFile, BAD_CREDENTIALS, credentialsFor, login, logout, pullImage, pushImage, RegistrySession, searchIndex, type RegistryTarget,
} from '../../../src/engine/registry/client/index.js';
import { berthRoot, rejects, tempDir } from '../../_helpers.js';
import { startDistribution, type Distribution } from './_distribution.js';

const configDir = tempDir('config-');
const test = suite('registry/client-auth');
const store = new ImageStore(statePaths(berthRoot()));
const newStore = () => new ImageStore(statePaths(tempDir('store-')));
const badCredentials = new RegExp(`^${BAD_CREDENTIALS}$`);
let basic: Distribution;
let upstream: Distribution;
let bearer: TokenFront;

test.before(async () => {
  basic = await startDistribution({ htpasswd: { user: 'alice', password: 's3cret' } });
  upstream = await startDistribution();
  bearer = await startTokenFront(upstream, { user: 'bob', password: 'hunter2' });
  await ensureBusybox(store);
});

test.after(async () => {
  await basic?.stop();
  await upstream?.stop();
  await bearer?.close();
});

const on = (registry: { baseUrl: string }, repository: string): RegistryTarget => ({ baseUrl: registry.baseUrl, configDir, repository, name: `${new URL(registry.baseUrl).host}/${repository}` });

test('Basic: anonymous pull and push are refused with the registry\'s words', async () => {
  await rejects(pullImage(newStore(), on(basic, 'busybox'), 'latest'), /^unauthorized: authentication required$/);
  await rejects(pushImage(store, 'busybox', on(basic, 'busybox'), 'latest'), /^unauthorized: authentication required$/);
});

test('Basic: a wrong password -> Docker\'s message, and nothing saved', async () => {
  await rejects(login(basic.host, 'alice', 'wrong', { configDir }), badCredentials);
  assert.not.ok(fs.existsSync(authFile(configDir)));
});

test('Basic: login verifies, then saves a 0600 file; push and pull work after it', async () => {
  const result = await login(basic.host, 'alice', 's3cret', { configDir });
  assert.equal(result, { host: basic.host, status: 'Login Succeeded' });
  assert.is(fs.statSync(authFile(configDir)).mode & 0o777, 0o600);
  const saved = JSON.parse(fs.readFileSync(authFile(configDir), 'utf8'));
  assert.is(Buffer.from(saved.auths[basic.host].auth, 'base64').toString(), 'alice:s3cret');
  assert.equal(credentialsFor(configDir, `http://${basic.host}/`), { username: 'alice', password: 's3cret' });

  const pushed = await pushImage(store, 'busybox', on(basic, 'busybox'), 'latest');
  const pulled = await pullImage(newStore(), on(basic, 'busybox'), 'latest', { localTag: `${basic.host}/busybox:latest` });
  assert.is(pulled.manifestDigest, pushed.digest);
  assert.is(pulled.id, store.resolve('busybox').id);
});

test('Basic: saved credentials that have gone wrong -> Docker\'s message; logout forgets them', async () => {
  saveCredentials(configDir, basic.host, { username: 'alice', password: 'changed' });
  RegistrySession.forget(basic.host);
  await rejects(pullImage(newStore(), on(basic, 'busybox'), 'latest'), badCredentials);
  assert.ok(logout(basic.host, configDir));
  assert.not.ok(logout(basic.host, configDir));
  assert.is(credentialsFor(configDir, basic.host), undefined);
  assert.is(fs.statSync(authFile(configDir)).mode & 0o777, 0o600);
  await rejects(pullImage(newStore(), on(basic, 'busybox'), 'latest'), /^unauthorized: authentication required$/);
});

test('Bearer: a wrong password at the token server -> Docker\'s message', async () => {
  await rejects(login(bearer.host, 'bob', 'wrong', { configDir }), badCredentials);
  assert.is(credentialsFor(configDir, bearer.host), undefined);
});

test('Bearer: login, then push asks the realm once for its scope and reuses the token', async () => {
  await login(bearer.host, 'bob', 'hunter2', { configDir });
  bearer.tokenRequests.length = 0;
  const pushed = await pushImage(store, 'busybox', on(bearer, 'bob/busybox'), 'latest');
  assert.is(pushed.digest, store.resolve('busybox').manifestDigest);
  assert.equal(bearer.tokenRequests.map((r) => [r.user, r.scopes]), [['bob', ['repository:bob/busybox:pull,push']]]);
  assert.ok(bearer.bearerRequests > 4, `${bearer.bearerRequests} requests carried a token`);
  assert.is(bearer.tokenRequests[0]!.service, 'berth-test');
});

test('Bearer: anonymous tokens pull but do not push', async () => {
  assert.ok(logout(bearer.host, configDir));
  bearer.tokenRequests.length = 0;
  const pulled = await pullImage(newStore(), on(bearer, 'bob/busybox'), 'latest');
  assert.is(pulled.id, store.resolve('busybox').id);
  assert.equal(bearer.tokenRequests.map((r) => [r.user, r.scopes]), [['', ['repository:bob/busybox:pull']]]);
  await rejects(pushImage(store, 'busybox', on(bearer, 'bob/other'), 'latest'), /^unauthorized: /);
});

test('search reads an index\'s /v1/search', async () => {
  const results = await searchIndex(bearer.baseUrl, 'busy', 2);
  assert.equal(results, [
    { name: 'busybox', description: 'matches busy', star_count: 3, is_official: true, is_automated: false },
    { name: 'alice/busy', description: '', star_count: 0, is_official: false, is_automated: false },
  ]);
  assert.is(bearer.searches.at(-1), 'q=busy&n=2');
  await rejects(searchIndex(upstream.baseUrl, 'busy', 5), /not found/);
  await rejects(searchIndex(bearer.baseUrl, 'busy', 0), /between 1 and 100/);
});

test.run();

interface TokenFront {
  readonly baseUrl: string;
  readonly host: string;
  readonly tokenRequests: Array<{ user: string; scopes: string[]; service: string }>;
  readonly searches: string[];
  bearerRequests: number;
  close(): Promise<void>;
}

/**
 * A registry that wants Bearer tokens: /token is the realm (bob may pull and
 * push, anyone may pull), /v1/search a fake index, everything else is
 * proxied to `registry` once the token covers the repository and action.
 */
async function startTokenFront(registry: Distribution, user: { user: string; password: string }): Promise<TokenFront> {
  const tokens = new Map<string, { user: string; scopes: Set<string> }>();
  const front: TokenFront = { baseUrl: '', host: '', tokenRequests: [], searches: [], bearerRequests: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/token') {
      let who = '';
      const auth = req.headers.authorization;
      if (auth) {
        const [name, password] = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString().split(':');
        if (name !== user.user || password !== user.password) {
          res.writeHead(401, { 'Content-Type': 'application/json' });
          return res.end(JSON.stringify({ details: 'incorrect username or password' }));
        }
        who = name!;
      }
      const asked = url.searchParams.getAll('scope');
      front.tokenRequests.push({ user: who, scopes: asked, service: url.searchParams.get('service') ?? '' });
      const granted = new Set<string>();
      for (const scope of asked) {
        const [, repo, actions] = /^repository:(.+):([a-z,]+)$/.exec(scope) ?? [];
        for (const action of (actions ?? '').split(',')) if (action === 'pull' || who) granted.add(`${repo}:${action}`);
      }
      const token = crypto.randomBytes(12).toString('hex');
      tokens.set(token, { user: who, scopes: granted });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      // Docker Hub sends both names; send one each way to show either is read.
      return res.end(JSON.stringify(who ? { access_token: token, expires_in: 300 } : { token, expires_in: 300 }));
    }
    if (url.pathname === '/v1/search') {
      front.searches.push(url.searchParams.toString());
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ query: url.searchParams.get('q'), num_results: 3, results: [
        { name: 'busybox', description: 'matches busy', star_count: 3, is_official: true, is_automated: false },
        { name: 'alice/busy', is_official: false },
        { name: 'third' },
      ] }));
    }
    const match = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(url.pathname);
    const repo = match?.[1];
    const action = req.method === 'GET' || req.method === 'HEAD' ? 'pull' : 'push';
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const grant = token ? tokens.get(token) : undefined;
    if (grant) front.bearerRequests++;
    const ok = grant && (repo === undefined || grant.scopes.has(`${repo}:${action}`));
    if (!ok) {
      const scope = repo ? `,scope="repository:${repo}:${action === 'pull' ? 'pull' : 'pull,push'}"` : '';
      res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': `Bearer realm="${front.baseUrl}/token",service="berth-test"${scope}` });
      return res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    const upstreamReq = http.request({ host: '127.0.0.1', port: registry.port, method: req.method, path: req.url, headers }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode!, upstreamRes.headers);
      upstreamRes.pipe(res);
    });
    upstreamReq.on('error', (error) => { res.destroy(error); });
    req.pipe(upstreamReq);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(front, {
    baseUrl: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  });
  return front;
}
