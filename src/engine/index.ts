// The one door into the engine: src/cli, src/tui, src/lessons and src/bench
// import the engine through this file only (test/architecture/imports.ts
// enforces it).  It exports `Engine`, the types its methods take and return,
// and the few pure helpers clients need to parse flags and format output.
//
// Step 1 of issue 13: this re-exports every name the clients import today, so
// they can move onto it; the list shrinks as features move behind Engine.

// the engine and its entry points
export { Engine, requireRoot } from './engine.js';
export type { EngineOptions, RunResult, RemovedImageReport, DiskUsage } from './engine.js';
export { BerthError, invalid, explainSystemError } from './errors.js';

// containers
export type { ContainerRecord, NetworkMode } from './containers/record.js';
export { bundleFiles } from './containers/record.js';
export { connectAttach, pump } from './containers/attach.js';
export type { CreateOptions } from './containers/create.js';
export type { ContainerStats } from './containers/stats.js';
export type { LogEntry } from './containers/logs.js';
export { parseLogTime, readLogs } from './containers/logs.js';
export { parseSignal } from './containers/stop.js';
export { healthSuffix, parseDuration } from './containers/health.js';
export { DEFAULT_LOG_OPTS } from './containers/log-config.js';
export type { RuntimeName } from './runtime/driver.js';
export { buildOciSpec } from './runtime/oci-spec.js';
export { cgroupVersion } from './runtime/cgroups.js';
export { CAP_LAST_CAP, capabilityName } from './runtime/capabilities.js';

// networking
export { formatPsPorts, portLines, portLookup } from './network/port-format.js';
export { exposedPorts, parsePortSpec } from './network/port-spec.js';
export type { PortDriver } from './network/container-network.js';
export { freePort } from './network/free-port.js';

// images, storage, build
export type { ImageStore } from './store/images.js';
export type { DriverName } from './storage/driver.js';
export { driverProblem } from './storage/index.js';
export { build, RunFailed, BuildAborted } from './build/builder.js';
export type { BuildEvent } from './build/events.js';
export { buildIntermediates } from './build/cache.js';

// registry, hub, hosts, deploy
export { startRegistry } from './registry/server/index.js';
export type { AuthConfig } from './registry/server/auth.js';
export { FilesystemStorage } from './registry/storage/filesystem.js';
export { startRegistryService, stopRegistryServices } from './registry/service.js';
export { runningHub } from './hub/service.js';
export type { HostRecord } from './host/host.js';
export { createHost, removeHost, listHosts, requireHost, hostCommand, hostEnv } from './host/host.js';
export { deploy } from './deploy/deploy.js';
export { runLoad, formatReport } from './deploy/load.js';

// paths, units, files, processes
export { statePaths } from './paths.js';
export { PACKAGE_ROOT, NATIVE_BUILD } from './sys.js';
export { humanSize, humanDuration, parseBytes, parseCpus } from './units.js';
export { writeJsonAtomic } from './fs-atomic.js';
export { processAlive } from './tmp-sweep.js';
