// `run` and `create`: the same flags as Docker's, turned into CreateOptions.
import fs from 'node:fs';
import { Command, Option } from 'commander';
import type { Cli } from '../program.js';
import { invalid, parseBytes, parseCpus, type CreateOptions, type NetworkMode, type RuntimeName, parsePortSpec, parseDuration } from '../../engine/index.js';
import { runAttached } from '../attach-session.js';
import { transferPrinter } from '../progress/index.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface RunFlags {
  detach?: boolean;
  interactive?: boolean;
  tty?: boolean;
  name?: string;
  rm?: boolean;
  env?: string[];
  envFile?: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  entrypoint?: string;
  volume?: string[];
  memory?: string;
  cpus?: string;
  pidsLimit?: string;
  network?: string;
  runtime?: RuntimeName;
  label?: string[];
  publish?: string[];
  publishAll?: boolean;
  healthCmd?: string;
  healthInterval?: string;
  healthRetries?: string;
  healthTimeout?: string;
  healthStartPeriod?: string;
  /** false with --no-healthcheck */
  healthcheck?: boolean;
  stopSignal?: string;
  stopTimeout?: string;
  restart?: string;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
  device?: string[];
  readOnly?: boolean;
  logOpt?: string[];
  logDriver?: string;
}

function addCreateFlags(command: Command): Command {
  return command
    .helpOption('--help', 'show help for this command')
    .option('-i, --interactive', 'keep STDIN open even if not attached')
    .option('-t, --tty', 'allocate a pseudo-TTY')
    .option('--name <name>', 'assign a name to the container')
    .option('--rm', 'automatically remove the container when it exits')
    .option('-e, --env <K=V>', 'set environment variables (repeatable)', collect)
    .option('--env-file <file>', 'read in a file of environment variables (repeatable)', collect)
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user>', 'username or UID (format: <name|uid>[:<group|gid>])')
    .option('-h, --hostname <name>', 'container host name')
    .option('--entrypoint <command>', "overwrite the default ENTRYPOINT of the image")
    .option('-v, --volume <host:container[:ro]>', 'bind mount a volume (repeatable)', collect)
    .option('-m, --memory <bytes>', 'memory limit (e.g. 512m)')
    .option('--cpus <number>', 'number of CPUs (e.g. 0.5)')
    .option('--pids-limit <n>', 'tune container pids limit (-1 for unlimited)')
    .option('--net, --network <mode>', 'network: bridge (default), none, host or container:<name|id>', 'bridge')
    .option('-p, --publish <spec>', 'publish a port: [ip:]host:container[/proto] (repeatable)', collect)
    .option('-P, --publish-all', 'publish every exposed port on a random host port')
    .addOption(new Option('--runtime <name>', 'runtime: native (berth\'s own) or runc').choices(['native', 'runc']))
    .option('-l, --label <k=v>', 'set metadata on the container (repeatable)', collect)
    .option('--health-cmd <command>', 'command to run to check health (run by the container\'s monitor)')
    .option('--health-interval <duration>', 'time between running the check (ms|s|m|h) (default 30s)')
    .option('--health-retries <n>', 'consecutive failures needed to report unhealthy (default 3)')
    .option('--health-timeout <duration>', 'maximum time to allow one check to run (ms|s|m|h) (default 30s)')
    .option('--health-start-period <duration>', 'start period for the container to initialize before failures count (ms|s|m|h) (default 0s)')
    .option('--no-healthcheck', 'disable any container-specified HEALTHCHECK')
    .option('--stop-signal <signal>', 'signal to stop the container (default: the image\'s STOPSIGNAL, else SIGTERM)')
    .option('--stop-timeout <seconds>', 'timeout (in seconds) to stop a container (default 10)')
    .option('--restart <policy>', 'restart policy: no, on-failure[:max-retries], always, unless-stopped', 'no')
    .option('--privileged', 'give extended privileges to this container (all capabilities and devices, no seccomp)')
    .option('--cap-add <cap>', 'add a Linux capability, e.g. NET_ADMIN, or ALL (repeatable)', collect)
    .option('--cap-drop <cap>', 'drop a Linux capability, e.g. NET_RAW, or ALL (repeatable)', collect)
    .option('--security-opt <opt>', 'seccomp=unconfined|PROFILE.json, no-new-privileges[=true|false] (repeatable)', collect)
    .option('--device <host[:container[:rwm]]>', 'add a host device to the container (repeatable)', collect)
    .option('--read-only', "mount the container's root filesystem as read only")
    .option('--log-driver <driver>', 'logging driver for the container (berth: json-file only)', 'json-file')
    .option('--log-opt <opt>', 'json-file log options, repeatable: max-size=SIZE (k, m, g; default 20m), max-file=N (default 5): the log is rotated into N files of at most SIZE', collect)
    .argument('<image>', 'the image to run')
    .argument('[command...]', 'command and arguments (default: the image\'s CMD)')
    .passThroughOptions();
}

