// Removes what an earlier attempt at a lesson left: every container labelled
// berth.lesson=<id> (the runner labels what `run`/`create` make).
import type { Engine } from '../engine/index.js';
import { LESSON_LABEL } from './command-line.js';

export async function lessonContainers(engine: Engine, lessonId: string) {
  return (await engine.list()).filter((r) => r.config.labels?.[LESSON_LABEL] === lessonId);
}

/** Returns the names of the containers removed. */
export async function cleanupLesson(engine: Engine, lessonId: string): Promise<string[]> {
  const removed: string[] = [];
  for (const record of await lessonContainers(engine, lessonId)) {
    try {
      await engine.remove(record.id, { force: true });
      removed.push(record.name);
    } catch {
      // removed meanwhile (an --rm container that just exited)
    }
  }
  return removed;
}
