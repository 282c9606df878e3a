// `berth build` as a user runs it: Docker's classic output, -q, a cached
// rebuild, hidden intermediate images, Docker's exit code for a failing RUN,
// errors naming the Dockerfile line, and Ctrl-C leaving nothing behind.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { berth, BERTH_BIN, ok, removeAll } from '../_berth.js';
import { tempDir } from '../_helpers.js';

const test = suite('cli: build');

function context(files: Record<string, string>): string {
  const dir = tempDir('cli-build-');
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

test.after(async () => {
  await removeAll();
});

test('builds with Docker-style output, then rebuilds from the cache; -q prints the id; intermediates hidden', async () => {
  const dir = context({ Dockerfile: 'FROM busybox\nCOPY hello.txt /\nRUN cat /hello.txt\nCMD ["cat", "/hello.txt"]\n', 'hello.txt': 'hello\n' });
  const first = await ok(['build', '-t', 'cli/hello:v1', '--label', 'built.by=test', dir], { timeoutMs: 120_000 });
  assert.match(first, /^Sending build context to berth {2}[\d.]+[kM]?B\nStep 1\/5 : FROM busybox\n/);
  assert.match(first, /Step 3\/5 : RUN cat \/hello.txt\n ---> Running in ([0-9a-f]{12})\nhello\nRemoving intermediate container \1\n ---> [0-9a-f]{12}\n/);
  assert.match(first, /Step 5\/5 : LABEL "built.by"="test"\n/);
  const id = /Successfully built ([0-9a-f]{12})\nSuccessfully tagged cli\/hello:v1\n$/.exec(first)?.[1];
  assert.ok(id, first);
  const second = await ok(['build', '-t', 'cli/hello:v1', '--label', 'built.by=test', dir]);
  assert.is(second.match(/ ---> Using cache\n/g)?.length, 4);
  assert.match(second, new RegExp(`Successfully built ${id}\n`));
  const quiet = await ok(['build', '-q', '--label', 'built.by=test', dir]);
  assert.match(quiet, new RegExp(`^sha256:${id}[0-9a-f]{52}\n$`));
  assert.is(await ok(['run', '--rm', 'cli/hello:v1']), 'hello\n');
  const images = await ok(['images']);
  assert.not.match(images, /<none>/, 'intermediate images are hidden');
  assert.match(await ok(['images', '-a']), /<none>/);
  assert.match(await ok(['history', 'cli/hello:v1']), /COPY file:[0-9a-f]+/);
});

test('a failing RUN exits with its code and tags nothing; bad input names the file and line', async () => {
  const dir = context({ Dockerfile: 'FROM busybox\nRUN exit 7\n' });
  const failed = await berth(['build', '-t', 'cli/failed', dir], { timeoutMs: 60_000 });
  assert.is(failed.code, 7);
  assert.match(failed.stderr, /The command '\/bin\/sh -c exit 7' returned a non-zero code: 7\n/);
  assert.is((await berth(['image', 'inspect', 'cli/failed'])).code === 0, false);
  assert.is(await ok(['ps', '-aq']), '');
  const custom = path.join(dir, 'other.Dockerfile');
  fs.writeFileSync(custom, 'FROM busybox\n\nCOPPY a b\n');
  const bad = await berth(['build', '-f', custom, dir]);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, new RegExp(`Error: ${custom.replace(/[.]/g, '\\.')}:3: unknown instruction: COPPY\n`));
  const outside = context({ Dockerfile: 'FROM busybox\nCOPY ../x /x\n' });
  assert.match((await berth(['build', outside])).stderr, /Error: Dockerfile:2: COPY failed: forbidden path outside the build context: \.\.\/x/);
  assert.match((await berth(['build', '--network', 'weird', outside])).stderr, /invalid --network "weird"/);
});

test('Ctrl-C during a RUN exits 130 and leaves no container', async () => {
  const dir = context({ Dockerfile: 'FROM busybox\nRUN echo running; sleep 60\n' });
  const child = spawn(process.execPath, ['--', BERTH_BIN, 'build', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let interrupted = false;
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (d) => {
      out += d;
      // One ctrl-c, as a person presses it: a second one after the build has let go of SIGINT would kill it outright.
      if (!interrupted && out.includes('running\n')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.on('close', resolve);
  });
  assert.is(code, 130, out);
  assert.is(await ok(['ps', '-aq']), '');
});

test.run();
