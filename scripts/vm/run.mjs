#!/usr/bin/env node
// Runs test files in a cgroup v2 VM, the kind of machine learners have:
//
//   npm run test:vm -- engine/runtime/cgroups [more substrings]
//   node scripts/vm/run.mjs --sh 'berth info'     any shell job (cwd: the checkout)
//
// The VM is built on first use (scripts/vm/image.mjs, cached), booted under
// TCG with no network, runs `node scripts/test.mjs <substrings>` on the
// checkout, shows the console as it comes and exits with the job's code.
import { runInVm } from './boot.mjs';
import { missingTools } from './image.mjs';

const args = process.argv.slice(2);
const quote = (text) => `'${text.replace(/'/g, `'\\''`)}'`;
const job = args[0] === '--sh'
  ? args.slice(1).join(' ')
  : `node scripts/test.mjs ${args.map(quote).join(' ')}`;

const missing = await missingTools();
if (missing.length > 0) {
  console.error(`berth-vm: cannot build the VM: ${missing.join('; ')} (bash scripts/setup.sh installs them)`);
  process.exit(2);
}
const result = await runInVm(job, { onOutput: (text) => process.stdout.write(text) });
console.log(`berth-vm: ${result.timedOut ? 'timed out' : `exit code ${result.code}`}; job started ${result.bootSeconds ?? '?'} s after power-on, ran ${result.jobSeconds ?? '?'} s`);
process.exit(result.code);
