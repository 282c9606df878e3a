// A uvu suite with an Engine on the test's state root, torn down after:
// every container removed and the storage driver's own mounts released.
import { suite, type Test } from 'uvu';
import { Engine, type EngineOptions } from '../src/engine/engine.js';

export function engineSuite(name: string, options: EngineOptions = {}): { test: Test; engine: () => Engine } {
  const test = suite(name);
  let engine: Engine | undefined;
  test.before(async () => {
    engine = await Engine.open(options);
  });
  test.after(async () => {
    if (!engine) return;
    for (const c of await engine.list()) await engine.remove(c.id, { force: true });
    await engine.stopHub();
    await engine.shutdown();
  });
  return {
    test,
    engine: () => {
      if (!engine) throw new Error(`${name}: the engine is opened in before()`);
      return engine;
    },
  };
}
