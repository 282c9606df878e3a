// Issue 12: kill -9 in the middle of `pull` and `push`, then the next command
// recovers: no partial blob or work file is left in the state root, no image
// half-stored, and the same pull or push then completes.  The registry is a
// berth registry on loopback, served by this test.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BERTH_BIN, berth, ok, removeAll } from '../_berth.js';
import { berthRoot, tempDir } from '../_helpers.js';
import { serveRegistry, type TestRegistry } from '../engine/registry/_registry.js';
import { importOneFileImage } from '../_one-file-image.js';

const transfer = suite('kill -9 during pull and push');
let registry: TestRegistry;
let host: string;
// Random bytes do not compress: the transfer takes long enough to be cut.
const BIG = crypto.randomBytes(48 * 1024 * 1024);

transfer.before(async () => {
  registry = await serveRegistry();
  host = registry.url.replace(/^http:\/\//, '');
  await importOneFileImage(`${host}/big:v1`, 'big', BIG);
});
transfer.after(async () => {
  await removeAll();
  await registry.close();
});

/** Starts `berth ARGS`, SIGKILLs it at the first output line matching `marker`; resolves with what it printed. */
function killAt(args: string[], marker: RegExp): Promise<{ killed: boolean; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--', BERTH_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let killed = false;
    const onData = (d: Buffer) => {
      output += d;
      if (!killed && marker.test(output)) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`berth ${args.join(' ')}: no ${marker} within 120 s:\n${output}`)); }, 120_000);
    child.on('close', () => { clearTimeout(timer); resolve({ killed, output }); });
  });
}

/** Work files and partial blobs in the state root (tmp/ and anything named *.tmp or *.partial). */
function workFiles(): string[] {
  const root = berthRoot();
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (full.startsWith(path.join(root, 'test-tmp')) || full.startsWith(path.join(root, 'registry-'))) continue;
      if (entry.isDirectory()) walk(full);
      else if (/\.(tmp|partial)$|^(pull|push|blob|upload)-\d+-/.test(entry.name) || path.dirname(full) === path.join(root, 'tmp')) found.push(path.relative(root, full));
    }
  };
  walk(root);
  return found;
}

transfer('push killed mid-upload: the next command sweeps its work files, and the push then completes', async () => {
  const cut = await killAt(['push', `${host}/big:v1`], /Pushing\s+\S+\/\S+/);
  assert.ok(cut.killed, `push never showed progress:\n${cut.output}`);
  await ok(['ps', '-a']); // any command reconciles
  assert.equal(workFiles(), [], 'nothing of the killed push is left');
  const done = await ok(['push', `${host}/big:v1`], { timeoutMs: 300_000 });
  assert.match(done, /v1: digest: sha256:[0-9a-f]{64}/);
});

transfer('pull killed mid-download: no image, no partial blob; the next pull completes and the file is whole', async () => {
  await ok(['rmi', `${host}/big:v1`]);
  await ok(['system', 'prune', '-f']);
  const cut = await killAt(['pull', `${host}/big:v1`], /Downloading\s+\S+\/\S+/);
  assert.ok(cut.killed, `pull never showed progress:\n${cut.output}`);
  await ok(['ps', '-a']);
  assert.not.match(await ok(['images']), /big/, 'a killed pull stores no image');
  assert.equal(workFiles(), [], 'nothing of the killed pull is left');
  await ok(['pull', `${host}/big:v1`], { timeoutMs: 300_000 });
  // The image has no shell: read the file back through cp.
  const id = (await ok(['create', `${host}/big:v1`, '/big'])).trim();
  const out = path.join(tempDir('out-'), 'big');
  await ok(['cp', `${id}:/big`, out]);
  assert.ok(fs.readFileSync(out).equals(BIG), 'the pulled layer is whole');
  const rm = await berth(['rm', id]);
  assert.is(rm.code, 0, rm.stderr);
});

transfer.run();
