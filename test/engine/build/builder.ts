// The builder on busybox images: every instruction's effect on the config
// and the filesystem, multi-stage builds, the cache, .dockerignore, ADD, and
// each way a build can fail (with nothing left behind).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as assert from 'uvu/assert';
import { engineSuite } from '../../_engine.js';
import { outsideDir, rejects } from '../../_helpers.js';
import { RunFailed, BuildAborted } from '../../../src/engine/build/builder.js';
import { buildWith, cachedSteps, images, makeContext, sh } from './_build.js';

const { test, engine } = engineSuite('build: busybox');

test.before(async () => {
  await engine().pull('busybox');
});

test('metadata instructions set the config; each step is in the history', async () => {
  const dir = makeContext({
    Dockerfile: [
      'FROM busybox',
      'MAINTAINER Jane <jane@example.com>',
      'ENV A=1 B="two words"',
      'ENV C=${A}-$B',
      'LABEL com.example.v="1.0" other=x',
      'USER 1000:1000',
      'EXPOSE 80 53/udp 8000-8001',
      'VOLUME ["/data"]',
      'STOPSIGNAL SIGQUIT',
      'HEALTHCHECK --interval=5s --retries=2 CMD wget -q -O- http://127.0.0.1/ || exit 1',
      'SHELL ["/bin/sh", "-ec"]',
      'WORKDIR /srv',
      'WORKDIR app',
      'ENTRYPOINT ["/bin/echo"]',
      'CMD hello',
      'ONBUILD RUN echo child',
    ].join('\n'),
  });
  const { result, output } = await buildWith(engine(), { context: dir, tags: ['meta:1'] });
  const image = images(engine()).imageConfig(result.id);
  const c = image.config!;
  assert.is(image.author, 'Jane <jane@example.com>');
  assert.ok(c.Env!.includes('A=1') && c.Env!.includes('B=two words') && c.Env!.includes('C=1-two words'));
  assert.is(c.Labels!['com.example.v'], '1.0');
  assert.is(c.Labels!.other, 'x');
  assert.is(c.User, '1000:1000');
  assert.equal(Object.keys(c.ExposedPorts!).sort(), ['53/udp', '80/tcp', '8000/tcp', '8001/tcp']);
  assert.equal(c.Volumes, { '/data': {} });
  assert.is(c.StopSignal, 'SIGQUIT');
  assert.equal(c.Healthcheck, { Test: ['CMD-SHELL', 'wget -q -O- http://127.0.0.1/ || exit 1'], Interval: 5e9, Retries: 2 });
  assert.equal(c.Shell, ['/bin/sh', '-ec']);
  assert.is(c.WorkingDir, '/srv/app');
  assert.equal(c.Entrypoint, ['/bin/echo']);
  assert.equal(c.Cmd, ['/bin/sh', '-ec', 'hello']);
  assert.equal(c.OnBuild, ['RUN echo child']);
  const history = image.history!.slice(1);
  assert.is(history.length, 15);
  assert.ok(history.filter((h) => !h.created_by!.includes('WORKDIR')).every((h) => h.empty_layer === true));
  assert.match(history[1]!.created_by!, '#(nop)  ENV A=1 B=two words');
  // WORKDIR made /srv/app: a layer, as Docker makes the missing directory.
  assert.is((await sh(engine(), result.id, 'test -d /srv/app && echo yes', '0')).trim(), 'yes');
  assert.match(output, /^Sending build context to berth {2}\d/);
  assert.match(output, /Step 1\/16 : FROM busybox\n ---> [0-9a-f]{12}\n/);
  assert.match(output, /Successfully built [0-9a-f]{12}\nSuccessfully tagged meta:1\n$/);
});

