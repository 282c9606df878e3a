// The memory driver passes the conformance suite (and the suite's own
// leftover check fails a backend that reports debris).
import * as assert from 'uvu/assert';
import { DriverStorage } from '../../../../src/engine/registry/storage/driver-storage.js';
import { MemoryDriver } from '../../../../src/engine/registry/storage/drivers/memory.js';
import { assertNoLeftovers, runConformance } from './_conformance.js';

runConformance({ name: 'memory', create: () => new MemoryDriver(), leftovers: () => [] });

const leaky = { name: 'leaky', create: () => new MemoryDriver(), leftovers: () => ['blobs/.x.tmp'] };
const driver = new MemoryDriver();
await assertNoLeftovers(leaky, driver, new DriverStorage(driver)).then(
  () => assert.unreachable('a backend that leaves temp files must fail the suite'),
  (error: Error) => assert.match(error.message, /leaky left temp files behind: blobs\/\.x\.tmp/),
);
