// A runc bundle for the spec tests: a rootfs holding the static busybox and
// its applet links, and a helper that runs `runc run` on a config.json and
// always deletes the container afterwards.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { OciSpec } from '../../../src/engine/runtime/oci-spec.js';

export const RUNC = '/usr/sbin/runc';
const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => fs.existsSync(p));
const APPLETS = ['sh', 'echo', 'cat', 'hostname', 'id', 'ls', 'touch', 'grep', 'wc', 'sleep', 'mount', 'ip'];

export function canRunRunc(): boolean {
  return fs.existsSync(RUNC) && BUSYBOX !== undefined && process.getuid?.() === 0;
}

/** <dir>/rootfs with /bin/busybox and links; returns the rootfs path. */
export function busyboxRootfs(dir: string): string {
  const rootfs = path.join(dir, 'rootfs');
  for (const sub of ['bin', 'proc', 'sys', 'dev', 'etc', 'tmp', 'mnt']) fs.mkdirSync(path.join(rootfs, sub), { recursive: true });
  fs.copyFileSync(BUSYBOX!, path.join(rootfs, 'bin', 'busybox'));
  fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of APPLETS) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  fs.writeFileSync(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  return rootfs;
}

export interface RuncResult { code: number | null; stdout: string; stderr: string }

function run(args: string[]): Promise<RuncResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(RUNC, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Writes config.json into `bundle` and runs it in the foreground; runc's state lives in `state`. */
export async function runcRun(bundle: string, state: string, id: string, spec: OciSpec): Promise<RuncResult> {
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
  try {
    return await run(['--root', state, 'run', '--bundle', bundle, id]);
  } finally {
    await run(['--root', state, 'delete', '-f', id]);
  }
}
