// version, system df, system prune, and the hidden `system reconcile`
// that a detached container's monitor runs when it exits.
import readline from 'node:readline/promises';
import type { Cli } from '../program.js';
import { BerthError, Engine, humanSize, SERVER_VERSION } from '../../engine/index.js';
import { table } from '../output.js';

const VERSION = SERVER_VERSION;

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${question} [y/N] `);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

export function registerSystemCommands(cli: Cli): void {
  const { program } = cli;

  program
    .command('version')
    .description('Show the berth version information')
    .action(() => {
      console.log([
        'Client:',
        ` Version:    ${VERSION}`,
        ` Node.js:    ${process.version}`,
        ` OS/Arch:    linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
        '',
        'Engine (daemonless, in-process):',
        ` Version:    ${VERSION}`,
        ' Runtimes:   native, runc',
      ].join('\n'));
    });

  const system = program.command('system').description('Manage berth');

  system
    .command('df')
    .description('Show berth disk usage')
    .action(async () => {
      const engine = await cli.engine();
      const usage = await engine.diskUsage();
      const pct = (part: number, whole: number) => (whole ? ` (${Math.round((part / whole) * 100)}%)` : '');
      console.log(table(['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'], [
        ['Images', String(usage.images.total), String(usage.images.active), humanSize(usage.images.size), `${humanSize(usage.images.reclaimable)}${pct(usage.images.reclaimable, usage.images.size)}`],
        ['Containers', String(usage.containers.total), String(usage.containers.active), humanSize(usage.containers.size), `${humanSize(usage.containers.reclaimable)}${pct(usage.containers.reclaimable, usage.containers.size)}`],
        ['Local Volumes', '0', '0', '0B', '0B'],
        ['Build Cache', '0', '0', '0B', '0B'],
      ]));
    });

  system
    .command('prune')
    .description('Remove stopped containers and dangling images (all unused images with -a)')
    .option('-a, --all', 'remove all unused images, not just dangling ones')
    .option('-f, --force', 'do not prompt for confirmation')
    .action(async (flags: { all?: boolean; force?: boolean }) => {
      const engine = await cli.engine();
      const what = flags.all ? 'all images without at least one container associated to them' : 'all dangling images';
      if (!flags.force && !(await confirm(`WARNING! This will remove:\n  - all stopped containers\n  - ${what}\n\nAre you sure you want to continue?`))) {
        throw new BerthError('invalid', 'prune cancelled (use -f to prune without a prompt)');
      }
      const result = await engine.prune(flags.all);
      if (result.containers.length) console.log(`Deleted Containers:\n${result.containers.join('\n')}\n`);
      if (result.images.untagged.length || result.images.deleted.length) {
        console.log(`Deleted Images:\n${[...result.images.untagged.map((t) => `untagged: ${t}`), ...result.images.deleted.map((d) => `deleted: ${d}`)].join('\n')}\n`);
      }
      console.log(`Total reclaimed space: ${humanSize(result.reclaimed)}`);
    });

  system
    .command('reconcile', { hidden: true })
    .description('Finish containers that exited (run by a container monitor at exit)')
    .argument('[container]')
    .action(async (name?: string) => {
      // Run by a monitor at exit: when the container was removed meanwhile
      // (rm -f), there is nothing to do, and opening the engine would only
      // recreate a state root that may have just been deleted.
      if (!Engine.stateExists(cli.settings(), name)) return;
      const engine = await cli.engine();
      await engine.reconcile(name);
    });
}
