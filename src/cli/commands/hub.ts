// `berth hub`: the lab's public index.  `serve` runs it in the foreground (an
// instructor: `berth hub serve --listen 0.0.0.0:5000`, students set
// BERTH_INDEX=http://<instructor>:5000); `start`/`stop`/`status` manage the
// local one that `pull` starts on demand.
import type { Cli } from '../program.js';
import { Engine, listenFlag } from '../../engine/index.js';
import { durationFlag } from './registry-gc.js';

export function registerHubCommands(cli: Cli): void {
  const hub = cli.program.command('hub').description("The lab's public index: a registry and search index of base images");

  hub
    .command('serve')
    .description('Run the hub in the foreground (for a classroom: --listen 0.0.0.0:5000)')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:5151')
    .option('--storage <dir>', 'where the hub keeps its images (default <state root>/hub/storage)')
    .option('--upload-max-age <duration>', 'purge uploads started longer ago, hourly (default 168h; 0: never)', durationFlag('--upload-max-age'))
    .action(async (flags: { listen: string; storage?: string; uploadMaxAge?: number }) => {
      const { host, port } = listenFlag(flags.listen);
      const registries = Engine.registries(cli.settings());
      const server = await registries.serve({ kind: 'hub', host, port, storage: flags.storage, uploadMaxAgeMs: flags.uploadMaxAge, log: (line) => console.log(line) });
      console.log(`berth hub listening on ${server.url} (storage ${server.storage})`);
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      await server.close();
    });

  hub
    .command('start')
    .description('Start the local hub in the background (pull does this on demand)')
    .action(async () => {
      const engine = await cli.engine();
      console.log((await engine.index()).url);
    });

  hub
    .command('stop')
    .description('Stop the local hub (its images stay)')
    .action(async () => {
      const engine = await cli.engine();
      console.log((await engine.stopHub()) ? 'stopped' : 'not running');
    });

  hub
    .command('status')
    .description('Show which index berth uses and whether the local hub runs')
    .action(async () => {
      const configured = cli.settings().index;
      const local = await Engine.registries(cli.settings()).runningHub();
      console.log(configured ? `index: ${configured} (BERTH_INDEX)` : `index: the local hub, ${local ? `running at ${local}` : 'not running (starts on demand)'}`);
    });
}
