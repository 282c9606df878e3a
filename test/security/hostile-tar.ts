// Hostile image layers through the CLI, as a classroom hub would hand them
// out: `berth import` of a tar whose entries climb out with "..", write
// through a symlink that points at the host, or hard-link a host file.  Each
// is refused (at import, or at the first run), and a run of whatever was
// accepted leaves the host canary as it was.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import tarStream, { type Header } from 'tar-stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { berth, ok, removeAll } from '../_berth.js';
import { outsideDir, tempDir } from '../_helpers.js';

type Entry = Partial<Header> & { name: string; body?: string };

async function tarFile(entries: Entry[]): Promise<string> {
  const pack = tarStream.pack();
  for (const { body, ...header } of entries) pack.entry({ mode: 0o755, ...header } as Header, body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of Readable.from(pack as unknown as AsyncIterable<Buffer>)) chunks.push(chunk as Buffer);
  const file = path.join(tempDir('hostile-'), 'layer.tar');
  fs.writeFileSync(file, Buffer.concat(chunks));
  return file;
}

const hostile = suite('hostile layers');
let canaryDir: string;
let canary: string;
const CANARY = 'host canary: untouched\n';
const busybox = fs.readFileSync('/bin/busybox');

hostile.before(() => {
  canaryDir = outsideDir('berth-canary-');
  canary = path.join(canaryDir, 'secret');
  fs.writeFileSync(canary, CANARY);
});
hostile.after(async () => {
  await removeAll();
  fs.rmSync(canaryDir, { recursive: true, force: true });
});

function assertCanary(): void {
  assert.is(fs.readFileSync(canary, 'utf8'), CANARY, 'the host canary changed');
  assert.equal(fs.readdirSync(canaryDir), ['secret'], 'something was written beside the host canary');
}

/** Imports the tar; if that is accepted, runs a shell in it that tries to write through every path; returns both results. */
async function importAndRun(name: string, entries: Entry[], script: string) {
  const file = await tarFile([{ name: 'bin/busybox', body: busybox.toString('latin1') }, { name: 'bin/sh', type: 'symlink', linkname: 'busybox' }, ...entries]);
  const imported = await berth(['import', file, name]);
  if (imported.code !== 0) return { imported, run: undefined };
  const run = await berth(['run', '--rm', '--net', 'none', name, '/bin/sh', '-c', script]);
  return { imported, run };
}

hostile('an entry that climbs out with ".." writes nothing outside', async () => {
  const rel = path.relative('/', canaryDir);
  const { imported, run } = await importAndRun('climb', [{ name: `../../../../../../../../${rel}/pwned`, body: 'pwned' }], 'true');
  assert.ok(imported.code !== 0 || (run && run.code !== 0), 'a layer with a ".." entry must be refused');
  assertCanary();
});

hostile('a symlink to the host directory, then a file through it, writes inside the rootfs only', async () => {
  const { run } = await importAndRun('through-link', [
    { name: 'evil', type: 'symlink', linkname: canaryDir },
    { name: 'evil/pwned', body: 'pwned' },
  ], `echo pwned > /evil/secret 2>/dev/null; echo pwned > ${canary} 2>/dev/null; true`);
  // Refused at the first run (the layer is unpacked then), or unpacked with the link kept inside.
  if (run && run.code !== 0) assert.match(run.stderr, /refusing to write through it|escapes the root/);
  assertCanary();
});

hostile('a hard link to a host file is refused, and nothing writes through it', async () => {
  const { imported, run } = await importAndRun('hardlink', [
    { name: 'stolen', type: 'link', linkname: canary.slice(1) },
    { name: 'stolen-abs', type: 'link', linkname: `../../../../../../../..${canary}` },
  ], 'echo pwned >> /stolen; echo pwned >> /stolen-abs; cat /stolen 2>/dev/null');
  if (run) assert.not.match(run.stdout, /host canary/, 'the container read the host file through a hard link');
  assert.ok(imported.code !== 0 || (run !== undefined && !run.stdout.includes('host canary')));
  assertCanary();
});

hostile('a device node shipped in a layer cannot reach the host disk', async () => {
  const { run } = await importAndRun('devnode', [{ name: 'disk', type: 'block-device', devmajor: 7, devminor: 0, mode: 0o666 }], 'head -c 16 /disk >/dev/null && echo read-the-device || echo denied');
  if (run) assert.not.match(run.stdout, /read-the-device/);
  assertCanary();
});

hostile('the image that made it through still runs, and the engine is fine afterwards', async () => {
  await ok(['images']);
  await ok(['ps', '-a']);
});

hostile.run();
