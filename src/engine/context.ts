// What every engine operation needs, built once per Engine.  Container and
// image modules take this instead of reaching for globals, so tests can build
// an engine on any state root.
import type { Paths } from './paths.js';
import type { Lock } from './lock.js';
import type { StorageDriver } from './storage/driver.js';
import type { LayerStore } from './layers.js';
import type { Runtime, RuntimeName } from './runtime/driver.js';
import type { ImageStore } from './store/images.js';
import type { PortDriver } from './network/container-network.js';
import type { CgroupHost } from './runtime/cgroups.js';
import type { Settings } from './settings.js';

export interface EngineContext {
  readonly paths: Paths;
  /** every setting, resolved once by Engine.open (settings.ts): the modules below read them here, never from process.env */
  readonly settings: Settings;
  /** where this engine's containers' cgroups go (the cgroup-parent and cgroup2-root settings) */
  readonly cgroups: CgroupHost;
  readonly lock: Lock;
  readonly images: ImageStore;
  readonly storage: StorageDriver;
  readonly layers: LayerStore;
  readonly defaultRuntime: RuntimeName;
  /** how published ports are served: kernel DNAT rules or userland proxies */
  readonly portDriver: PortDriver;
  runtime(name: RuntimeName): Runtime;
  /** argv the monitor runs when a detached container exits, so it cleans itself up with no daemon */
  exitCommand(id: string): string[];
}
