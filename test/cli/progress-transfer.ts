// A real push and pull against a berth registry on loopback: the engine's
// typed events (each layer's bytes reach its size, in Docker's order), and
// what the CLI prints into a pipe (Docker's lines, no escape codes, no bars).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Engine, formatProgress, type PullEvent, type TransferEvent } from '../../src/engine/index.js';
import { BERTH_BIN, berth, ok, removeAll } from '../_berth.js';
import { Terminal } from './_terminal.js';
import { importOneFileImage } from '../_one-file-image.js';
import { serveRegistry, type TestRegistry } from '../engine/registry/_registry.js';

const test = suite('progress of a real pull and push');
let registry: TestRegistry;
let engine: Engine;
let name: string;
/** the manifest's digest, as the engine's pull reported it */
let manifestDigest = '';
// Random bytes do not compress: the layer's size is known and several chunks long.
const DATA = crypto.randomBytes(3 * 1024 * 1024);

test.before(async () => {
  registry = await serveRegistry();
  name = `${registry.url.replace(/^http:\/\//, '')}/progress/box:v1`;
  await importOneFileImage(name, 'data', DATA);
  engine = await Engine.open();
});

test.after(async () => {
  await removeAll();
  await engine?.shutdown();
  await registry?.close();
});

/** What `command` writes to the pseudo-terminal script(1) gives it (asynchronously: the registry answers from this process). */
function onPty(command: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`script: no end within 60 s:\n${out}`)); }, 60_000);
    child.on('close', (code) => { clearTimeout(timer); code === 0 ? resolve(out) : reject(new Error(`script exited ${code}:\n${out}`)); });
  });
}

type Layer = Extract<TransferEvent, { type: 'layer' }>;
const layers = (events: readonly PullEvent[]) => events.filter((e): e is Layer => e.type === 'layer');

/** Each layer's statuses in order, repeats (bytes updates) folded. */
function statusesByLayer(events: readonly PullEvent[]): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const e of layers(events)) {
    const list = by.get(e.id) ?? [];
    if (list.at(-1) !== e.status) list.push(e.status);
    by.set(e.id, list);
  }
  return by;
}

function assertBytesReachTotal(events: readonly PullEvent[], status: 'Pushing' | 'Downloading'): void {
  const moving = layers(events).filter((e) => e.status === status);
  assert.ok(moving.length > 0, `no ${status} event`);
  for (const id of new Set(moving.map((e) => e.id))) {
    const mine = moving.filter((e) => e.id === id);
    const currents = mine.map((e) => e.current!);
    assert.equal(currents, [...currents].sort((a, b) => a - b), `${id}: bytes only grow`);
    assert.ok(mine.every((e) => e.total === mine[0]!.total && e.total! > DATA.length), `${id}: total is the blob's size`);
    assert.is(mine.at(-1)!.current, mine.at(-1)!.total, `${id}: the last ${status} event has every byte`);
  }
}

test('push: typed events, each layer Preparing → Pushing (bytes up to its size) → Pushed, then the manifest', async () => {
  const events: PullEvent[] = [];
  const result = await engine.push(name, (e) => events.push(e));
  assert.equal(events[0], { type: 'start', action: 'push', repository: name.replace(/:v1$/, ''), reference: 'v1' });
  const [only] = [...statusesByLayer(events).values()];
  assert.equal(only, ['Preparing', 'Pushing', 'Pushed']);
  assertBytesReachTotal(events, 'Pushing');
  assert.equal(events.at(-1), { type: 'pushed', tag: 'v1', digest: result.digest, size: result.size });
});

