// The `berth` command line: Docker's syntax, flags and exit codes, over the
// engine API.  Each command lives in commands/<name>.ts and registers itself
// here; the engine is opened only when a command needs it.
import { Command, CommanderError } from 'commander';
import { BerthError, explainSystemError, resolveSettings, type Engine, type DriverName, type Settings } from '../engine/index.js';
import { registerContainerCommands } from './commands/containers.js';
import { registerRunCommands } from './commands/run.js';
import { registerImageCommands } from './commands/images.js';
import { registerSystemCommands } from './commands/system.js';
import { registerInfoCommands } from './commands/info.js';
import { registerInspectCommands } from './commands/inspect.js';
import { registerStatsCommands } from './commands/stats.js';
import { registerDistributionCommands } from './commands/distribution.js';
import { registerHubCommands } from './commands/hub.js';
import { registerRegistryCommands } from './commands/registry.js';
import { registerBuildCommands } from './commands/build.js';
import { registerLearnCommands } from './commands/learn.js';
import { registerLessonCommands } from './commands/lesson.js';
import { dispatchToHost, registerHostCommands, trustHostRegistries } from './commands/host.js';
import { registerDeployCommands } from './commands/deploy.js';
import { registerBenchCommands } from './commands/bench.js';

export interface Cli {
  readonly program: Command;
  /**
   * The settings (engine/settings.ts), resolved once from the global flags,
   * the environment and the config file.  A command whose own flag is a
   * setting (`learn --hub`) gives it on the first call.
   */
  settings(commandFlags?: Partial<Settings>): Settings;
  /** opens the engine with the settings (once) */
  engine(): Promise<Engine>;
}

/**
 * Docker's exit codes: a command that could not be found or run in the
 * container is 127 or 126 whatever the berth command; other failures are 125
 * for the commands that run containers, 1 for the rest.
 */
const RUN_LIKE = new Set(['run', 'create', 'start']);

/** Docker accepts -n=2 for short flags; commander wants -n 2. */
export function normalizeArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of args) {
    const match = /^-([a-zA-Z])=(.*)$/s.exec(arg);
    if (match) out.push(`-${match[1]}`, match[2]!);
    else out.push(arg);
  }
  return out;
}

export function buildProgram(): Cli {
  const program = new Command('berth');
  let opened: Promise<Engine> | undefined;
  let resolved: Settings | undefined;
  program
    .description('A Docker 101 lab on a real container engine: images, containers, copy-on-write layers.')
    .usage('[OPTIONS] COMMAND')
    .option('--root <dir>', 'state directory (default $BERTH_ROOT or /var/lib/berth)')
    .option('-s, --storage-driver <name>', 'storage driver: overlay, btrfs or vfs (default: the one the state root uses, else overlay)')
    .option('--host <name>', 'run the command on a host made by `berth host create` (its engine, in its network namespace)')
    .version('berth version 0.1.0', '-v, --version', 'print the version and exit')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .exitOverride();
  const cli: Cli = {
    program,
    settings: (commandFlags = {}) => {
      const { root, storageDriver } = program.opts<{ root?: string; storageDriver?: DriverName }>();
      resolved ??= trustHostRegistries(resolveSettings({ flags: { ...commandFlags, root, storageDriver } }));
      return resolved;
    },
    engine: () => {
      opened ??= (async () => {
        const { Engine, requireRoot } = await import('../engine/index.js');
        requireRoot(); // before the settings: an unreadable config file is not what a non-root user needs to hear
        return Engine.open(cli.settings());
      })();
      return opened;
    },
  };
  registerRunCommands(cli);
  registerContainerCommands(cli);
  registerImageCommands(cli);
  registerInspectCommands(cli);
  registerStatsCommands(cli);
  registerDistributionCommands(cli);
  registerHubCommands(cli);
  registerRegistryCommands(cli);
  registerBuildCommands(cli);
  registerLearnCommands(cli);
  registerLessonCommands(cli);
  registerHostCommands(cli);
  registerDeployCommands(cli);
  registerBenchCommands(cli);
  registerInfoCommands(cli);
  registerSystemCommands(cli);
  // Docker-style help: commands listed by name, everything within 80 columns.
  const help = { helpWidth: 80, sortOptions: false, subcommandTerm: (command: Command) => command.name() };
  program.configureHelp(help);
  for (const command of program.commands) {
    command.exitOverride();
    command.configureHelp(help);
    for (const sub of command.commands) sub.configureHelp(help);
  }
  return cli;
}

function commandName(args: readonly string[]): string {
  // Skip the values of global options: `berth --root DIR run ...` is a run.
  const valued = new Set(['--root', '-s', '--storage-driver', '--host']);
  return args.find((a, i) => !a.startsWith('-') && !valued.has(args[i - 1] ?? '')) ?? '';
}

export async function main(argv: string[]): Promise<void> {
  const args = normalizeArgs(argv);
  const { program } = buildProgram();
  if (args.length === 0) {
    program.outputHelp();
    return;
  }
  const name = commandName(args);
  try {
    const onHost = await dispatchToHost(args);
    if (onHost !== undefined) {
      process.exitCode = onHost;
      return;
    }
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    process.exitCode = exitCodeFor(error, name);
  }
}

function exitCodeFor(error: unknown, name: string): number {
  if (error instanceof CommanderError) {
    // --help and --version end here too, with code 0.
    if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
    process.stderr.write(`See 'berth ${name ? `${name} ` : ''}--help'.\n`);
    return 125;
  }
  if (error instanceof BerthError) {
    process.stderr.write(`${RUN_LIKE.has(name) ? 'berth: ' : ''}Error: ${error.message}\n`);
    if (error.exitCode === 126 || error.exitCode === 127) return error.exitCode;
    return RUN_LIKE.has(name) ? error.exitCode : 1;
  }
  const message = explainSystemError(error);
  process.stderr.write(`Error: ${message}\n`);
  if (process.env.BERTH_DEBUG) console.error(error);
  return RUN_LIKE.has(name) ? 125 : 1;
}
