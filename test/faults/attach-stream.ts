// Issue 12 row 1: an attached `run` gets every byte of its output and the
// container's own exit code.  Before: `run --rm busybox sh -c "dd ... count=20
// | tr '\0' a; exit 3" | wc -c` gave 10,780,672 of 20,971,520 bytes and rc 0
// (the monitor dropped the client whose 4 MiB buffer was full, and the CLI
// took the end of the stream for a detach).  Now the monitor stops reading the
// container's output while the `run` client is behind (backpressure, as
// Docker), and the CLI takes the code from the exit file.
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BERTH_BIN, ok, removeAll } from '../_berth.js';

const stream = suite('attach: every byte, the real exit code');
stream.before(async () => { await ok(['pull', 'busybox'], { timeoutMs: 300_000 }); });
stream.after(removeAll);

const MB = 1024 * 1024;
const script = (mb: number) => `dd if=/dev/zero bs=1M count=${mb} 2>/dev/null | tr '\\0' a; exit 3`;

interface Counted { code: number; bytes: number; other: number; stderr: string }

/** Runs berth, counting stdout bytes; `slow` reads it in 256 KiB steps with a pause after each (a slow pipe). */
function counted(args: string[], slow: boolean, timeoutMs = 300_000): Promise<Counted> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--', BERTH_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0, other = 0, stepped = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      for (const b of d) if (b !== 0x61) other++;
      stepped += d.length;
      if (slow && stepped >= 256 * 1024) {
        stepped = 0;
        child.stdout.pause();
        setTimeout(() => child.stdout.resume(), 25);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timed out: ${bytes} bytes so far; ${stderr}`)); }, timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, bytes, other, stderr }); });
  });
}

for (const mb of [5, 20, 50]) {
  for (const slow of [false, true]) {
    stream(`run --rm, ${mb} MB to a ${slow ? 'slow' : 'fast'} reader: every byte, rc 3`, async () => {
      const r = await counted(['run', '--rm', 'busybox', 'sh', '-c', script(mb)], slow);
      assert.not.match(r.stderr, /Error/);
      assert.is(r.bytes, mb * MB, `${r.bytes} of ${mb * MB} bytes`);
      assert.is(r.other, 0);
      assert.is(r.code, 3);
    });
  }
}

stream('run -t, 20 MB to a slow reader: every byte, rc 3', async () => {
  const r = await counted(['run', '--rm', '-t', 'busybox', 'sh', '-c', script(20)], true);
  assert.is(r.bytes, 20 * MB, `${r.bytes} of ${20 * MB} bytes`);
  assert.is(r.other, 0);
  assert.is(r.code, 3);
});

stream('the json log keeps every byte too; stdout and stderr both complete', async () => {
  const r = await counted(['run', '--name', 'kept', 'busybox', 'sh', '-c', `dd if=/dev/zero bs=1M count=8 2>/dev/null | tr '\\0' a >&2; ${script(20)}`], true);
  assert.is(r.bytes, 20 * MB);
  assert.is(r.stderr.length, 8 * MB, 'stderr complete');
  assert.is(r.code, 3);
  const logged = await counted(['logs', 'kept'], false);
  assert.is(logged.bytes, 20 * MB, 'logs: stdout complete');
  assert.is(logged.stderr.length, 8 * MB, 'logs: stderr complete');
  assert.is((await ok(['inspect', '-f', '{{.State.ExitCode}}', 'kept'])).trim(), '3');
  await ok(['rm', 'kept']);
});

stream.run();
