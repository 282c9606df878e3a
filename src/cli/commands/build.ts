// `berth build`: Docker's classic builder's command line and output
// ("Step 2/5 : RUN ...", " ---> Using cache", "Successfully built ...") over
// the engine's build events.  Ctrl-C aborts the build (the running step's
// container is removed) and exits 130.
import type { Cli } from '../program.js';
import { shortId } from '../output.js';
import { BerthError, BuildAborted, formatProgress, humanSize, RunFailed, stepLine, type BuildEvent, type PullEvent } from '../../engine/index.js';
import { screenFor, transferRow } from '../progress/index.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** K=V pairs of --build-arg / --label; a bare K takes its value from the environment (build-arg only). */
export function parseKeyValues(flag: string, values: readonly string[], fromEnv: boolean): Record<string, string> {
  const result: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq === 0) throw new BerthError('invalid', `invalid ${flag} "${value}": the name is empty`);
    if (eq < 0) {
      if (!fromEnv) { result[value] = ''; continue; }
      const env = process.env[value];
      if (env !== undefined) result[value] = env;
      continue;
    }
    result[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return result;
}

/**
 * One event as Docker's classic builder prints it.  A base image pulled by
 * FROM goes to `transfer` when given (on a terminal: its layers redrawn in
 * place), else as Docker's plain lines.
 */
export function renderEvent(event: BuildEvent, out: (text: string) => void, transfer?: (event: PullEvent) => void): void {
  switch (event.type) {
    case 'context': return out(`Sending build context to berth  ${humanSize(event.bytes)}\n`);
    case 'step': return out(`${stepLine(event)}\n`);
    case 'triggers': return out(`# Executing ${event.count} build trigger${event.count === 1 ? '' : 's'}\n`);
    case 'cache-hit': return out(' ---> Using cache\n');
    case 'running': return out(` ---> Running in ${shortId(event.containerId)}\n`);
    case 'output': return out(event.data.toString());
    case 'removed': return out(`Removing intermediate container ${shortId(event.containerId)}\n`);
    case 'image': return out(` ---> ${shortId(event.id)}\n`);
    case 'progress': return transfer ? transfer(event.event) : out(`${formatProgress(event.event)}\n`);
    case 'warning': return out(`${event.message}\n`);
    case 'built': return out(`Successfully built ${shortId(event.id)}\n`);
    case 'tagged': return out(`Successfully tagged ${event.reference}\n`);
  }
}

interface BuildFlags {
  tag?: string[];
  file?: string;
  buildArg?: string[];
  cache: boolean;
  target?: string;
  network?: string;
  label?: string[];
  quiet?: boolean;
}

export function registerBuildCommands(cli: Cli): void {
  cli.program
    .command('build')
    .description('Build an image from a Dockerfile')
    .option('-t, --tag <name:tag>', 'name and optionally a tag for the image (repeatable)', collect)
    .option('-f, --file <path>', "the Dockerfile (default: 'CONTEXT/Dockerfile')")
    .option('--build-arg <key=value>', 'set a build-time variable (repeatable)', collect)
    .option('--no-cache', 'do not use the cache when building the image')
    .option('--target <stage>', 'build the stages up to this one')
    .option('--network <mode>', 'network of RUN steps: bridge, host or none', 'bridge')
    .option('--label <key=value>', 'set metadata on the image (repeatable)', collect)
    .option('-q, --quiet', 'print only the image ID on success')
    .argument('<context>', 'the build context directory')
    .action(async (context: string, flags: BuildFlags) => {
      const network = flags.network ?? 'bridge';
      if (!['bridge', 'host', 'none'].includes(network)) throw new BerthError('invalid', `invalid --network "${network}": use bridge, host or none`);
      const buildArgs = parseKeyValues('--build-arg', flags.buildArg ?? [], true);
      const labels = parseKeyValues('--label', flags.label ?? [], false);
      const engine = await cli.engine();
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.on('SIGINT', onSigint);
      // RUN output and the pull of a base image share one screen, so a row is never redrawn over output.
      const screen = screenFor(process.stdout);
      const write = (text: string) => screen.write(text);
      const transfer = (event: PullEvent) => screen.show(transferRow(event));
      try {
        const result = await engine.build({
          context,
          dockerfile: flags.file,
          tags: flags.tag,
          buildArgs,
          noCache: flags.cache === false,
          target: flags.target,
          network: network as 'bridge' | 'host' | 'none',
          labels,
          signal: controller.signal,
          onEvent: flags.quiet ? undefined : (event) => renderEvent(event, write, transfer),
        });
        if (flags.quiet) console.log(result.id);
      } catch (error) {
        if (error instanceof BuildAborted || controller.signal.aborted) {
          process.stderr.write('build cancelled\n');
          process.exitCode = 130;
          return;
        }
        if (error instanceof RunFailed) {
          process.stderr.write(`${error.message}\n`);
          process.exitCode = error.code;
          return;
        }
        throw error;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
