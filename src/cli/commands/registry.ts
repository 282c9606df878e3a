// `berth registry serve`: a registry in the foreground (what `docker run -p
// 5000:5000 registry:2` gives, plus the v1 search index), for a classroom hub
// or to try pushes by hand.  Runs until SIGINT or SIGTERM; prints its URL,
// then one line per request.
import fs from 'node:fs';
import path from 'node:path';
import type { Cli } from '../program.js';
import { Engine, invalid, listenFlag, type AuthConfig } from '../../engine/index.js';
import { durationFlag, registerGarbageCollect } from './registry-gc.js';

export interface ServeFlags {
  port: string;
  host: string;
  storage?: string;
  auth?: string;
  uploadMaxAge?: number;
}

/** `htpasswd:FILE` or `token:FILE` -> the server's auth config (the file must exist). */
export function parseAuthFlag(text: string | undefined): AuthConfig {
  if (text === undefined || text === 'none') return { kind: 'none' };
  const match = /^(htpasswd|token):(.+)$/.exec(text);
  if (!match) throw invalid(`invalid --auth ${JSON.stringify(text)}: expected htpasswd:FILE or token:FILE`);
  const file = path.resolve(match[2]!);
  if (!fs.existsSync(file)) throw invalid(`--auth ${match[1]}: no such file ${file} (make one with: htpasswd -Bbc ${file} USER PASSWORD)`);
  return { kind: match[1] as 'htpasswd' | 'token', file };
}

function parsePort(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw invalid(`invalid --port ${JSON.stringify(text)}: expected a number from 0 to 65535`);
  return Number(text);
}

export function registerRegistryCommands(cli: Cli): void {
  const registry = cli.program.command('registry').description('Run a registry (OCI distribution API and the search index)');

  registry
    .command('serve')
    .description('Serve a registry in the foreground until interrupted')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', '5000')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--storage <dir>', 'where blobs and manifests live (default <root>/registry)')
    .option('--auth <kind:file>', 'htpasswd:FILE (Basic) or token:FILE (Bearer tokens from /token); default none')
    .option('--upload-max-age <duration>', 'purge uploads started longer ago, hourly (default 168h; 0: never)', durationFlag('--upload-max-age'))
    .action(async (flags: ServeFlags) => {
      const port = parsePort(flags.port);
      const auth = parseAuthFlag(flags.auth);
      const registries = Engine.registries(cli.settings());
      const running = await registries.serve({ kind: 'registry', host: flags.host, port, storage: flags.storage, auth, uploadMaxAgeMs: flags.uploadMaxAge, log: (line) => console.log(line) });
      console.log(`Registry listening on ${running.url} (storage: ${running.storage}, auth: ${auth.kind}${auth.kind === 'none' ? '' : ` ${auth.file}`})`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await running.close();
      console.log('Registry stopped');
    });

  registry
    .command('start')
    .description('Start a registry in the background (stop it with registry stop)')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:5000')
    .option('--storage <dir>', 'where blobs and manifests live (default <root>/registry)')
    .action(async (flags: { listen: string; storage?: string }) => {
      const registries = Engine.registries(cli.settings());
      console.log(await registries.start(listenFlag(flags.listen), flags.storage));
    });

  registry
    .command('stop')
    .description('Stop background registries (the one on --listen, or all)')
    .option('--listen <host:port>', 'only the registry on this address')
    .action(async (flags: { listen?: string }) => {
      const registries = Engine.registries(cli.settings());
      const stopped = await registries.stop(flags.listen ? listenFlag(flags.listen) : undefined);
      console.log(stopped.length ? stopped.map((url) => `stopped ${url}`).join('\n') : 'no registry running');
    });

  registerGarbageCollect(registry, cli);
}
