// `berth registry serve` (src/cli/commands/registry.ts) as a process: prints
// its URL, serves, logs each request, stops cleanly on SIGTERM.  The command
// is mounted on a bare commander program here, as program.ts mounts it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, tempDir } from '../../_helpers.js';

const test = suite('berth registry serve');
const commandModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/cli/commands/registry.js');
const engineDoor = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/engine/index.js');

const script = `
import { Command } from 'commander';
const { registerRegistryCommands } = await import(${JSON.stringify(commandModule)});
const { resolveSettings } = await import(${JSON.stringify(engineDoor)});
const program = new Command('berth').option('--root <dir>').exitOverride();
registerRegistryCommands({ program, engine: () => { throw new Error('no engine needed'); }, settings: (flags = {}) => resolveSettings({ flags: { root: program.opts().root, ...flags } }) });
try { await program.parseAsync(process.argv.slice(1), { from: 'user' }); }
catch (error) { console.error('Error: ' + error.message); process.exitCode = 1; }
`;

function serve(args: string[]) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, '--', ...args], { cwd: path.resolve(path.dirname(commandModule), '../../..'), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

test('serves on the given port and storage, logs requests, stops on SIGTERM', async () => {
  const storage = tempDir('serve-');
  const server = serve(['registry', 'serve', '--port', '0', '--storage', storage]);
  try {
    const url = (await eventually(() => /Registry listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(server.out())?.[1], 10_000, 'the URL'));
    const response = await fetch(`${url}/v2/`);
    assert.is(response.status, 200);
    await eventually(() => server.out().includes('GET /v2/ 200'), 5000, 'the request line');
    assert.ok(fs.existsSync(path.join(storage, 'blobs')));
  } finally {
    server.child.kill('SIGTERM');
  }
  assert.is(await server.exited, 0);
  assert.match(server.out(), /Registry stopped/);
});

test('defaults the storage to <root>/registry; --auth needs an existing file', async () => {
  const root = tempDir('serve-root-');
  const server = serve(['--root', root, 'registry', 'serve', '--port', '0', '--auth', 'htpasswd:/nonexistent/htpasswd']);
  assert.is(await server.exited, 1);
  assert.match(server.err(), /no such file \/nonexistent\/htpasswd/);
  const bad = serve(['registry', 'serve', '--auth', 'ldap:x']);
  assert.is(await bad.exited, 1);
  assert.match(bad.err(), /expected htpasswd:FILE or token:FILE/);
  const ok = serve(['--root', root, 'registry', 'serve', '--port', '0']);
  try {
    await eventually(() => ok.out().includes('Registry listening'), 10_000, 'start');
    assert.match(ok.out(), new RegExp(`storage: ${root}/registry`));
  } finally {
    ok.child.kill('SIGINT');
  }
  assert.is(await ok.exited, 0);
});

test.run();
