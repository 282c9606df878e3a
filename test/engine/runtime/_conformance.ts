// One suite every runtime passes (native, runc): the same bundle must behave
// the same whoever runs it.  A runtime's own test file calls runtimeConformance().
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Engine } from '../../../src/engine/engine.js';
import type { RuntimeName } from '../../../src/engine/runtime/driver.js';

export function runtimeConformance(runtime: RuntimeName): void {
  const test = suite(`runtime conformance: ${runtime}`);
  let engine: Engine;
  const run = (cmd: string[], extra: Record<string, unknown> = {}) => engine.run({ image: 'busybox', cmd, runtime, autoRemove: true, ...extra });

  test.before(async () => {
    engine = await Engine.open({ runtime });
  });
  test.after(async () => {
    for (const c of await engine.list()) await engine.remove(c.id, { force: true });
    await engine.shutdown();
  });

  test('output, exit code, pid 1 and hostname', async () => {
    const result = await run(['sh', '-c', 'echo out; echo err >&2; echo $$; hostname; exit 5'], { hostname: 'conformance' });
    assert.is(result.stdout, 'out\n1\nconformance\n');
    assert.is(result.stderr, 'err\n');
    assert.is(result.exitCode, 5);
  });

  test('user, env and working directory', async () => {
    const result = await run(['sh', '-c', 'id -u; echo $A; pwd'], { user: 'daemon', env: ['A=b'], workingDir: '/tmp' });
    assert.is(result.stdout, '1\nb\n/tmp\n');
  });

  test('no CAP_SYS_ADMIN, and loopback is up in a new network namespace', async () => {
    const result = await run(['sh', '-c', 'mount -t tmpfs none /mnt 2>/dev/null && echo mounted; ping -c1 -W2 127.0.0.1 >/dev/null && echo pong']);
    assert.is(result.stdout, 'pong\n');
  });

  test('detached, exec, stop with SIGKILL after the timeout', async () => {
    const c = await engine.create({ image: 'busybox', cmd: ['sleep', '60'], runtime });
    await engine.start(c.id);
    const { process: child } = await engine.exec(c.id, { args: ['sh', '-c', 'hostname; exit 3'], stdio: 'pipe' });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    assert.is(await new Promise((r) => child.on('exit', r)), 3);
    assert.is(out.trim(), c.id.slice(0, 12));
    const stopped = await engine.stop(c.id, 1);
    assert.is(stopped.state.status, 'exited');
    assert.is(stopped.state.exitCode, 137);
    await engine.remove(c.id);
  });

  test('a memory limit is enforced and the OOM kill reported', async () => {
    const result = await engine.run({ image: 'busybox', cmd: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=100M', 'count=1'], runtime, memory: 32 * 1024 * 1024 });
    assert.is(result.exitCode, 137);
    assert.is((await engine.inspect(result.id)).state.oomKilled, true);
    await engine.remove(result.id);
  });

  test.run();
}
