// Authentication: Basic against an htpasswd file made by Apache's own
// `htpasswd -B`, and the bearer-token flow with scopes enforced.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '../../../../src/engine/store/digest.js';
import { parseScope, signToken, verifyToken } from '../../../../src/engine/registry/server/auth.js';
import { tempDir } from '../../../_helpers.js';
import { errorCode, pushBlob, pushImage, serveRegistry } from '../_registry.js';

const test = suite('registry server: auth');
const dir = tempDir('auth-');
const htpasswd = path.join(dir, 'htpasswd');
fs.writeFileSync(htpasswd, execFileSync('htpasswd', ['-Bbn', 'alice', 's3cret'], { encoding: 'utf8' }) + execFileSync('htpasswd', ['-Bbn', 'bob', 'hunter2'], { encoding: 'utf8' }));
const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

test('htpasswd: no credentials or a wrong password is 401 with a Basic challenge; the right ones pass', async () => {
  const registry = await serveRegistry({ memory: true, auth: { kind: 'htpasswd', file: htpasswd } });
  try {
    const none = await fetch(`${registry.url}/v2/`);
    assert.is(none.status, 401);
    assert.is(none.headers.get('www-authenticate'), 'Basic realm="berth"');
    assert.is(await errorCode(none), 'UNAUTHORIZED');
    const wrong = await fetch(`${registry.url}/v2/`, { headers: basic('alice', 'wrong') });
    assert.is(wrong.status, 401);
    assert.is(wrong.headers.get('www-authenticate'), 'Basic realm="berth"');
    assert.is((await fetch(`${registry.url}/v2/`, { headers: basic('nobody', 's3cret') })).status, 401);
    assert.is((await fetch(`${registry.url}/v2/`, { headers: basic('alice', 's3cret') })).status, 200);
    const pushed = await pushImage(registry.url, 'lab/img', 'v1', { headers: basic('bob', 'hunter2') });
    assert.is((await fetch(`${registry.url}/v2/lab/img/manifests/v1`, { headers: basic('alice', 's3cret') })).headers.get('docker-content-digest'), pushed.digest);
    assert.is((await fetch(`${registry.url}/v2/lab/img/manifests/v1`)).status, 401);
    assert.is((await fetch(`${registry.url}/v2/lab/img/blobs/uploads/`, { method: 'POST', body: 'x', headers: basic('alice', 'no') })).status, 401);
    assert.is((await fetch(`${registry.url}/v1/_ping`)).status, 200);
    assert.is((await fetch(`${registry.url}/v1/search?q=img`)).status, 401);
    assert.is((await fetch(`${registry.url}/v1/search?q=img`, { headers: basic('alice', 's3cret') })).status, 200);
    assert.is((await fetch(`${registry.url}/token`)).status, 404);
  } finally {
    await registry.close();
  }
});

test('htpasswd: the file is re-read when it changes (a user added later can log in)', async () => {
  const file = path.join(dir, 'changing');
  fs.writeFileSync(file, execFileSync('htpasswd', ['-Bbn', 'alice', 'one'], { encoding: 'utf8' }));
  const registry = await serveRegistry({ memory: true, auth: { kind: 'htpasswd', file } });
  try {
    assert.is((await fetch(`${registry.url}/v2/`, { headers: basic('carol', 'two') })).status, 401);
    fs.appendFileSync(file, execFileSync('htpasswd', ['-Bbn', 'carol', 'two'], { encoding: 'utf8' }));
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.is((await fetch(`${registry.url}/v2/`, { headers: basic('carol', 'two') })).status, 200);
  } finally {
    await registry.close();
  }
});

/** Fetches a token the way docker does: follow the challenge's realm with Basic credentials. */
async function token(realm: string, scopes: string[], headers: Record<string, string>): Promise<Response> {
  const url = new URL(realm);
  url.searchParams.set('service', 'berth-registry');
  for (const scope of scopes) url.searchParams.append('scope', scope);
  return fetch(url, { headers });
}

