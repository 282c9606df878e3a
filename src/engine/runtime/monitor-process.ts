// Starts berth-monitor for a container and waits for its ready line
// (native/include/protocol.h, section 2).  The monitor is detached: it
// outlives this process, which is what keeps a `run -d` container running
// with no daemon.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BerthError } from '../errors.js';
import { NATIVE_BUILD } from '../sys.js';
import { SPEC_FILE, encodeSpec } from './protocol.js';
import type { Started } from './driver.js';

export const MONITOR_BIN = path.join(NATIVE_BUILD, 'berth-monitor');
export const EXEC_BIN = path.join(NATIVE_BUILD, 'berth-exec');

export async function startMonitor(dir: string, records: ReadonlyArray<readonly [string, string | number]>): Promise<Started> {
  fs.writeFileSync(path.join(dir, SPEC_FILE), encodeSpec(records));
  const child = spawn(MONITOR_BIN, [dir], { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const ready = child.stdio[3]!;
  let line = '';
  const text = await new Promise<string>((resolve, reject) => {
    child.once('error', (error) => reject(new BerthError('internal', `cannot start ${MONITOR_BIN}: ${error.message} (run npm run build)`, { cause: error })));
    ready.on('data', (chunk: Buffer) => (line += chunk.toString()));
    ready.on('close', () => resolve(line));
  });
  const match = /^ok (\d+)\n?$/.exec(text);
  if (match) {
    // The container runs on without us: let this process exit when its work is done.
    child.unref();
    (ready as unknown as { unref?: () => void }).unref?.();
    return { pid: Number(match[1]), monitorPid: child.pid! };
  }
  // The monitor failed before the process started; reap it so no zombie stays.
  // (Still referenced: an unref'd child's exit would not keep Node alive to see it.)
  await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
  const message = text.startsWith('error ') ? text.slice(6).trim() : `the monitor exited without a ready line (${text.trim() || 'no output'})`;
  throw new BerthError('internal', `failed to create the container: ${message}`);
}
