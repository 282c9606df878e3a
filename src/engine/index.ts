// The one door into the engine: src/cli, src/tui, src/lessons and src/bench
// import the engine through this file only (test/architecture/imports.ts
// enforces it, and that nothing in src/engine imports them back).
//
// It exports `Engine`, the types its methods take and return, and the few
// pure helpers clients need to parse flags and format output.  Every feature
// is an Engine method, or a sub-API one returns:
//
//   Engine.open(options)        containers, images, build, pull/push, deploy...
//   engine.attachTo(record)     an attach session: pump the streams, then end()
//   Engine.registries(options)  registries served here or in the background, the hub (registries.ts)
//   Engine.hosts(options)       simulated production hosts (hosts.ts)
//   Engine.loadTest(options)    the deploy demo's load generator
//   Engine.stateExists(...)     whether a state root (and a container) is still there
//
// The engine's context (stores, storage driver, lock) is not exported: a
// client that needs something from it needs a new Engine method.

// the engine and its entry points
export { Engine, requireRoot } from './engine.js';
export type { EngineOptions, RunResult, RemovedImageReport, DiskUsage } from './engine.js';
export { SERVER_VERSION, type SystemInfo, type RuntimeInfo } from './info.js';
export { BerthError, invalid, explainSystemError } from './errors.js';

// settings: resolved once (environment, config file, flags), passed to Engine.open and to child processes
export { resolveSettings, deriveSettings, childEnv, settingsEnv, configFile, SETTINGS, type Settings } from './settings.js';

// containers
export type { ContainerRecord, NetworkMode } from './containers/record.js';
export type { AttachSession } from './containers/session.js';
export type { AttachStreams, PumpResult } from './containers/attach.js';
export { DETACH_KEYS } from './runtime/protocol.js';
export type { CreateOptions } from './containers/create.js';
export type { ContainerStats } from './containers/stats.js';
export type { LogEntry } from './containers/logs.js';
export { parseLogTime, readLogs } from './containers/logs.js';
export { parseSignal } from './containers/signal.js';
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
export { sha256 } from './store/digest.js';

// images, storage, build
export type { Image, ImageLayer } from './store/images.js';
export type { DriverName } from './storage/driver.js';
export { driverProblem } from './storage/driver-problem.js';
export { RunFailed, BuildAborted } from './build/errors.js';
export type { BuildOptions, BuildResult } from './build/builder.js';
export type { BuildEvent } from './build/events.js';

// registry, hub, hosts, deploy
export type { GarbageCollectOptions, GarbageCollectReport, Registries, ServeOptions, ServedRegistry } from './registries.js';
export type { AuthConfig } from './registry/server/auth.js';
export { listenFlag, listenUrl, parseListen, type ListenAddress } from './network/listen-address.js';
export type { Hosts } from './hosts.js';
export type { HostRecord } from './host/host.js';
export type { DeployOptions, DeployResult } from './deploy/deploy.js';
export type { LoadOptions, LoadReport } from './deploy/load.js';
export { formatReport as formatLoadReport } from './deploy/load-report.js';

// progress: typed events of long work, and Docker's line for each
export type { BenchEvent, DeployEvent, LayerStatus, Listener, PhaseEvent, PullEvent, PushEvent, StatusEvent, StepEvent, TransferEvent } from './events.js';
export { formatProgress, stepLine } from './registry/client/progress.js';

// paths, units, files, processes
export { statePaths } from './paths.js';
export { PACKAGE_ROOT, NATIVE_BUILD } from './sys.js';
export { binarySize, humanSize, humanDuration, parseBytes, parseCpus, progressSize } from './units.js';
export { writeJsonAtomic } from './fs-atomic.js';
export { processAlive } from './tmp-sweep.js';
