// Issue 17: two hub processes over one S3 store serve one room.  Each hub is
// a real `berth hub serve` with its own state root (two machines, one
// bucket); Swift's s3api on loopback is the store.  A push through one is
// pulled and run through the other; a hub killed (-9) in the middle of a
// blob upload loses at most the part it held in memory, and the client
// carries the same upload on through the other hub, from the offset that hub
// reports, to a blob both serve byte for byte.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startSwiftForTest, swiftMissing } from '../../_swift.js';
import { BERTH_BIN, ok } from '../../_berth.js';
import { eventually, tempDir } from '../../_helpers.js';

const BUCKET = 'room';
const MiB = 1 << 20;
const dir = tempDir('two-hubs-');
const { swift, reason } = await startSwiftForTest(path.join(dir, 'swift'), BUCKET);

interface Hub {
  readonly child: ChildProcess;
  readonly url: string;
  readonly host: string;
  readonly exited: Promise<unknown>;
  output(): string;
}

const hubs: Hub[] = [];

/** A `berth hub serve` on a free loopback port over the room's bucket, with its own state root. */
async function startHub(name: string): Promise<Hub> {
  const s = swift!;
  const storage = `s3://${BUCKET}/hub?endpoint=${encodeURIComponent(s.endpoint)}&region=${s.region}&forcepathstyle=true`;
  const root = path.join(dir, name);
  const child = spawn(process.execPath, ['--', BERTH_BIN, '--root', root, 'hub', 'serve', '--listen', '127.0.0.1:0', '--storage', storage], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: s.accessKeyId, AWS_SECRET_ACCESS_KEY: s.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise((r) => child.once('exit', r));
  const url = await eventually(() => {
    if (child.exitCode !== null) throw new Error(`hub ${name} exited ${child.exitCode}: ${output}`);
    return /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
  }, 60_000, `hub ${name}'s URL`);
  const hub = { child, url, host: new URL(url).host, exited, output: () => output };
  hubs.push(hub);
  return hub;
}

async function kill9(hub: Hub): Promise<void> {
  hub.child.kill('SIGKILL');
  await hub.exited;
}

/** An upload's offset as a hub reports it (the Range header of GET on the upload's URL; "0-0" for none yet, as distribution says it). */
async function uploadOffset(hub: Hub, location: string): Promise<number> {
  const response = await fetch(new URL(location, hub.url), { signal: AbortSignal.timeout(10_000) });
  assert.is(response.status, 204, `upload status through ${hub.url}`);
  const range = /^0-(\d+)$/.exec(response.headers.get('range') ?? '');
  assert.ok(range, `Range: ${response.headers.get('range')}`);
  return Number(range[1]) + 1;
}

const test = suite('two hubs over one S3 store');

if (!swift) {
  swiftMissing(test, reason!, 'two hubs over one S3 store');
} else {
  test.after(async () => {
    for (const hub of hubs) if (hub.child.exitCode === null && hub.child.signalCode === null) await kill9(hub);
    await swift?.stop();
  });

  test('an image pushed through one hub is pulled and run through the other', async () => {
    const [a, b] = [await startHub('hub-a'), await startHub('hub-b')];
    await ok(['pull', 'busybox'], { timeoutMs: 300_000 });
    await ok(['tag', 'busybox', `${a.host}/class/box:v1`]);
    await ok(['push', `${a.host}/class/box:v1`], { timeoutMs: 120_000 });
    await ok(['rmi', `${a.host}/class/box:v1`]);
    const pulled = await ok(['pull', `${b.host}/class/box:v1`], { timeoutMs: 120_000 });
    assert.ok(pulled.trim().endsWith(`${b.host}/class/box:v1`), pulled);
    assert.is((await ok(['run', '--rm', `${b.host}/class/box:v1`, 'echo', 'one room'])).trim(), 'one room');
    const tags = await (await fetch(`${b.url}/v2/class/box/tags/list`)).json() as { tags: string[] };
    assert.equal(tags.tags, ['v1'], 'hub b lists the tag hub a took');
    await ok(['rmi', `${b.host}/class/box:v1`]);
  });

  test('a hub killed mid-upload: the upload goes on through the other hub and the blob is whole', async () => {
    const [a, b] = hubs.length === 2 ? hubs : [await startHub('hub-a'), await startHub('hub-b')];
    const blob = crypto.randomBytes(27 * MiB + 12_345);
    const digest = `sha256:${crypto.createHash('sha256').update(blob).digest('hex')}`;
    const started = await fetch(`${a!.url}/v2/class/big/blobs/uploads/`, { method: 'POST' });
    assert.is(started.status, 202);
    const location = started.headers.get('location')!;
    assert.ok(location, 'Location of the upload');

    // A PATCH that streams the whole blob through hub a, 1 MiB at a time,
    // each write waiting for the socket to drain; hub a is killed once hub b
    // sees a part of it in the store (the writer records its state after
    // every part), well before the end.
    const patch = http.request(new URL(location, a!.url), { method: 'PATCH', headers: { 'content-type': 'application/octet-stream' } });
    const answered = new Promise<string>((resolve) => {
      patch.on('response', (res) => resolve(`answered ${res.statusCode}`));
      patch.on('error', (error) => resolve(`cut off: ${error.message}`));
    });
    let sent = 0;
    const feeding = (async () => {
      while (sent < blob.length && !patch.destroyed) {
        const chunk = blob.subarray(sent, Math.min(sent + MiB, blob.length));
        sent += chunk.length;
        if (!patch.write(chunk)) {
          await new Promise<void>((resolve) => {
            const done = () => { patch.off('drain', done); patch.off('close', done); resolve(); };
            patch.on('drain', done);
            patch.on('close', done);
          });
        }
      }
    })();
    const seen = await eventually(async () => {
      const offset = await uploadOffset(b!, location);
      // a part is 10 MiB: "0-0" (nothing yet) and a few bytes do not count
      return offset >= MiB ? offset : undefined;
    }, 120_000, 'a part of the upload visible through hub b');
    await kill9(a!);
    await feeding;
    assert.match(await answered, /^cut off/, 'the PATCH through hub a never completed');
    assert.ok(sent < blob.length, `hub a was killed mid-stream (${sent} of ${blob.length} bytes sent)`);

    // The other hub reports what reached the store; the client carries on from there.
    const offset = await uploadOffset(b!, location);
    assert.ok(offset >= seen && offset < blob.length, `hub b's offset ${offset}: at least the ${seen} seen, less than the blob`);
    const rest = await fetch(new URL(location, b!.url), {
      method: 'PATCH',
      headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${blob.length - 1}` },
      body: blob.subarray(offset),
    });
    assert.is(rest.status, 202, await rest.clone().text());
    const next = new URL(rest.headers.get('location')!, b!.url);
    next.searchParams.set('digest', digest);
    const committed = await fetch(next, { method: 'PUT' });
    assert.is(committed.status, 201, await committed.clone().text());

    // Both hubs serve it whole: b, and a started again over the same store.
    const again = await startHub('hub-a-again');
    for (const hub of [b!, again]) {
      const got = Buffer.from(await (await fetch(`${hub.url}/v2/class/big/blobs/${digest}`)).arrayBuffer());
      assert.is(got.length, blob.length, `size through ${hub.url}`);
      assert.ok(got.equals(blob), `bytes through ${hub.url}`);
    }
    // Nothing of the upload is left in the store.
    const status = await fetch(new URL(location, b!.url));
    assert.is(status.status, 404, 'the upload is gone once committed');
  });
}

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
