// `rm`: a running container only with force (SIGKILL first).  The record goes
// first, so the container is gone for every other command at once; the
// layer, cgroup and directory follow, and reconcile finishes the job if this
// process dies in between.
import fs from 'node:fs';
import { conflict } from '../errors.js';
import type { EngineContext } from '../context.js';
import { removeCgroup, cgroupFor } from '../runtime/cgroups.js';
import { bundleFiles, deleteRecord, type ContainerRecord } from './record.js';
import { refresh } from './reconcile.js';
import path from 'node:path';
import { bestEffortWrites, writeJsonAtomic } from '../fs-atomic.js';
import { killAndWait } from './stop.js';

export interface RemoveOptions {
  readonly force?: boolean;
  /** -v: also remove anonymous volumes (berth has none yet: accepted for compatibility) */
  readonly volumes?: boolean;
  /** what went wrong that does not stop the removal (a cgroup the kernel keeps busy); default: a WARNING line on stderr */
  readonly onWarning?: (message: string) => void;
}

const warnStderr = (message: string) => { process.stderr.write(`WARNING: ${message}\n`); };

export async function removeContainer(ctx: EngineContext, record: ContainerRecord, options: RemoveOptions = {}): Promise<void> {
  // Removing needs no room: on a full disk the writes on the way (exit record, bookkeeping) are skipped.
  await ctx.lock.with(() => bestEffortWrites(async () => {
    let current = await refresh(ctx, record);
    if (!fs.existsSync(bundleFiles(ctx.paths.containers, current.id).dir)) return; // --rm already did it
    if (current.state.status === 'running') {
      if (!options.force) {
        throw conflict(`You cannot remove a running container ${current.id}. Stop the container before attempting removal or force remove`);
      }
      current = await killAndWait(ctx, current, 'SIGKILL', 10_000);
    }
    // --rm: whoever removes it, the one waiting on it must still get its exit code.
    if (current.hostConfig.autoRemove && current.state.status === 'exited') {
      fs.mkdirSync(ctx.paths.exits, { recursive: true, mode: 0o700 });
      const { exitCode, error, oomKilled, finishedAt, startedAt } = current.state;
      writeJsonAtomic(path.join(ctx.paths.exits, `${current.id}.json`), { exitCode, error, oomKilled, finishedAt, startedAt });
    }
    deleteRecord(ctx.paths.containers, current.id);
    // A cgroup that cannot go (something mounted on or stuck in a sub-cgroup the container made) is this
    // container's problem only: the record is gone, reconcile retries it, and no other command fails on it.
    await removeCgroup(cgroupFor(current.id, ctx.cgroups)).catch((error: Error) => (options.onWarning ?? warnStderr)(`container ${current.id}: ${error.message}`));
    await ctx.storage.remove(current.id);
    const bundle = bundleFiles(ctx.paths.containers, current.id);
    fs.rmSync(bundle.socket, { force: true });
    fs.rmSync(bundle.dir, { recursive: true, force: true });
  }));
}
