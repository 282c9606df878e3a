#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.js) in its own process, each
// with a fresh BERTH_ROOT and cgroup parent, then checks that the file left
// nothing behind: no mount under the root, no cgroup, no process.  A file
// that leaks fails even when its assertions passed.
//
//   node scripts/test.mjs [substring ...]   run only files whose path matches
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { leftovers, removeCgroupParent, socketsDir } from './leftovers.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const testDir = path.join(root, 'dist', 'test');
const filters = process.argv.slice(2);
// 25 minutes: the cgroup v2 VM file (test/vm) builds its image on a fresh machine
// (~2 min) and runs its set under TCG (~9 min, more on a loaded machine).
const FILE_TIMEOUT_MS = Number(process.env.BERTH_TEST_TIMEOUT_MS || 25 * 60 * 1000);

function findTests(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : findTests(full);
    // Only files whose TypeScript source still exists: dist/ may hold stale ones.
    const source = path.join(root, path.relative(path.join(root, 'dist'), full)).replace(/\.js$/, '.ts');
    return entry.name.endsWith('.js') && !entry.name.startsWith('_') && fs.existsSync(source) ? [full] : [];
  }).sort();
}

/** Runs one test file, its stdout and stderr shown as they come (both on stdout); resolves its exit and all it printed. */
async function run(file, env) {
  const child = $({ env, nothrow: true, quiet: true, timeout: FILE_TIMEOUT_MS, timeoutSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'] })`${process.execPath} --enable-source-maps ${file}`;
  child.stdout.on('data', (d) => process.stdout.write(d));
  child.stderr.on('data', (d) => process.stdout.write(d));
  const result = await child;
  return { code: result.exitCode ?? 128, signal: result.signal, output: result.stdall };
}

const files = findTests(testDir).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
let passed = 0, failed = 0, skipped = 0;
const failures = [];
for (const file of files) {
  const name = path.relative(testDir, file);
  const berthRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-test-'));
  const cgroupParent = `berth-test-${path.basename(berthRoot).slice(11)}`;
  console.log(`\n# ${name}`);
  // Each file gets its own bridge (and so its own chains and netns names) too.
  const bridge = `bt${path.basename(berthRoot).slice(11, 17).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
  // ...and its own hub, on a port chosen when it starts.
  const env = { ...process.env, BERTH_ROOT: berthRoot, BERTH_CGROUP_PARENT: cgroupParent, BERTH_BRIDGE: bridge, BERTH_HUB_PORT: '0', NO_COLOR: '1' };
  const result = await run(file, env);
  const total = Number(/Total:\s+(\d+)/.exec(result.output)?.[1] ?? 0);
  const ok = Number(/Passed:\s+(\d+)/.exec(result.output)?.[1] ?? 0);
  const skip = Number(/Skipped:\s+(\d+)/.exec(result.output)?.[1] ?? 0);
  passed += ok; skipped += skip;
  let fileFailed = result.code !== 0 || ok + skip < total;
  failed += Math.max(total - ok - skip, result.code !== 0 && total === ok + skip ? 1 : 0);
  // The hub a file's pulls started is a service, not a leak: stop it first.
  await $({ env, nothrow: true, quiet: true })`${process.execPath} -- ${path.join(root, 'bin', 'berth.js')} --root ${berthRoot} hub stop`;
  // A monitor's exit hook (`berth system reconcile`) may still be finishing: give it a moment.
  let leaks = leftovers(berthRoot, cgroupParent, socketsDir(berthRoot), bridge);
  for (let wait = 0; leaks.length > 0 && wait < 30; wait++) {
    await new Promise((r) => setTimeout(r, 100));
    leaks = leftovers(berthRoot, cgroupParent, socketsDir(berthRoot), bridge);
  }
  if (leaks.length > 0) {
    console.log(`  ✘ ${name} left things behind:\n    ${leaks.join('\n    ')}`);
    failed += 1;
    fileFailed = true;
  }
  if (fileFailed) failures.push(name);
  removeCgroupParent(cgroupParent);
  fs.rmSync(socketsDir(berthRoot), { recursive: true, force: true });
  if (leaks.length === 0) fs.rmSync(berthRoot, { recursive: true, force: true });
}
console.log(`\n${failures.length ? `failed files: ${failures.join(', ')}\n` : ''}${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
