// The job disk of one VM run: the berth checkout (what runs: the compiled
// code, the native build, node_modules, lessons, and the TypeScript sources
// scripts/test.mjs looks for) and run.sh, the job.  The VM's init runs
// run.sh (in the checkout) and writes the job's exit code back (exit-code).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';

const here = path.dirname(new URL(import.meta.url).pathname);
export const CHECKOUT = path.resolve(here, '..', '..');
/** The checkout's parts the VM needs; dist/ and native/build/ must be built (npm run build). */
const PARTS = ['package.json', 'bin', 'dist', 'native/build', 'node_modules', 'lessons', 'scripts', 'src', 'test'];

/** Makes the job disk in `dir` (job.ext4) with the checkout under /berth and `script` in /run.sh (run in /berth); returns its path. */
export async function makeJobDisk(dir, script) {
  for (const built of ['dist', 'native/build']) {
    if (!fs.existsSync(path.join(CHECKOUT, built))) throw new Error(`${built}/ is missing: build first (npm run build)`);
  }
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-vm-job-'));
  try {
    for (const part of PARTS) {
      const from = path.join(CHECKOUT, part);
      if (!fs.existsSync(from)) continue;
      fs.mkdirSync(path.dirname(path.join(stage, 'berth', part)), { recursive: true });
      await $({ quiet: true })`cp -a ${from} ${path.join(stage, 'berth', part)}`;
    }
    // The job runs in the checkout, its bin/ (berth) on the PATH.
    fs.writeFileSync(path.join(stage, 'run.sh'), `#!/bin/sh\ncd berth || exit 125\nexport PATH="$PWD/bin:$PATH"\n${script}\n`, { mode: 0o755 });
    const used = Number((await $({ quiet: true })`du -sm ${stage}`).stdout.split('\t')[0]);
    const disk = path.join(dir, 'job.ext4');
    // Room to spare for what the job writes back (its exit code, logs it keeps).
    await $({ quiet: true })`mkfs.ext4 -q -F -L berth-job -d ${stage} ${disk} ${`${Math.ceil(used * 1.3) + 256}M`}`;
    return disk;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

/** The job's exit code as the VM wrote it to the disk (read with debugfs: no mount needed); undefined when it never got there. */
export async function jobExitCode(disk) {
  const read = await $({ quiet: true, nothrow: true })`debugfs -R ${'cat /exit-code'} ${disk}`;
  const code = /^\s*(\d+)\s*$/.exec(read.stdout)?.[1];
  return code === undefined ? undefined : Number(code);
}
