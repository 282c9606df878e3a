// The one conformance suite for registry storage drivers: a backend's test
// file calls runConformance with a way to make a fresh driver, a way to list
// the temp files it holds, and a way to remove it.  It runs the driver's
// primitives (_driver.ts) and then, over that driver, the registry's storage
// semantics (_semantics.ts: uploads and resuming them, digests, links,
// manifests, tags, referrers, the catalog), then garbage collection and the
// purge of stale uploads over it (_gc.ts).
import type { StorageDriver } from '../../../../src/engine/registry/storage/driver.js';
import { runDriverConformance } from './_driver.js';
import { runGcConformance } from './_gc.js';
import { runSemanticsConformance, type DriverSubject } from './_semantics.js';

export { assertNoLeftovers, type DriverSubject } from './_semantics.js';

export function runConformance<D extends StorageDriver>(subject: DriverSubject<D>): void {
  runDriverConformance(subject);
  runSemanticsConformance(subject);
  runGcConformance(subject);
}
