// The tar of a whole tree (`berth export`, `berth cp` out of a container).
import type { Readable } from 'node:stream';
import { tarFrom } from './tar-writer.js';
import { walk } from './walk.js';

export function packDirectory(dir: string): Readable {
  return tarFrom(async (writer) => {
    for await (const { rel, abs, stats } of walk(dir)) await writer.addPath(rel, abs, stats);
  });
}
