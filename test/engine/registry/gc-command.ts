// `berth registry garbage-collect` as a user runs it: two images pushed with
// `berth push` to a real `berth registry serve`, one untagged; a dry run, a
// run inside the grace period (nothing goes: a push may be under way), then
// --delete-untagged --grace-period 0 frees the untagged image's bytes on disk
// and `berth pull` still pulls the other one.  A bad flag, a storage that
// is not there; and the serving registry purging a stale upload by itself.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BERTH_BIN, berth, ok } from '../../_berth.js';
import { eventually, tempDir } from '../../_helpers.js';
import { importOneFileImage } from '../../_one-file-image.js';
import { freePort } from '../../../src/engine/network/free-port.js';
import { humanSize } from '../../../src/engine/units.js';
import { FilesystemStorage } from '../../../src/engine/registry/storage/filesystem.js';

const test = suite('berth registry garbage-collect');
const HOUR = 60 * 60 * 1000;
const servers: ChildProcess[] = [];
const images: string[] = [];

interface Served {
  readonly port: number;
  readonly child: ChildProcess;
  output(): string;
}

async function serve(storage: string, extra: string[] = []): Promise<Served> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--', BERTH_BIN, 'registry', 'serve', '--port', String(port), '--storage', storage, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await eventually(() => output.includes('Registry listening on'), 30_000, 'the registry to listen');
  return { port, child, output: () => output };
}

async function stop(server: Served): Promise<void> {
  if (server.child.exitCode === null) {
    const closed = new Promise((resolve) => server.child.once('close', resolve));
    server.child.kill('SIGTERM');
    await closed;
  }
}

/** Bytes of every file below `dir`. */
function bytesBelow(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const full = path.join(dir, entry.name);
    return sum + (entry.isDirectory() ? bytesBelow(full) : fs.statSync(full).size);
  }, 0);
}

const reclaimable = (storage: string) => bytesBelow(path.join(storage, 'blobs')) + bytesBelow(path.join(storage, 'uploads'));

test.after(async () => {
  for (const child of servers) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(servers.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('close', r)))));
  if (images.length) await berth(['rmi', '-f', ...images]);
});

