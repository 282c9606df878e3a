// Engine.registries(root): the registries and the hub of a state root, as
// one sub-API: a registry served in this process (`registry serve`,
// `hub serve`; it purges stale uploads as it runs), background ones
// (`registry start|stop`), garbage collection of a registry's storage
// (`registry garbage-collect`) and the local hub's state.  None of them
// needs an open engine (no lock, no storage driver, and `registry serve`
// must run without root), so they hang off a root, not an Engine.  The
// server is loaded on first use: most commands never serve.
import path from 'node:path';
import { BerthError, explainSystemError } from './errors.js';
import type { Paths } from './paths.js';
import type { Settings } from './settings.js';
import type { AuthConfig } from './registry/server/auth.js';
import type { RunningRegistry } from './registry/server/server.js';
import type { GcOptions, GcReport } from './registry/storage/gc.js';
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
  /** uploads started longer ago are purged, at start and every hour; default 168 h; 0 turns purging off */
  readonly uploadMaxAgeMs?: number;
}

export interface GarbageCollectOptions extends GcOptions {
  /** the storage directory or URL (registry/storage/open.ts); default <root>/registry */
  readonly storage?: string;
}

export type GarbageCollectReport = GcReport;

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
  /**
   * Mark and sweep over a registry's storage (registry/storage/gc.ts), and
   * stale uploads purged.  A plain directory or file:// URL must already be
   * a registry's storage: an error names it otherwise.
   */
  garbageCollect(options: GarbageCollectOptions): Promise<GarbageCollectReport>;
}

export function registries(paths: Paths, settings: Settings): Registries {
  return {
    async serve(options) {
      // As before the door: the hub prints its storage as given, a registry's resolved
      // (a plain path; a storage URL such as memory:// is shown as given).
      const [{ startRegistry }, { isStorageUrl, openRegistryStorage }, { startUploadPurger }] = await Promise.all([
        import('./registry/server/server.js'),
        import('./registry/storage/open.js'),
        import('./registry/storage/upload-purger.js'),
      ]);
      const storage = options.kind === 'hub'
        ? options.storage ?? path.join(paths.root, 'hub', 'storage')
        : options.storage !== undefined && isStorageUrl(options.storage) ? options.storage : path.resolve(options.storage ?? path.join(paths.root, 'registry'));
      const opened = openRegistryStorage(storage);
      const running = await startRegistry({ host: options.host, port: options.port, storage: opened, auth: options.auth, log: options.log });
      // Stale uploads purged beside the requests (upload-purger.ts), from the start on.
      const purger = options.uploadMaxAgeMs === 0 ? undefined : startUploadPurger(opened, { maxAgeMs: options.uploadMaxAgeMs, log: options.log });
      const close = async () => {
        await purger?.stop();
        await running.close();
      };
      return { url: running.url, port: running.port, close, storage };
    },
    start: (listen, storage) => startRegistryService(paths, settings, listen.host, listen.port, storage),
    stop: (only) => stopRegistryServices(paths, only),
    serviceAt: (url) => registryServiceAt(paths, url),
    runningHub: () => runningHub(paths),
    async garbageCollect(options) {
      const [{ collectGarbage }, { openExistingStorage }] = await Promise.all([
        import('./registry/storage/gc.js'),
        import('./registry/storage/open-existing.js'),
      ]);
      const storage = openExistingStorage(options.storage ?? path.join(paths.root, 'registry'));
      try {
        return await collectGarbage(storage, options);
      } catch (error) {
        const kind = error instanceof BerthError ? error.kind : 'internal';
        throw new BerthError(kind, `garbage collection of ${storage.description} stopped: ${explainSystemError(error)} (nothing is lost: run it again)`, { cause: error });
      }
    },
  };
}
