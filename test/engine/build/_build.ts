// Shared by the build tests: a build with its events collected and printed
// as the CLI prints them, contexts written from a map of files, and a way to
// look inside a built image.
import fs from 'node:fs';
import path from 'node:path';
import type { Engine } from '../../../src/engine/engine.js';
import type { BuildEvent, BuildOptions, BuildResult } from '../../../src/engine/build/builder.js';
import { ImageStore } from '../../../src/engine/store/images.js';
import { renderEvent } from '../../../src/cli/commands/build.js';
import { PACKAGE_ROOT } from '../../../src/engine/sys.js';
import { tempDir } from '../../_helpers.js';

export const FIXTURES = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'build');

export interface Built {
  readonly result: BuildResult;
  readonly events: BuildEvent[];
  /** the output as `berth build` prints it */
  readonly output: string;
}

export async function buildWith(engine: Engine, options: Omit<BuildOptions, 'onEvent'>, events: BuildEvent[] = []): Promise<Built> {
  const result = await engine.build({ ...options, onEvent: (e) => events.push(e) });
  return { result, events, output: render(events) };
}

export function render(events: readonly BuildEvent[]): string {
  let out = '';
  for (const event of events) renderEvent(event, (text) => (out += text));
  return out;
}

/** The engine's image store, read from its state root (the Engine keeps its own private). */
export function images(engine: Engine): ImageStore {
  return new ImageStore(engine.paths);
}

/** A context directory holding `files` (name -> content; a trailing "/" makes a directory). */
export function makeContext(files: Record<string, string>): string {
  const dir = tempDir('context-');
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    if (name.endsWith('/')) fs.mkdirSync(file, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
  }
  return dir;
}

/** Output of a shell script run in the image (the container is removed). */
export async function sh(engine: Engine, image: string, script: string, user?: string): Promise<string> {
  const result = await engine.run({ image, cmd: ['sh', '-c', script], entrypoint: '', network: 'none', autoRemove: true, user });
  if (result.exitCode !== 0) throw new Error(`sh -c ${script} in ${image} exited ${result.exitCode}: ${result.stderr}`);
  return result.stdout;
}

/** Step numbers (1-based) that printed " ---> Using cache". */
export function cachedSteps(events: readonly BuildEvent[]): number[] {
  const cached: number[] = [];
  let step = 0;
  for (const e of events) {
    if (e.type === 'step') step = e.index;
    if (e.type === 'cache-hit') cached.push(step);
  }
  return cached;
}
