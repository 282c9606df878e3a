// The OCI runtime: the same bundle run by runc, for comparison (the seed
// talk's "native and LXC execution drivers", in today's terms).  runc runs as
// the container process of berth's monitor (mode "command"), so logs, attach
// and the exit file work exactly as with the native runtime.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
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
      const records: Array<readonly [string, string | number]> = [[KEY.MODE, 'command']];
      for (const arg of [bin()!, '--root', root, 'run', '--keep', '--bundle', bundle.dir, bundle.id]) records.push([KEY.ARG, arg]);
      records.push(...monitorRecords(bundle, options));
      return startMonitor(bundle.dir, records);
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
      if (o.additionalGids.length) args.push('--additional-gids', o.additionalGids.join(','));
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