test('pull: typed events, Pulling fs layer → Downloading (bytes up to its size) → Download complete; digest and status last', async () => {
  await engine.removeImage(name);
  const events: PullEvent[] = [];
  const image = await engine.pull(name, (e) => events.push(e));
  manifestDigest = image.manifestDigest;
  assert.equal(events[0], { type: 'start', action: 'pull', repository: 'progress/box', reference: 'v1' });
  const [only] = [...statusesByLayer(events).values()];
  assert.equal(only, ['Pulling fs layer', 'Downloading', 'Download complete']);
  assertBytesReachTotal(events, 'Downloading');
  assert.equal(events.slice(-2), [
    { type: 'digest', digest: image.manifestDigest },
    { type: 'status', text: `Status: Downloaded newer image for ${name}` },
  ]);
});

test('the CLI into a pipe: Docker\'s lines, one per change, no escape codes, the bytes reaching the size', async () => {
  await ok(['rmi', name]);
  const pulled = await berth(['pull', name]);
  assert.is(pulled.code, 0, pulled.stderr);
  assert.is(pulled.stdout, `${name}\n`);
  assert.not.match(pulled.stderr, /\x1b|\[=/, 'no escape codes and no bars in a pipe');
  const lines = pulled.stderr.trimEnd().split('\n');
  const id = /^([0-9a-f]{12}): Pulling fs layer$/m.exec(pulled.stderr)?.[1];
  assert.ok(id, pulled.stderr);
  assert.is(lines[0], 'v1: Pulling from progress/box');
  const downloading = lines.filter((l) => l.startsWith(`${id}: Downloading `));
  assert.ok(downloading.length > 0, pulled.stderr);
  assert.match(downloading.at(-1)!, /^[0-9a-f]{12}: Downloading (\S+)\/\1$/, 'the last line has every byte');
  assert.equal(lines.filter((l, i) => l === lines[i - 1]), [], 'no line is printed twice in a row');
  assert.equal(lines.slice(-3), [`${id}: Download complete`, `Digest: ${manifestDigest}`, `Status: Downloaded newer image for ${name}`]);

  const pushed = await berth(['push', name]);
  assert.is(pushed.code, 0, pushed.stderr);
  assert.not.match(pushed.stdout, /\x1b/);
  const again = pushed.stdout.trimEnd().split('\n');
  assert.equal([again[0], again[1], again[2]], [`The push refers to repository [${name.replace(/:v1$/, '')}]`, `${id}: Preparing`, `${id}: Layer already exists`]);
  assert.match(again.at(-1)!, /^v1: digest: sha256:[0-9a-f]{64} size: \d+$/);
  // The same events through formatProgress give the same lines: the CLI adds nothing of its own.
  assert.is(formatProgress({ type: 'layer', id, digest: '', status: 'Layer already exists' }), again[2]);
});

test('the CLI on a terminal (a pty from script(1), 80 columns): one line per layer, redrawn in place', async () => {
  await ok(['rmi', name]);
  // script gives the command a pseudo-terminal, as a learner's shell would; NO_COLOR: no colour codes either.
  const command = `stty cols 80; exec ${JSON.stringify(process.execPath)} -- ${JSON.stringify(BERTH_BIN)} pull ${name}`;
  const raw = await onPty(command, { ...process.env, NO_COLOR: '1', TERM: 'xterm' });
  const term = new Terminal(80);
  term.write(raw);
  const screen = term.screen();
  const id = /^([0-9a-f]{12}): Download complete$/m.exec(screen.join('\n'))?.[1];
  assert.ok(id, screen.join('\n'));
  assert.equal(screen.filter((l) => l.startsWith(`${id}:`)), [`${id}: Download complete`], 'the layer\'s line was drawn over, not repeated');
  assert.match(raw, /\x1b\[1A/, 'the cursor moved up to redraw');
  assert.match(raw, /Downloading \[=*>?\s*\]/, 'a bar while downloading');
  assert.not.match(raw, /\x1b\[\d*m/, 'NO_COLOR: no colour');
  assert.equal(screen.slice(-3), [`Digest: ${manifestDigest}`, `Status: Downloaded newer image for ${name}`, name]);
});

test.run();