test('RUN: shell and exec forms, ARGs in the environment but not the image, user and workdir', async () => {
  const dir = makeContext({
    Dockerfile: [
      'FROM busybox',
      'ARG WHO=world',
      'ARG FROM_CLI',
      'ENV KEEP=env',
      'RUN echo "hello $WHO $FROM_CLI $KEEP" > /greeting',
      'RUN ["/bin/sh", "-c", "echo exec form > /exec"]',
      "RUN echo 'builder:x:1234:1234::/home/builder:/bin/sh' >> /etc/passwd && mkdir -p /home/builder && chown 1234 /home/builder",
      'USER builder',
      'WORKDIR /home/builder',
      'RUN id -un > whoami && pwd > where',
    ].join('\n'),
  });
  const { result, output } = await buildWith(engine(), { context: dir, buildArgs: { FROM_CLI: 'cli', UNUSED: 'x' } });
  assert.is(await sh(engine(), result.id, 'cat /greeting /exec /home/builder/whoami /home/builder/where', '0'), 'hello world cli env\nexec form\nbuilder\n/home/builder\n');
  const config = images(engine()).imageConfig(result.id);
  assert.not.ok(config.config!.Env!.some((e) => e.startsWith('WHO=') || e.startsWith('FROM_CLI=')));
  assert.ok(config.history!.some((h) => h.created_by === '|2 FROM_CLI=cli WHO=world /bin/sh -c echo "hello $WHO $FROM_CLI $KEEP" > /greeting'));
  assert.match(output, / ---> Running in [0-9a-f]{12}\nRemoving intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\n/);
  assert.match(output, /\[Warning\] One or more build-args \[UNUSED\] were not consumed/);
});

test('multi-stage: COPY --from a named stage, a stage index and an image; --target stops early', async () => {
  const dir = makeContext({
    Dockerfile: [
      'ARG VERSION=1.2',
      'FROM busybox AS build',
      'ARG VERSION',
      'RUN mkdir -p /out/bin && printf "#!/bin/sh\\necho tool $VERSION\\n" > /out/bin/tool && chmod 755 /out/bin/tool',
      'FROM busybox AS unused',
      'RUN echo unused > /unused',
      'FROM scratch',
      'COPY --from=build /out/bin/tool /bin/tool',
      'COPY --from=0 /out /opt/out',
      'COPY --from=busybox /bin/busybox /bin/sh',
      'CMD ["/bin/tool"]',
    ].join('\n'),
  });
  const { result } = await buildWith(engine(), { context: dir, tags: ['tool:latest'] });
  const layers = images(engine()).layers(result.id);
  assert.is(layers.length, 3, 'FROM scratch: one layer per COPY');
  const run = await engine().run({ image: 'tool', network: 'none', autoRemove: true });
  assert.is(run.stdout, 'tool 1.2\n');
  const target = await buildWith(engine(), { context: dir, target: 'build', buildArgs: { VERSION: '2.0' } });
  assert.is(await sh(engine(), target.result.id, '/out/bin/tool'), 'tool 2.0\n');
  assert.is(target.events.filter((e) => e.type === 'step').length, 4, 'stages after the target are not built');
});

test('cache: an unchanged rebuild makes no image; a changed file rebuilds from its COPY on', async () => {
  const dir = makeContext({
    Dockerfile: 'FROM busybox\nENV A=1\nRUN echo first > /first\nCOPY app.txt /app/\nRUN cat /app/app.txt > /copy\nCMD ["cat", "/copy"]\n',
    'app.txt': 'v1\n',
  });
  const first = await buildWith(engine(), { context: dir, tags: ['cached'] });
  const images = engine().listImages().length;
  const started = Date.now();
  const second = await buildWith(engine(), { context: dir, tags: ['cached'] });
  const cachedMs = Date.now() - started;
  assert.is(second.result.id, first.result.id);
  assert.is(engine().listImages().length, images, 'no new image');
  assert.equal(cachedSteps(second.events), [2, 3, 4, 5, 6]);
  assert.not.ok(second.events.some((e) => e.type === 'running'));
  assert.ok(cachedMs < 3000, `a cached rebuild took ${cachedMs} ms`);
  // Same content, new mtime: still cached (Docker's key ignores mtimes).
  fs.utimesSync(path.join(dir, 'app.txt'), new Date(), new Date(Date.now() + 5000));
  assert.equal(cachedSteps((await buildWith(engine(), { context: dir })).events), [2, 3, 4, 5, 6]);
  fs.writeFileSync(path.join(dir, 'app.txt'), 'v2\n');
  const third = await buildWith(engine(), { context: dir, tags: ['cached'] });
  assert.equal(cachedSteps(third.events), [2, 3]);
  assert.is((await engine().run({ image: 'cached', network: 'none', autoRemove: true })).stdout, 'v2\n');
  const noCache = await buildWith(engine(), { context: dir, noCache: true });
  assert.equal(cachedSteps(noCache.events), []);
});

