// Container commands other than run/create: start, stop, restart, kill, rm,
// ps, logs, attach, exec, wait, top, diff, commit.
import type { Cli } from '../program.js';
import { type ContainerRecord, parseSignal, humanDuration, BerthError, formatPsPorts, portLines, portLookup, exposedPorts, healthSuffix, parseLogTime } from '../../engine/index.js';
import { ago, formatTemplate, shortId, table, truncate } from '../output.js';
import { runAttached } from '../attach-session.js';
import { refuseTty } from './run.js';
import { LogWriter } from '../logs-output.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function statusText(record: ContainerRecord, now = Date.now()): string {
  switch (record.state.status) {
    case 'running':
      if (record.state.restarting) return `Restarting (${record.state.exitCode}) ${ago(record.state.finishedAt, now)}`;
      return `Up ${humanDuration(now - Date.parse(record.state.startedAt))}${healthSuffix(record.state.health)}`;
    case 'exited':
      return `Exited (${record.state.exitCode}) ${ago(record.state.finishedAt, now)}`;
    default:
      return 'Created';
  }
}

function commandText(record: ContainerRecord, noTrunc: boolean): string {
  const command = [record.path, ...record.args].join(' ');
  return `"${noTrunc ? command : truncate(command, 20)}"`;
}

/** What `ps --format` templates see, named as in Docker. */
function psView(record: ContainerRecord, noTrunc: boolean) {
  return {
    ID: noTrunc ? record.id : shortId(record.id),
    Image: record.imageName,
    Command: commandText(record, noTrunc),
    CreatedAt: record.created,
    RunningFor: ago(record.created),
    Status: statusText(record),
    State: record.state.status,
    Ports: record.state.status === 'running' ? formatPsPorts(record.network?.ports ?? [], exposedPorts(Object.fromEntries(record.config.exposedPorts.map((p) => [p, {}])))) : '',
    Names: record.name,
    Labels: Object.entries(record.config.labels).map(([k, v]) => `${k}=${v}`).join(','),
  };
}

/** Runs `action` for each named container, as Docker does: prints each that worked, reports each that failed, fails if any did. */
async function eachContainer(names: string[], action: (name: string) => Promise<void>): Promise<void> {
  let failed = 0;
  for (const name of names) {
    try {
      await action(name);
    } catch (error) {
      failed++;
      process.stderr.write(`Error: ${(error as Error).message}\n`);
    }
  }
  if (failed) process.exitCode = 1;
}

/** stop/restart -t: whole seconds, or undefined for the container's own stop timeout. */
function stopSeconds(time: string | undefined): number | undefined {
  if (time === undefined) return undefined;
  const seconds = Number(time);
  if (!Number.isInteger(seconds)) throw new BerthError('invalid', `invalid value "${time}" for -t: use a whole number of seconds`);
  return seconds;
}

