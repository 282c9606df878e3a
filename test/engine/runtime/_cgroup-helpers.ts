// Runs a shell script that first moves itself into a cgroup (the way a
// container's init joins: its pid into each cgroup.procs), so the tests
// exercise the kernel's enforcement on real processes.
import { spawn } from 'node:child_process';
import type { Cgroup } from '../../../src/engine/runtime/cgroups.js';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** sh -c "join; <script>", resolved when sh exits (its background children may live on). */
export function runInCgroup(cg: Cgroup, script: string): Promise<Finished> {
  const join = cg.procsFiles.map((file) => `echo $$ > ${quote(file)} || exit 99;`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `${join} ${script}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
