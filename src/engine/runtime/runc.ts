// The OCI runtime: the same bundle run by runc, for comparison (the seed
// talk's "native and LXC execution drivers", in today's terms).  runc runs as
// the container process of berth's monitor (mode "command"), so logs, attach
// and the exit file work exactly as with the native runtime.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KEY } from './protocol.js';
import { startMonitor } from './monitor-process.js';
import { monitorRecords } from './native.js';
import { BerthError } from '../errors.js';
import type { BundleFiles, ExecOptions, Runtime, StartOptions, Started } from './driver.js';

const run = promisify(execFile);

function runcBinary(): string | undefined {
  for (const candidate of ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc', '/usr/local/bin/runc']) {
    if (spawnSync(candidate, ['--version']).status === 0) return candidate;
  }
  return undefined;
}

/** Polls `runc state` until the container runs; returns its init pid (undefined if it exited first). */
async function waitForRunning(runc: string, root: string, id: string, monitorPid: number, dir: string): Promise<number | undefined> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      const { stdout } = await run(runc, ['--root', root, 'state', id]);
      const state = JSON.parse(stdout) as { status: string; pid: number };
      if (state.status === 'running') return state.pid;
      if (state.status === 'stopped') return undefined;
    } catch {
      // not created yet
    }
    try {
      if (!fs.readFileSync(`/proc/${monitorPid}/cmdline`, 'utf8').includes(dir)) return undefined;
    } catch {
      return undefined; // the monitor is gone: runc failed, the exit file says why
    }
    await sleep(5);
  }
  throw new BerthError('internal', `runc did not start container ${id} within 10 seconds`);
}

export function makeRuncRuntime(stateRoot: string): Runtime {
  const root = path.join(stateRoot, 'runc');
  let binary: string | undefined;
  const bin = () => (binary ??= runcBinary());
  return {
    name: 'runc',
    check() {
      if (!bin()) throw new BerthError('permission', 'the runc runtime needs runc: install it (apt-get install runc) or use --runtime native');
    },
    async start(bundle: BundleFiles, options: StartOptions): Promise<Started> {
      this.check();
      if (options.restart && options.restart.name !== 'no') {
        throw new BerthError('invalid', `restart policies are not supported with --runtime runc (runc run --keep cannot run the same container twice): use --runtime native or --restart no`);
      }
      const records: Array<readonly [string, string | number]> = [[KEY.MODE, 'command']];
      for (const arg of [bin()!, '--root', root, 'run', '--keep', '--bundle', bundle.dir, bundle.id]) records.push([KEY.ARG, arg]);
      // A probe runs on the host as `runc exec`, which enters the container itself.
      records.push(...monitorRecords(bundle, options, (cmd) => ({ argv: [bin()!, '--root', root, 'exec', bundle.id, ...cmd], onHost: true })));
      const started = await startMonitor(bundle.dir, records);
      // The monitor is up once runc is forked, but runc needs a moment more to
      // create the container; commands issued right after (exec, kill) must
      // find it.  A foreground run holds runc until it attaches: no wait then.
      if (options.waitAttach) return started;
      const pid = await waitForRunning(bin()!, root, bundle.id, started.monitorPid, bundle.dir);
      return { ...started, pid: pid ?? started.pid };
    },
    async kill(bundle: BundleFiles, _pid: number, signal: NodeJS.Signals | number) {
      const name = typeof signal === 'number' ? String(signal) : signal.replace(/^SIG/, '');
      try {
        await run(bin()!, ['--root', root, 'kill', bundle.id, name]);
      } catch (error) {
        const stderr = String((error as { stderr?: string }).stderr ?? '');
        if (!/not running|does not exist|container not running/.test(stderr)) throw new BerthError('internal', `runc kill ${bundle.id}: ${stderr.trim()}`);
      }
    },
    exec(bundle: BundleFiles, _pid: number, o: ExecOptions): ChildProcess {
      const args = ['--root', root, 'exec', '--user', `${o.uid}:${o.gid}`, '--cwd', o.cwd];
      for (const gid of o.additionalGids) args.push('--additional-gids', String(gid));
      for (const env of o.env) args.push('--env', env);
      if (o.tty) args.push('--tty');
      args.push(bundle.id, ...o.args);
      return spawn(bin()!, args, { stdio: o.stdio });
    },
    async cleanup(bundle: BundleFiles) {
      if (!bin()) return;
      await run(bin()!, ['--root', root, 'delete', '--force', bundle.id]).catch(() => undefined);
    },
  };
}