test('.dockerignore keeps files out of COPY (with ! exceptions); the Dockerfile may be ignored', async () => {
  const dir = makeContext({
    Dockerfile: 'FROM busybox\nCOPY . /ctx/\n',
    '.dockerignore': 'Dockerfile\n*.log\nsecrets\n!secrets/public.txt\n',
    'keep.txt': 'keep',
    'debug.log': 'log',
    'sub/inner.log': 'not at the root: kept',
    'secrets/key.pem': 'secret',
    'secrets/public.txt': 'public',
  });
  const { result, events } = await buildWith(engine(), { context: dir });
  const listed = (await sh(engine(), result.id, 'cd /ctx && find . -type f | sort')).trim().split('\n');
  assert.equal(listed, ['./.dockerignore', './keep.txt', './secrets/public.txt', './sub/inner.log']);
  const context = events.find((e) => e.type === 'context');
  assert.ok(context && context.type === 'context' && context.bytes < 100);
});

test('COPY: globs, --chown by name, file to a directory, trailing-slash rules, never through a symlink out of the rootfs', async () => {
  const outside = outsideDir();
  const dir = makeContext({
    Dockerfile: [
      'FROM busybox',
      `RUN mkdir /existing && ln -s ${outside} /escape && echo 'owner:x:2000:2000::/:/bin/sh' >> /etc/passwd && echo 'owner:x:2000:' >> /etc/group`,
      'COPY src/*.c /code/',
      'COPY --chown=owner:owner one.txt /existing',
      'COPY one.txt /renamed.txt',
      'COPY one.txt /escape/',
      'COPY --chmod=600 one.txt /private',
    ].join('\n'),
    'src/a.c': 'a', 'src/b.c': 'b', 'src/c.h': 'h', 'one.txt': '1',
  });
  const { result } = await buildWith(engine(), { context: dir });
  const out = await sh(engine(), result.id, `ls /code; stat -c '%u:%g %n' /existing/one.txt; cat /renamed.txt; echo; ls ${outside}; stat -c '%a' /private`, '0');
  assert.is(out, `a.c\nb.c\n2000:2000 /existing/one.txt\n1\none.txt\n600\n`);
  assert.equal(fs.readdirSync(outside), [], 'nothing written on the host through the symlink');
  fs.rmSync(outside, { recursive: true });
});

