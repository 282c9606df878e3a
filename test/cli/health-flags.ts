// The health, restart and stop flags of run/create as a user types them, and
// a Dockerfile's HEALTHCHECK and STOPSIGNAL: ps's STATUS, inspect's
// State.Health, RestartCount and RestartPolicy, Docker's merge and errors.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { berth, ok, removeAll } from '../_berth.js';
import { eventually, tempDir } from '../_helpers.js';

const test = suite('cli: health, restart and stop flags');

test.before(async () => {
  await ok(['pull', 'busybox']);
});
test.after(async () => {
  await removeAll();
});

/** ps's STATUS column for one container. */
const psStatus = async (name: string) => (await ok(['ps', '-a', '--format', '{{.Names}}|{{.Status}}'])).split('\n').find((l) => l.startsWith(`${name}|`))?.slice(name.length + 1) ?? '';
const inspect = async (name: string, format: string) => (await ok(['inspect', '-f', format, name])).trim();

test('--health-cmd exit 1: ps shows (unhealthy), inspect .State.Health has the status and the log', async () => {
  await ok(['run', '-d', '--name', 'sick', '--health-cmd', 'exit 1', '--health-interval', '200ms', '--health-retries', '2', 'busybox', 'sleep', '60']);
  await ok(['run', '-d', '--name', 'fine', '--health-cmd', 'echo fine', '--health-interval', '200ms', 'busybox', 'sleep', '60']);
  await ok(['run', '-d', '--name', 'slow', '--health-cmd', 'true', '--health-interval', '1h', 'busybox', 'sleep', '60']);
  await eventually(async () => /\(unhealthy\)/.test(await psStatus('sick')), 10_000, 'sick to be unhealthy');
  await eventually(async () => /\(healthy\)/.test(await psStatus('fine')), 10_000, 'fine to be healthy');
  assert.match(await psStatus('slow'), /Up .*\(health: starting\)/);
  assert.is(await inspect('sick', '{{.State.Health.Status}}'), 'unhealthy');
  const log = JSON.parse(await inspect('sick', '{{json .State.Health.Log}}')) as Array<{ ExitCode: number; Start: string; End: string; Output: string }>;
  assert.ok(log.length >= 2);
  assert.is(log[0]!.ExitCode, 1);
  const fine = JSON.parse(await inspect('fine', '{{json .State.Health}}')) as { Status: string; FailingStreak: number; Log: Array<{ Output: string }> };
  assert.is(fine.Status, 'healthy');
  assert.is(fine.FailingStreak, 0);
  assert.is(fine.Log.at(-1)!.Output, 'fine\n');
  const config = JSON.parse(await inspect('sick', '{{json .Config.Healthcheck}}'));
  assert.equal(config, { Test: ['CMD-SHELL', 'exit 1'], Interval: 200_000_000, Retries: 2 });
  await ok(['rm', '-f', 'sick', 'fine', 'slow']);
});

test("a Dockerfile's HEALTHCHECK and STOPSIGNAL are used; flags override field by field; --no-healthcheck disables", async () => {
  const dir = tempDir('health-build-');
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\nHEALTHCHECK --interval=200ms --retries=1 CMD ["sh", "-c", "test -e /tmp/ok"]\nSTOPSIGNAL SIGUSR1\n');
  await ok(['build', '-q', '-t', 'probed', dir]);
  await ok(['run', '-d', '--name', 'img', 'probed', 'sh', '-c', 'trap "exit 0" USR1; touch /tmp/ok; while :; do sleep 0.1; done']);
  await eventually(async () => /\(healthy\)/.test(await psStatus('img')), 10_000, 'the image health check to pass');
  assert.is(await inspect('img', '{{.Config.StopSignal}}'), 'SIGUSR1');
  await ok(['stop', 'img']);
  assert.is(await inspect('img', '{{.State.ExitCode}}'), '0', 'SIGUSR1 reached the trap');
  // --health-retries only: the image's Test and interval stay
  await ok(['run', '-d', '--name', 'merged', '--health-retries', '5', 'probed', 'sleep', '60']);
  assert.equal(JSON.parse(await inspect('merged', '{{json .Config.Healthcheck}}')), { Test: ['CMD', 'sh', '-c', 'test -e /tmp/ok'], Interval: 200_000_000, Retries: 5 });
  await ok(['run', '-d', '--name', 'off', '--no-healthcheck', 'probed', 'sleep', '60']);
  // Docker's merge still fills the other fields from the image; Test NONE turns it off.
  assert.equal(JSON.parse(await inspect('off', '{{json .Config.Healthcheck.Test}}')), ['NONE']);
  assert.not.match(await psStatus('off'), /health/);
  assert.is(await inspect('off', '{{json .State.Health}}'), 'null');
  await ok(['rm', '-f', 'img', 'merged', 'off']);
  await ok(['rmi', 'probed']);
});

test('--restart on-failure:2: RestartCount 2 and the policy in inspect; --stop-timeout in Config', async () => {
  await ok(['run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', '--stop-timeout', '3', 'busybox', 'sh', '-c', 'exit 1']);
  assert.is((await ok(['wait', 'flaky'])).trim(), '1');
  assert.is(await inspect('flaky', '{{.RestartCount}}'), '2');
  assert.equal(JSON.parse(await inspect('flaky', '{{json .HostConfig.RestartPolicy}}')), { Name: 'on-failure', MaximumRetryCount: 2 });
  assert.is(await inspect('flaky', '{{.Config.StopTimeout}}'), '3');
  assert.match(await psStatus('flaky'), /Exited \(1\)/);
  await ok(['rm', 'flaky']);
});

test('bad values: Docker-style errors, exit 125, nothing created', async () => {
  const before = await ok(['ps', '-aq']);
  const cases: Array<[string[], RegExp]> = [
    [['--health-interval', 'soon'], /invalid argument "soon" for "--health-interval" flag/],
    [['--health-retries', 'x'], /invalid argument "x" for "--health-retries" flag/],
    [['--health-retries', '-1'], /--health-retries cannot be negative/],
    [['--no-healthcheck', '--health-cmd', 'true'], /--no-healthcheck conflicts with --health-\* options/],
    [['--restart', 'sometimes'], /invalid restart policy format/],
    [['--restart', 'always:2'], /maximum retry count can only be used with 'on-failure'/],
    [['--restart', 'always', '--rm'], /Conflicting options: --restart and --rm/],
    [['--restart', 'always', '--runtime', 'runc'], /not supported with --runtime runc/],
    [['--stop-signal', 'SIGNOPE'], /invalid signal: SIGNOPE/],
    [['--stop-timeout', 'x'], /invalid argument "x" for "--stop-timeout" flag/],
  ];
  for (const [flags, pattern] of cases) {
    const result = await berth(['run', '-d', ...flags, 'busybox', 'true']);
    assert.is(result.code, 125, `${flags.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, pattern);
  }
  assert.is(await ok(['ps', '-aq']), before);
});

test.run();
