// `berth hub`: the lab's public index.  `serve` runs it in the foreground (an
// instructor: `berth hub serve --listen 0.0.0.0:5000`, students set
// BERTH_INDEX=http://<instructor>:5000); `start`/`stop`/`status` manage the
// local one that `pull` starts on demand.
import path from 'node:path';
import type { Cli } from '../program.js';
import { BerthError } from '../../engine/errors.js';
import { statePaths } from '../../engine/paths.js';

function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[?([^\]]*)\]?:)?(\d+)$/.exec(listen);
  const port = Number(match?.[2]);
  if (!match || !(port >= 0 && port < 65536)) throw new BerthError('invalid', `invalid --listen "${listen}": use HOST:PORT, e.g. 0.0.0.0:5000`);
  return { host: match[1] || '127.0.0.1', port };
}

export function registerHubCommands(cli: Cli): void {
  const hub = cli.program.command('hub').description("The lab's public index: a registry and search index of base images");

  hub
    .command('serve')
    .description('Run the hub in the foreground (for a classroom: --listen 0.0.0.0:5000)')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:5151')
    .option('--storage <dir>', 'where the hub keeps its images (default <state root>/hub/storage)')
    .action(async (flags: { listen: string; storage?: string }) => {
      const { host, port } = parseListen(flags.listen);
      const paths = statePaths(cli.program.opts<{ root?: string }>().root);
      const { startRegistry } = await import('../../engine/registry/server/index.js');
      const { FilesystemStorage } = await import('../../engine/registry/storage/filesystem.js');
      const storage = new FilesystemStorage(flags.storage ?? path.join(paths.root, 'hub', 'storage'));
      const server = await startRegistry({ host, port, storage, log: (line) => console.log(line) });
      console.log(`berth hub listening on ${server.url} (storage ${flags.storage ?? path.join(paths.root, 'hub', 'storage')})`);
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
      const { runningHub } = await import('../../engine/hub/service.js');
      const configured = process.env.BERTH_INDEX;
      const local = await runningHub(statePaths(cli.program.opts<{ root?: string }>().root));
      console.log(configured ? `index: ${configured} (BERTH_INDEX)` : `index: the local hub, ${local ? `running at ${local}` : 'not running (starts on demand)'}`);
    });
}
