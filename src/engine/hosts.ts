// Engine.hosts(root): the simulated production hosts of a state root
// (host/host.ts), as one sub-API.  A host is a network namespace with an
// engine of its own; making or listing one needs no open engine here, so
// this hangs off a root, not an Engine.
import type { Settings } from './settings.js';
import { createHost, hostCommand, hostEnv, listHosts, removeHost, requireHost, type CreateHostOptions, type HostRecord, type RemoveHostOptions } from './host/host.js';

export interface Hosts {
  list(): HostRecord[];
  /** the host named so; not-found otherwise */
  get(name: string): HostRecord;
  /** `host create`: the namespace, the link, NAT egress, the state root */
  create(name: string, options?: Omit<CreateHostOptions, 'root' | 'cgroupParent'>): Promise<HostRecord>;
  /** `host rm`: false when there was no such host */
  remove(name: string, options?: Omit<RemoveHostOptions, 'root' | 'cgroupParent'>): Promise<boolean>;
  /** argv that runs `berthBin ARGS` on the host (its network namespace, its state root) */
  command(host: HostRecord, berthBin: string, args: readonly string[]): string[];
  /** the environment of a command run on the host: these settings as the host's engine has them (its root, bridge, cgroup parent...) */
  env(host: HostRecord): NodeJS.ProcessEnv;
}

export function hosts(settings: Settings): Hosts {
  const { root, cgroupParent } = settings;
  return {
    list: () => listHosts(root),
    get: (name) => requireHost(name, root),
    create: (name, options = {}) => createHost(name, { ...options, root, cgroupParent }),
    remove: (name, options = {}) => removeHost(name, { ...options, root, cgroupParent }),
    command: hostCommand,
    env: (host) => hostEnv(host, settings),
  };
}
