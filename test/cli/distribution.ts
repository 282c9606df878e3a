// The seed's "index vs registry" section through the berth command, with
// peers nobody here wrote: skopeo, and the distribution registry from Debian.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import { BERTH_BIN, berth, ok, removeAll } from '../_berth.js';
import { berthRoot, eventually } from '../_helpers.js';
import { freePort } from '../../src/engine/network/free-port.js';
import { startDistribution, type Distribution } from '../engine/registry/_distribution.js';

const dist = suite('pull, push, search, save and load');
const children: ChildProcess[] = [];
/** The distribution registry from Debian's docker-registry package, as the registry tests start it. */
const distributions: Distribution[] = [];

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).status < 500;
  } catch {
    return false;
  }
}

/** berth's own registry, as `berth registry serve` runs it. */
async function berthRegistry(): Promise<number> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--', BERTH_BIN, 'registry', 'serve', '--port', String(port), '--storage', path.join(berthRoot(), 'registry-under-test')], { stdio: 'ignore' });
  children.push(child);
  await eventually(() => answers(`http://127.0.0.1:${port}/v2/`), 10_000, 'berth registry to answer');
  return port;
}

dist.after(async () => {
  for (const registry of distributions) await registry.stop();
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('close', r)))));
  await removeAll();
});

dist('pull busybox from the index (the hub), and search finds it by name and description', async () => {
  const pulled = await berth(['pull', 'busybox']);
  assert.is(pulled.code, 0, pulled.stderr);
  assert.is(pulled.stdout, 'busybox:latest\n');
  const byName = await ok(['search', 'busybox']);
  assert.match(byName, /^NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL\nbusybox\s+BusyBox: the Swiss Army knife/);
  assert.match(byName, /\[OK\]/);
  assert.match(await ok(['search', 'swiss']), /^busybox /m);
  const missing = await berth(['pull', 'no-such-thing']);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /pull access denied for no-such-thing/);
});

dist('search apache finds the hub\'s apache2; the first pull builds it from debian and seeds the hub; it serves a page', async () => {
  assert.match(await ok(['search', 'apache']), /^apache2\s+Apache HTTP Server/m);
  const pulled = await berth(['pull', 'apache2'], { timeoutMs: 15 * 60_000 });
  assert.is(pulled.code, 0, pulled.stderr);
  assert.match(pulled.stderr, /Step \d+\/\d+ : RUN apt-get/);
  const port = await freePort();
  const id = (await ok(['run', '-d', '-p', `127.0.0.1:${port}:80`, 'apache2'])).trim();
  const page = await eventually(async () => {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
      return response.ok ? await response.text() : undefined;
    } catch {
      return undefined;
    }
  }, 20_000, 'apache to answer');
  assert.match(page, /It works!/);
  await ok(['rm', '-f', id]);
  // Now on the hub: the next pull is a plain pull.
  await ok(['rmi', 'apache2']);
  assert.not.match((await berth(['pull', 'apache2'])).stderr, /Step 1/);
});

dist('tag, push to localhost:PORT/app, rmi, pull it back and run it; a plain namespace goes to the index', async () => {
  const port = await berthRegistry();
  await ok(['run', '--name', 'maker', 'busybox', 'sh', '-c', 'echo v1 > /app.txt']);
  await ok(['commit', 'maker', 'app']);
  await ok(['tag', 'app', `localhost:${port}/app`]);
  const pushed = await ok(['push', `localhost:${port}/app`]);
  assert.match(pushed, new RegExp(`The push refers to repository \\[localhost:${port}/app\\]`));
  assert.match(pushed, /latest: digest: sha256:[0-9a-f]{64} size: \d+/);
  await ok(['rmi', `localhost:${port}/app`]);
  const pulled = await berth(['pull', `localhost:${port}/app`]);
  assert.is(pulled.code, 0, pulled.stderr);
  assert.is(await ok(['run', '--rm', `localhost:${port}/app`, 'cat', '/app.txt']), 'v1\n');
  await ok(['tag', 'app', 'alice/app']);
  await ok(['push', 'alice/app']);
  assert.match(await ok(['search', 'alice']), /^alice\/app /m);
  await ok(['rm', 'maker']);
});

dist('skopeo copies from berth\'s registry to an oci: dir and back; berth runs the result', async () => {
  const port = await berthRegistry();
  await ok(['tag', 'busybox', `localhost:${port}/lab/box:v1`]);
  await ok(['push', `localhost:${port}/lab/box:v1`]);
  const oci = path.join(berthRoot(), 'oci-copy');
  execFileSync('skopeo', ['copy', '--src-tls-verify=false', `docker://127.0.0.1:${port}/lab/box:v1`, `oci:${oci}:v1`], { stdio: 'pipe' });
  execFileSync('skopeo', ['copy', '--dest-tls-verify=false', `oci:${oci}:v1`, `docker://127.0.0.1:${port}/lab/box:back`], { stdio: 'pipe' });
  assert.is(await ok(['run', '--rm', `localhost:${port}/lab/box:back`, 'echo', 'round trip']), 'round trip\n');
});

dist('berth pushes to and pulls from the distribution registry', async () => {
  const registry = await startDistribution();
  distributions.push(registry);
  const { port } = registry;
  await ok(['tag', 'busybox', `localhost:${port}/peer/box`]);
  await ok(['push', `localhost:${port}/peer/box`]);
  await ok(['rmi', `localhost:${port}/peer/box`]);
  await ok(['pull', `localhost:${port}/peer/box`]);
  assert.is(await ok(['run', '--rm', `localhost:${port}/peer/box`, 'echo', 'from distribution']), 'from distribution\n');
});

dist('save writes what skopeo reads as docker-archive:, and load brings it back', async () => {
  const archive = path.join(berthRoot(), 'box.tar');
  await ok(['save', '-o', archive, 'busybox']);
  const inspected = JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${archive}`], { encoding: 'utf8' }));
  assert.is(inspected.Os, 'linux');
  assert.ok(inspected.Layers.length >= 1);
  await ok(['rmi', '-f', 'busybox']);
  assert.match(await ok(['load', '-i', archive]), /^Loaded image: busybox:latest$/m);
  assert.is(await ok(['run', '--rm', 'busybox', 'echo', 'loaded']), 'loaded\n');
});

dist.run();