function parseChallenge(header: string): Record<string, string> {
  assert.match(header, /^Bearer /);
  return Object.fromEntries([...header.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

test('token: no token is a Bearer challenge naming realm, service and scope; the token endpoint issues one that works', async () => {
  const registry = await serveRegistry({ memory: true, auth: { kind: 'token', file: htpasswd } });
  try {
    const base = await fetch(`${registry.url}/v2/`);
    assert.is(base.status, 401);
    const challenge = parseChallenge(base.headers.get('www-authenticate')!);
    assert.is(challenge.realm, `${registry.url}/token`);
    assert.is(challenge.service, 'berth-registry');
    const post = await fetch(`${registry.url}/v2/lab/img/blobs/uploads/`, { method: 'POST' });
    assert.is(post.status, 401);
    assert.is(await errorCode(post), 'UNAUTHORIZED');
    assert.equal(parseChallenge(post.headers.get('www-authenticate')!), { realm: `${registry.url}/token`, service: 'berth-registry', scope: 'repository:lab/img:pull,push' });

    const refused = await token(challenge.realm!, ['repository:lab/img:pull,push'], basic('alice', 'wrong'));
    assert.is(refused.status, 401);
    assert.is(refused.headers.get('www-authenticate'), 'Basic realm="berth"');
    assert.is((await token(challenge.realm!, [], {})).status, 401);

    const issued = await token(challenge.realm!, ['repository:lab/img:pull,push'], basic('alice', 's3cret'));
    assert.is(issued.status, 200);
    const body = await issued.json() as { token: string; access_token: string; expires_in: number; issued_at: string };
    assert.is(body.token, body.access_token);
    assert.is(body.expires_in, 300);
    const bearer = { Authorization: `Bearer ${body.token}` };
    assert.is((await fetch(`${registry.url}/v2/`, { headers: bearer })).status, 200);
    const image = await pushImage(registry.url, 'lab/img', 'v1', { headers: bearer });
    assert.is((await fetch(`${registry.url}/v2/lab/img/manifests/v1`, { headers: bearer })).headers.get('docker-content-digest'), image.digest);

    // the token is for lab/img only
    const other = await fetch(`${registry.url}/v2/lab/other/tags/list`, { headers: bearer });
    assert.is(other.status, 401);
    assert.equal(parseChallenge(other.headers.get('www-authenticate')!).error, 'insufficient_scope');
    // a forged or tampered token is refused
    const tampered = `${body.token.slice(0, -4)}AAAA`;
    const bad = await fetch(`${registry.url}/v2/lab/img/tags/list`, { headers: { Authorization: `Bearer ${tampered}` } });
    assert.is(bad.status, 401);
    assert.is(parseChallenge(bad.headers.get('www-authenticate')!).error, 'invalid_token');
    // catalog needs registry:catalog:*
    assert.is((await fetch(`${registry.url}/v2/_catalog`, { headers: bearer })).status, 401);
    const catalogToken = (await (await token(challenge.realm!, ['registry:catalog:*'], basic('bob', 'hunter2'))).json() as { token: string }).token;
    assert.equal(await (await fetch(`${registry.url}/v2/_catalog`, { headers: { Authorization: `Bearer ${catalogToken}` } })).json(), { repositories: ['lab/img'] });
  } finally {
    await registry.close();
  }
});

test('token: a pull-only token can pull but cannot push', async () => {
  const registry = await serveRegistry({ memory: true, auth: { kind: 'token', file: htpasswd } });
  try {
    const realm = `${registry.url}/token`;
    const push = (await (await token(realm, ['repository:lab/img:pull,push'], basic('alice', 's3cret'))).json() as { token: string }).token;
    const { layer } = await pushImage(registry.url, 'lab/img', 'v1', { headers: { Authorization: `Bearer ${push}` } });
    const pull = (await (await token(realm, ['repository:lab/img:pull'], basic('bob', 'hunter2'))).json() as { token: string }).token;
    const headers = { Authorization: `Bearer ${pull}` };
    assert.is((await fetch(`${registry.url}/v2/lab/img/manifests/v1`, { headers })).status, 200);
    assert.is((await fetch(`${registry.url}/v2/lab/img/blobs/${layer}`, { headers })).status, 200);
    const denied = await fetch(`${registry.url}/v2/lab/img/blobs/uploads/?digest=${sha256('x')}`, { method: 'POST', body: 'x', headers });
    assert.is(denied.status, 401);
    assert.is(await errorCode(denied), 'UNAUTHORIZED');
    assert.equal(parseChallenge(denied.headers.get('www-authenticate')!), { realm, service: 'berth-registry', scope: 'repository:lab/img:pull,push', error: 'insufficient_scope' });
    assert.is((await fetch(`${registry.url}/v2/lab/img/manifests/v1`, { method: 'DELETE', headers })).status, 401);
    await pushBlob(registry.url, 'lab/img', 'y', { Authorization: `Bearer ${push}` });
  } finally {
    await registry.close();
  }
});

test('token: a grant policy decides what each user gets; an expired token is refused', async () => {
  const registry = await serveRegistry({
    memory: true,
    auth: { kind: 'token', file: htpasswd, secret: 'fixed secret', grant: (user, scope) => (user === 'bob' ? scope.actions.filter((a) => a === 'pull') : [...scope.actions]) },
  });
  try {
    const bob = await (await token(`${registry.url}/token`, ['repository:lab/img:pull,push'], basic('bob', 'hunter2'))).json() as { token: string };
    const claims = verifyToken(bob.token, Buffer.from('fixed secret'), 'berth-registry')!;
    assert.equal(claims.access, [{ type: 'repository', name: 'lab/img', actions: ['pull'] }]);
    assert.is(claims.sub, 'bob');
    const expired = signToken({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, Buffer.from('fixed secret'));
    const response = await fetch(`${registry.url}/v2/lab/img/tags/list`, { headers: { Authorization: `Bearer ${expired}` } });
    assert.is(response.status, 401);
    assert.equal(parseScope('repository:host/a/b:pull,push'), { type: 'repository', name: 'host/a/b', actions: ['pull', 'push'] });
  } finally {
    await registry.close();
  }
});

test.run();
