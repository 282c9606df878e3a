// Engine.registries(root): the registries and the hub of a state root, as
// one sub-API: a registry served in this process (`registry serve`,
// `hub serve`), background ones (`registry start|stop`) and the local hub's
// state.  None of them needs an open engine (no lock, no storage driver, and
// `registry serve` must run without root), so they hang off a root, not an
// Engine.  The server is loaded on first use: most commands never serve.
import path from 'node:path';
import type { Paths } from './paths.js';
import type { Settings } from './settings.js';
import type { AuthConfig } from './registry/server/auth.js';
import type { RunningRegistry } from './registry/server/server.js';
import { registryServiceAt, startRegistryService, stopRegistryServices } from './registry/service.js';
import { runningHub } from './hub/service.js';
import type { ListenAddress } from './network/listen-address.js';

export interface ServeOptions extends ListenAddress {
  /** a registry (`registry serve`) or the lab's index (`hub serve`): where the storage is by default */
  readonly kind: 'registry' | 'hub';
  /** the storage directory or URL (file:///dir, memory://: registry/storage/open.ts); default <root>/registry, or <root>/hub/storage for the hub */
  readonly storage?: string;
  readonly auth?: AuthConfig;
  /** one line per request */
  readonly log?: (line: string) => void;
}

export interface ServedRegistry extends RunningRegistry {
  /** the storage directory it serves */
  readonly storage: string;
}

export interface Registries {
  /** A registry in this process, until close(). */
  serve(options: ServeOptions): Promise<ServedRegistry>;
  /** A registry in the background (a detached `registry serve`); resolves its URL. Already running there: its URL. */
  start(listen: ListenAddress, storage?: string): Promise<string>;
  /** Stops the background registries (the one on `only`, or all); resolves the URLs stopped. */
  stop(only?: ListenAddress): Promise<string[]>;
  /** The background registry this root started that serves `url`, while its process lives. */
  serviceAt(url: string): { readonly pid: number; readonly url: string } | undefined;
  /** The local hub's URL while it runs. */
  runningHub(): Promise<string | undefined>;
}

export function registries(paths: Paths, settings: Settings): Registries {
  return {
    async serve(options) {
      // As before the door: the hub prints its storage as given, a registry's resolved
      // (a plain path; a storage URL such as memory:// is shown as given).
      const [{ startRegistry }, { isStorageUrl, openRegistryStorage }] = await Promise.all([
        import('./registry/server/server.js'),
        import('./registry/storage/open.js'),
      ]);
      const storage = options.kind === 'hub'
        ? options.storage ?? path.join(paths.root, 'hub', 'storage')
        : options.storage !== undefined && isStorageUrl(options.storage) ? options.storage : path.resolve(options.storage ?? path.join(paths.root, 'registry'));
      const running = await startRegistry({ host: options.host, port: options.port, storage: openRegistryStorage(storage), auth: options.auth, log: options.log });
      return { url: running.url, port: running.port, close: () => running.close(), storage };
    },
    start: (listen, storage) => startRegistryService(paths, settings, listen.host, listen.port, storage),
    stop: (only) => stopRegistryServices(paths, only),
    serviceAt: (url) => registryServiceAt(paths, url),
    runningHub: () => runningHub(paths),
  };
}