/** --env-file: KEY=VALUE lines; "#" comments and blank lines skipped; a bare KEY takes the caller's value. */
export function readEnvFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw invalid(`open ${file}: no such file or directory`);
  }
  return text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() && !l.trimStart().startsWith('#'));
}

function wholeNumber(text: string, flag: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw invalid(`invalid argument "${text}" for "${flag}" flag: use a whole number`);
  return Number(text);
}

export function createOptions(image: string, command: string[], flags: RunFlags): CreateOptions {
  const labels: Record<string, string> = {};
  for (const label of flags.label ?? []) {
    const [key, ...rest] = label.split('=');
    labels[key!] = rest.join('=');
  }
  return {
    image,
    cmd: command,
    name: flags.name,
    entrypoint: flags.entrypoint,
    env: [...(flags.envFile ?? []).flatMap(readEnvFile), ...(flags.env ?? [])],
    workingDir: flags.workdir,
    user: flags.user,
    hostname: flags.hostname,
    tty: flags.tty,
    interactive: flags.interactive,
    binds: flags.volume,
    memory: flags.memory !== undefined ? parseBytes(flags.memory) : undefined,
    cpus: flags.cpus !== undefined ? parseCpus(flags.cpus) : undefined,
    pidsLimit: flags.pidsLimit !== undefined ? Number.parseInt(flags.pidsLimit, 10) : undefined,
    network: flags.network as NetworkMode,
    ports: (flags.publish ?? []).flatMap(parsePortSpec),
    publishAll: flags.publishAll,
    autoRemove: flags.rm,
    runtime: flags.runtime,
    labels,
    health: {
      cmd: flags.healthCmd,
      intervalMs: flags.healthInterval !== undefined ? parseDuration(flags.healthInterval, '--health-interval') : undefined,
      timeoutMs: flags.healthTimeout !== undefined ? parseDuration(flags.healthTimeout, '--health-timeout') : undefined,
      startPeriodMs: flags.healthStartPeriod !== undefined ? parseDuration(flags.healthStartPeriod, '--health-start-period') : undefined,
      retries: flags.healthRetries !== undefined ? wholeNumber(flags.healthRetries, '--health-retries') : undefined,
      disable: flags.healthcheck === false,
    },
    stopSignal: flags.stopSignal,
    stopTimeout: flags.stopTimeout !== undefined ? wholeNumber(flags.stopTimeout, '--stop-timeout') : undefined,
    restart: flags.restart,
    security: {
      privileged: flags.privileged,
      capAdd: flags.capAdd,
      capDrop: flags.capDrop,
      securityOpt: flags.securityOpt,
      devices: flags.device,
      readOnly: flags.readOnly,
    },
    logOpts: flags.logOpt,
    logDriver: flags.logDriver,
  };
}

/** An image pulled by run or create: its progress on stderr, as Docker's. */
const progress = () => transferPrinter(process.stderr);

/**
 * Docker's CheckTty: a container tty fed from our stdin needs our stdin to be
 * a terminal (a pipe or a file would feed a shell that never sees an end, and
 * no terminal of ours to set raw).  Says so on stderr, exit code 1, and
 * returns true; the caller then creates and starts nothing.
 */
export function refuseTty(attachStdin: boolean | undefined, tty: boolean | undefined): boolean {
  if (!attachStdin || !tty || process.stdin.isTTY) return false;
  process.stderr.write('the input device is not a TTY\n');
  process.exitCode = 1;
  return true;
}

export function registerRunCommands(cli: Cli): void {
  addCreateFlags(
    cli.program
      .command('run')
      .description('Create and run a new container from an image')
      .option('-d, --detach', 'run the container in the background and print its ID'),
  ).action(async (image: string, command: string[], flags: RunFlags) => {
    // -it on a pipe or a file: refused before anything is made, as Docker does.
    if (!flags.detach && refuseTty(flags.interactive, flags.tty)) return;
    const engine = await cli.engine();
    const record = await engine.create(createOptions(image, command, flags), progress());
    if (flags.detach) {
      await engine.start(record.id);
      console.log(record.id);
      return;
    }
    process.exitCode = await runAttached(engine, record, { start: true, stdin: flags.interactive ?? false });
  });

  addCreateFlags(cli.program.command('create').description('Create a new container')).action(
    async (image: string, command: string[], flags: RunFlags) => {
      const engine = await cli.engine();
      const record = await engine.create(createOptions(image, command, flags), progress());
      console.log(record.id);
    },
  );
}