export function registerContainerCommands(cli: Cli): void {
  const { program } = cli;

  program
    .command('start')
    .description('Start one or more stopped containers')
    .option('-a, --attach', "attach STDOUT/STDERR and forward signals")
    .option('-i, --interactive', "attach the container's STDIN")
    .argument('<container...>')
    .action(async (names: string[], flags: { attach?: boolean; interactive?: boolean }) => {
      const engine = await cli.engine();
      if (flags.attach || flags.interactive) {
        if (names.length > 1) throw new BerthError('invalid', 'you cannot start and attach multiple containers at once');
        const record = await engine.inspect(names[0]!);
        if (refuseTty(flags.interactive && record.config.openStdin, record.config.tty)) return;
        process.exitCode = await runAttached(engine, record, { start: true, stdin: flags.interactive ?? false });
        return;
      }
      await eachContainer(names, async (name) => {
        await engine.start(name);
        console.log(name);
      });
    });

  program
    .command('stop')
    .description('Stop one or more running containers (the stop signal, then SIGKILL after a grace period)')
    .option('-t, --time <seconds>', "seconds to wait before killing it (default: the container's --stop-timeout, else 10)")
    .argument('<container...>')
    .action(async (names: string[], flags: { time?: string }) => {
      const engine = await cli.engine();
      const seconds = stopSeconds(flags.time);
      await eachContainer(names, async (name) => {
        await engine.stop(name, seconds);
        console.log(name);
      });
    });

  program
    .command('restart')
    .description('Restart one or more containers')
    .option('-t, --time <seconds>', "seconds to wait for stop before killing it (default: the container's --stop-timeout, else 10)")
    .argument('<container...>')
    .action(async (names: string[], flags: { time?: string }) => {
      const engine = await cli.engine();
      const seconds = stopSeconds(flags.time);
      await eachContainer(names, async (name) => {
        await engine.restart(name, seconds);
        console.log(name);
      });
    });

  program
    .command('kill')
    .description('Kill one or more running containers')
    .option('-s, --signal <signal>', 'signal to send', 'KILL')
    .argument('<container...>')
    .action(async (names: string[], flags: { signal: string }) => {
      const engine = await cli.engine();
      const signal = parseSignal(flags.signal);
      await eachContainer(names, async (name) => {
        await engine.kill(name, signal);
        console.log(name);
      });
    });

  program
    .command('rm')
    .description('Remove one or more containers')
    .option('-f, --force', 'force the removal of a running container (uses SIGKILL)')
    .option('-v, --volumes', 'remove anonymous volumes associated with the container')
    .argument('<container...>')
    .action(async (names: string[], flags: { force?: boolean; volumes?: boolean }) => {
      const engine = await cli.engine();
      await eachContainer(names, async (name) => {
        await engine.remove(name, flags);
        console.log(name);
      });
    });

  program
    .command('ps')
    .description('List containers')
    .option('-a, --all', 'show all containers (default shows just running)')
    .option('-n, --last <n>', 'show n last created containers (includes all states)')
    .option('-l, --latest', 'show the latest created container (includes all states)')
    .option('-q, --quiet', 'only display container IDs')
    .option('--no-trunc', "don't truncate output")
    .option('--format <template>', "format output using a Go-style template, e.g. '{{.ID}} {{.Status}}'")
    .action(async (flags: { all?: boolean; last?: string; latest?: boolean; quiet?: boolean; trunc: boolean; format?: string }) => {
      const engine = await cli.engine();
      let records = await engine.list();
      const last = flags.latest ? 1 : flags.last !== undefined ? Number(flags.last) : undefined;
      if (last !== undefined && !(Number.isInteger(last) && last >= -1)) throw new BerthError('invalid', `invalid value "${flags.last}" for -n: use a whole number`);
      if (last !== undefined && last >= 0) records = records.slice(0, last);
      else if (!flags.all) records = records.filter((r) => r.state.status === 'running');
      const noTrunc = flags.trunc === false;
      if (flags.quiet) {
        for (const r of records) console.log(noTrunc ? r.id : shortId(r.id));
        return;
      }
      if (flags.format) {
        for (const r of records) console.log(formatTemplate(flags.format, psView(r, noTrunc)));
        return;
      }
      const rows = records.map((r) => {
        const v = psView(r, noTrunc);
        return [v.ID, v.Image, v.Command, v.RunningFor, v.Status, v.Ports, v.Names];
      });
      console.log(table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], rows));
    });

  program
    .command('logs')
    .description('Fetch the logs of a container')
    .option('--details', 'show extra details provided to logs')
    .option('-f, --follow', 'follow log output')
    .option('--since <time>', 'show logs since a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
    .option('-n, --tail <n>', 'number of lines to show from the end of the logs', 'all')
    .option('-t, --timestamps', 'show timestamps')
    .option('--until <time>', 'show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
    .argument('<container>')
    .action(async (name: string, flags: { details?: boolean; follow?: boolean; since?: string; tail: string; timestamps?: boolean; until?: string }) => {
      const engine = await cli.engine();
      const record = await engine.inspect(name);
      const tail = flags.tail === 'all' ? undefined : Number(flags.tail);
      if (tail !== undefined && !Number.isInteger(tail)) throw new BerthError('invalid', `invalid value "${flags.tail}" for --tail: use a number or "all"`);
      const since = flags.since !== undefined ? parseLogTime(flags.since, '--since') : undefined;
      const until = flags.until !== undefined ? parseLogTime(flags.until, '--until') : undefined;
      const writer = new LogWriter({ timestamps: flags.timestamps, details: flags.details });
      await writer.consume(engine.logs(record, { tail, follow: flags.follow, since, until, onIdle: () => writer.flush() }));
    });

  program
    .command('attach')
    .description("Attach local standard input, output and error streams to a running container")
    .option('--no-stdin', 'do not attach STDIN')
    .argument('<container>')
    .action(async (name: string, flags: { stdin: boolean }) => {
      const engine = await cli.engine();
      const record = await engine.inspect(name);
      if (record.state.status !== 'running') throw new BerthError('conflict', 'You cannot attach to a stopped container, start it first');
      process.exitCode = await runAttached(engine, record, { start: false, stdin: flags.stdin && record.config.openStdin });
    });

  program
    .command('exec')
    .description('Execute a command in a running container')
    .helpOption('--help', 'show help for this command')
    .option('-i, --interactive', 'keep STDIN open even if not attached')
    .option('-t, --tty', 'allocate a pseudo-TTY')
    .option('-u, --user <user>', 'username or UID (format: <name|uid>[:<group|gid>])')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-e, --env <K=V>', 'set environment variables (repeatable)', collect)
    .option('-d, --detach', 'detached mode: run the command in the background')
    .argument('<container>')
    .argument('<command...>')
    .passThroughOptions()
    .action(async (name: string, command: string[], flags: { interactive?: boolean; tty?: boolean; user?: string; workdir?: string; env?: string[]; detach?: boolean }) => {
      if (!flags.detach && refuseTty(flags.interactive, flags.tty)) return;
      const engine = await cli.engine();
      const { process: child } = await engine.exec(name, {
        args: command,
        user: flags.user,
        workingDir: flags.workdir,
        env: flags.env,
        tty: flags.tty,
        stdio: flags.detach ? 'pipe' : 'inherit',
      });
      if (flags.detach) {
        child.unref();
        return;
      }
      process.exitCode = await new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? 9 : 0))));
    });

  program
    .command('wait')
    .description('Block until one or more containers stop, then print their exit codes')
    .argument('<container...>')
    .action(async (names: string[]) => {
      const engine = await cli.engine();
      await eachContainer(names, async (name) => console.log((await engine.wait(name)).state.exitCode));
    });

  program
    .command('top')
    .description('Display the running processes of a container')
    .argument('<container>')
    .argument('[ps options]', 'options for ps (default -f)')
    .action(async (name: string, psArgs?: string) => {
      const engine = await cli.engine();
      const { titles, processes } = await engine.top(name, psArgs);
      console.log(table(titles, processes));
    });

  program
    .command('port')
    .description('List port mappings or a specific mapping for the container')
    .argument('<container>')
    .argument('[private_port[/proto]]')
    .action(async (name: string, query?: string) => {
      const engine = await cli.engine();
      const record = await engine.inspect(name);
      const published = record.state.status === 'running' ? record.network?.ports ?? [] : [];
      const lines = query ? portLookup(published, query, name) : portLines(published);
      if (lines.length) console.log(lines.join('\n'));
    });

  program
    .command('diff')
    .description("Inspect changes to files or directories on a container's filesystem")
    .argument('<container>')
    .action(async (name: string) => {
      const engine = await cli.engine();
      for (const change of await engine.diff(name)) console.log(`${change.kind} ${change.path}`);
    });

  program
    .command('commit')
    .description("Create a new image from a container's changes")
    .option('-a, --author <author>', 'author (e.g. "Jane Doe <jane@example.com>")')
    .option('-m, --message <message>', 'commit message')
    .option('-c, --change <instruction>', 'apply a Dockerfile instruction to the image (repeatable)', collect)
    .option('-p, --pause', 'pause the container during commit (berth never needs to: accepted for compatibility)')
    .argument('<container>')
    .argument('[repository[:tag]]')
    .action(async (name: string, reference: string | undefined, flags: { author?: string; message?: string; change?: string[] }) => {
      const engine = await cli.engine();
      const image = await engine.commit(name, { reference, author: flags.author, message: flags.message, changes: flags.change });
      console.log(image.id);
    });
}