test('ADD: a local tar.gz is unpacked; a URL is fetched (loopback)', async () => {
  const dir = makeContext({ Dockerfile: '', 'payload/x/y.txt': 'in the tar' });
  execFileSync('tar', ['-C', path.join(dir, 'payload'), '-czf', path.join(dir, 'bundle.tgz'), 'x']);
  const server = http.createServer((req, res) => {
    if (req.url === '/files/remote.txt') res.end('from the url\n');
    else { res.statusCode = 404; res.end(); }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM busybox\nADD bundle.tgz /opt/\nADD http://127.0.0.1:${port}/files/remote.txt /dl/\n`);
    const { result } = await buildWith(engine(), { context: dir, network: 'none' });
    assert.is(await sh(engine(), result.id, "cat /opt/x/y.txt; echo; cat /dl/remote.txt; stat -c '%a' /dl/remote.txt"), 'in the tar\nfrom the url\n600\n');
    fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM busybox\nADD http://127.0.0.1:${port}/missing /x\n`);
    await rejects(buildWith(engine(), { context: dir }), /^Dockerfile:2: ADD failed: failed to GET http:\/\/127\.0\.0\.1:\d+\/missing with status 404/);
  } finally {
    server.close();
  }
});

test('ONBUILD triggers run in the build that uses the image as its base', async () => {
  const parent = makeContext({ Dockerfile: 'FROM busybox\nONBUILD COPY hello.txt /from-child/\nONBUILD RUN cat /from-child/hello.txt > /trigger-ran\n' });
  await buildWith(engine(), { context: parent, tags: ['onbuild-base'] });
  const child = makeContext({ Dockerfile: 'FROM onbuild-base\nCMD ["cat", "/trigger-ran"]\n', 'hello.txt': 'hi from the child' });
  const { result, output } = await buildWith(engine(), { context: child });
  assert.match(output, /# Executing 2 build triggers\n/);
  assert.is((await engine().run({ image: result.id, network: 'none', autoRemove: true })).stdout, 'hi from the child');
  assert.is(images(engine()).imageConfig(result.id).config!.OnBuild, undefined, 'triggers are not inherited further');
});

test('bad input: COPY outside the context or missing, unknown instruction, missing base', async () => {
  const cases: Array<[string, RegExp]> = [
    ['FROM busybox\nCOPY ../etc/passwd /x\n', /^Dockerfile:2: COPY failed: forbidden path outside the build context: \.\.\/etc\/passwd$/],
    ['FROM busybox\n\nCOPY nothere.txt /x\n', /^Dockerfile:3: COPY failed: file not found in build context or excluded by \.dockerignore: stat nothere\.txt: file does not exist$/],
    ['FROM busybox\nCOPY *.none /x/\n', /^Dockerfile:2: COPY failed: no source files were specified/],
    ['FROM busybox\nRUN true\nRUNN true\n', /^Dockerfile:3: unknown instruction: RUNN$/],
    ['FROM busybox\nEXPOSE eighty\n', /^Dockerfile:2: EXPOSE failed: invalid containerPort: eighty/],
    ['FROM no-such-image:1\n', /^Dockerfile:1: FROM failed: (No such image|pull access denied)/],
    ['FROM busybox\nCOPY --from=nostage /a /b\n', /^Dockerfile:2: COPY failed: (No such image|pull access denied)/],
  ];
  for (const [dockerfile, pattern] of cases) {
    const dir = makeContext({ Dockerfile: dockerfile });
    await rejects(buildWith(engine(), { context: dir, tags: ['never'] }), pattern, dockerfile);
  }
  await rejects(buildWith(engine(), { context: '/nonexistent-context' }), /unable to prepare context/);
  assert.is(images(engine()).find('never'), undefined);
  assert.equal(await engine().list(), []);
});

test('a failing RUN: its exit code, nothing tagged, earlier steps cached, no container left', async () => {
  const dir = makeContext({ Dockerfile: 'FROM busybox\nRUN echo ok > /ok\nRUN echo failing; exit 3\n' });
  const events: Parameters<typeof buildWith>[2] = [];
  const error = await rejects(buildWith(engine(), { context: dir, tags: ['failed'] }, events), /^The command '\/bin\/sh -c echo failing; exit 3' returned a non-zero code: 3$/);
  assert.instance(error, RunFailed);
  assert.is((error as RunFailed).exitCode, 3);
  assert.ok(events.some((e) => e.type === 'output' && e.data.toString() === 'failing\n'));
  assert.is(images(engine()).find('failed'), undefined);
  assert.equal(await engine().list(), []);
  const again: Parameters<typeof buildWith>[2] = [];
  await rejects(buildWith(engine(), { context: dir }, again), /returned a non-zero code: 3/);
  assert.equal(cachedSteps(again), [2]);
  assert.equal(await engine().list(), []);
});

test('an aborted build (Ctrl-C) stops the running step and removes its container', async () => {
  const dir = makeContext({ Dockerfile: 'FROM busybox\nRUN echo started; sleep 30\n' });
  const controller = new AbortController();
  const started = Date.now();
  const events: Parameters<typeof buildWith>[2] = [];
  const building = buildWith(engine(), { context: dir, signal: controller.signal }, events);
  const timer = setInterval(() => {
    if (events.some((e) => e.type === 'output')) controller.abort();
  }, 20);
  try {
    const error = await rejects(building, /build cancelled/);
    assert.instance(error, BuildAborted);
  } finally {
    clearInterval(timer);
  }
  assert.ok(Date.now() - started < 15_000);
  assert.equal(await engine().list(), []);
});

test.run();