test('pushes two images, untags one; garbage-collect --delete-untagged frees its bytes and the other still pulls', async () => {
  const storage = tempDir('gc-registry-');
  const server = await serve(storage);
  const registry = `localhost:${server.port}`;
  const keep = `${registry}/lab/keep:v1`;
  const gone = `${registry}/lab/gone:v1`;
  images.push(keep, gone);
  await importOneFileImage(keep, 'keep.bin', crypto.randomBytes(1_000_000));
  await importOneFileImage(gone, 'gone.bin', crypto.randomBytes(2_000_000));
  await ok(['push', keep], { timeoutMs: 120_000 });
  await ok(['push', gone], { timeoutMs: 120_000 });
  const untag = await fetch(`http://127.0.0.1:${server.port}/v2/lab/gone/manifests/v1`, { method: 'DELETE' });
  assert.is(untag.status, 202);
  // An upload someone abandoned a week ago.
  const started = await fetch(`http://127.0.0.1:${server.port}/v2/lab/gone/blobs/uploads/`, { method: 'POST' });
  assert.is(started.status, 202);
  const id = started.headers.get('docker-upload-uuid') ?? path.basename(new URL(started.headers.get('location')!, 'http://x').pathname);
  await fetch(new URL(started.headers.get('location')!, `http://127.0.0.1:${server.port}`), { method: 'PATCH', body: new Uint8Array(crypto.randomBytes(50_000)), headers: { 'Content-Type': 'application/octet-stream' } });
  const info = path.join(storage, 'uploads', id, 'info.json');
  fs.writeFileSync(info, JSON.stringify({ repository: 'lab/gone', startedAt: Date.now() - 200 * HOUR }));
  const week = (Date.now() - 200 * HOUR) / 1000;
  for (const file of [info, path.join(storage, 'uploads', id, 'data')]) fs.utimesSync(file, week, week);

  const before = reclaimable(storage);
  const gc = (...flags: string[]) => berth(['registry', 'garbage-collect', '--storage', storage, ...flags]);

  const dry = await gc('--dry-run', '--delete-untagged', '--grace-period', '0');
  assert.is(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^Manifests eligible for deletion:\nlab\/gone\n {2}sha256:[0-9a-f]{64}\n/m);
  assert.match(dry.stdout, /^Blobs eligible for deletion:\n(sha256:[0-9a-f]{64} {2}\S+\n){3}/m);
  assert.match(dry.stdout, new RegExp(`^Uploads eligible for deletion:\\n${id} {2}50kB {2}stale: started 8 days ago$`, 'm'));
  assert.match(dry.stdout, /^\d+ blobs marked, 3 blobs eligible for deletion, 2(\.\d+)?MB would be freed$/m);
  assert.match(dry.stdout, /Dry run: nothing was deleted\.\n$/);
  assert.is(reclaimable(storage), before, 'the dry run deleted nothing');

  // Inside the grace period (the pushes were just now) the blobs stay, and the output says why.
  const graced = await gc('--delete-untagged');
  assert.is(graced.code, 0, graced.stderr);
  assert.match(graced.stdout, /^Kept, changed within the last 1h \(a push may need them\):$/m);
  assert.match(graced.stdout, /, 0 blobs eligible for deletion, 50kB freed$/m, 'only the week-old upload went');
  const afterGraced = reclaimable(storage);

  const run = await gc('--delete-untagged', '--grace-period', '0');
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Deleted manifests:\nlab\/gone\n/m);
  assert.match(run.stdout, /^Deleted blobs:\n/m);
  const freed = /, 3 blobs eligible for deletion, (\S+) freed$/m.exec(run.stdout)?.[1];
  assert.ok(freed, run.stdout);
  const dropped = afterGraced - reclaimable(storage);
  assert.ok(dropped > 2_000_000, `${dropped} bytes freed on disk`);
  assert.is(freed, humanSize(dropped), 'the bytes the report says were freed are the bytes gone from the disk');
  for (const output of [dry.stdout, graced.stdout, run.stdout]) {
    for (const line of output.split('\n')) assert.ok(line.length <= 80, `wider than 80 columns: ${JSON.stringify(line)}`);
  }
  assert.match((await gc('--delete-untagged', '--grace-period', '0')).stdout, /, 0 blobs eligible for deletion, 0B freed$/m, 'a second run finds nothing');

  await ok(['rmi', keep, gone]);
  const pulled = await berth(['pull', keep], { timeoutMs: 120_000 });
  assert.is(pulled.code, 0, pulled.stderr);
  const missing = await berth(['pull', gone]);
  assert.is.not(missing.code, 0);
  await stop(server);
});

test('a bad flag exits 125; a storage that is not there is named', async () => {
  const bad = await berth(['registry', 'garbage-collect', '--upload-max-age', 'a week']);
  assert.is(bad.code, 125);
  assert.match(bad.stderr, /--upload-max-age.*invalid duration "a week"/);
  assert.match(bad.stderr, /See 'berth registry --help'/);
  const nowhere = path.join(tempDir('gc-nowhere-'), 'registry');
  const missing = await berth(['registry', 'garbage-collect', '--storage', nowhere]);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, new RegExp(`^Error: no registry storage at ${nowhere}: no such directory`));
  assert.not.ok(fs.existsSync(nowhere), 'nothing was made there');
  const help = await berth(['registry', 'garbage-collect', '--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, /--delete-untagged/);
  assert.match(help.stdout, /--grace-period 0/);
  for (const line of help.stdout.split('\n')) assert.ok(line.length <= 80, `help wider than 80 columns: ${JSON.stringify(line)}`);
});

test('a serving registry purges a stale upload as it starts', async () => {
  const dir = tempDir('gc-purge-');
  const storage = new FilesystemStorage(dir);
  const upload = await storage.createUpload('lab/app');
  await storage.appendUpload('lab/app', upload.id, (async function* () { yield Buffer.alloc(10_000, 1); })());
  const uploadDir = path.join(dir, 'uploads', upload.id);
  fs.writeFileSync(path.join(uploadDir, 'info.json'), JSON.stringify({ repository: 'lab/app', startedAt: Date.now() - 200 * HOUR }));
  const old = (Date.now() - 2 * HOUR) / 1000;
  for (const file of ['info.json', 'data']) fs.utimesSync(path.join(uploadDir, file), old, old);

  const server = await serve(dir);
  await eventually(() => server.output().includes('purged 1 stale upload (10kB; older than 168h or broken)'), 30_000, 'the purge at start');
  assert.not.ok(fs.existsSync(uploadDir));
  const answer = await fetch(`http://127.0.0.1:${server.port}/v2/`);
  assert.is(answer.status, 200);
  await stop(server);
});

test.run();
