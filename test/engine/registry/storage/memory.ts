// The reference backend passes the conformance suite (and the suite's own
// leftover check fails a backend that reports debris).
import * as assert from 'uvu/assert';
import { MemoryStorage } from '../../../../src/engine/registry/storage/memory.js';
import { assertNoLeftovers, runStorageConformance } from './_conformance.js';

runStorageConformance({ name: 'memory', create: () => new MemoryStorage(), leftovers: () => [] });

const leaky = { name: 'leaky', create: () => new MemoryStorage(), leftovers: () => ['blobs/.x.tmp'] };
await assertNoLeftovers(leaky, new MemoryStorage()).then(
  () => assert.unreachable('a backend that leaves temp files must fail the suite'),
  (error: Error) => assert.match(error.message, /leaky left temp files behind: blobs\/\.x\.tmp/),
);
