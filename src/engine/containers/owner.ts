// Containers that belong to a berth process rather than to the user: a
// build's step containers (RUN, COPY, the source rootfs of COPY --from).
// Docker's daemon removes them when a build dies; berth has no daemon, so
// the builder marks each one with its pid and start time (`owner.json` in the
// container dir, written under the lock that created it) and reconcile — run
// by every command — removes those whose owner is gone (issue 12 row 5).
import fs from 'node:fs';
import path from 'node:path';
import type { EngineContext } from '../context.js';
import { createContainer, type CreateOptions } from './create.js';
import { bundleFiles, type ContainerRecord } from './record.js';
import { writeJsonAtomic } from '../fs-atomic.js';
import { processStartTime } from '../tmp-sweep.js';

interface Owner {
  readonly pid: number;
  /** /proc/<pid>/stat field 22 (clock ticks since boot): a reused pid has another */
  readonly startTime: string;
  readonly purpose: string;
}

const OWNER_FILE = 'owner.json';

/** createContainer, marked as this process's own (removed by reconcile once this process is gone). */
export async function createOwnedContainer(ctx: EngineContext, options: CreateOptions, purpose: string): Promise<ContainerRecord> {
  return ctx.lock.with(async () => {
    const record = await createContainer(ctx, options);
    const owner: Owner = { pid: process.pid, startTime: processStartTime(process.pid) ?? '', purpose };
    writeJsonAtomic(path.join(bundleFiles(ctx.paths.containers, record.id).dir, OWNER_FILE), owner);
    return record;
  });
}

/** Is this container owned by a berth process that has died? */
export function ownerGone(ctx: EngineContext, id: string): boolean {
  let owner: Owner;
  try {
    owner = JSON.parse(fs.readFileSync(path.join(bundleFiles(ctx.paths.containers, id).dir, OWNER_FILE), 'utf8')) as Owner;
  } catch {
    return false; // not owned (or the file is being written: the owner holds the lock then)
  }
  return processStartTime(owner.pid) !== owner.startTime;
}
