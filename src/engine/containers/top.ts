// `top`: the processes in a container's cgroup, shown by the host's ps.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { conflict } from '../errors.js';
import type { EngineContext } from '../context.js';
import fs from 'node:fs';
import { cgroupFor, type Cgroup } from '../runtime/cgroups.js';
import { refresh } from './reconcile.js';
import { findContainer } from './lookup.js';

const run = promisify(execFile);

/** Every pid in the cgroup (any hierarchy lists them all). */
function cgroupPids(cg: Cgroup): number[] {
  for (const file of cg.procsFiles) {
    try {
      return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      // this hierarchy is gone; try the next
    }
  }
  return [];
}

export interface ProcessTable {
  readonly titles: string[];
  readonly processes: string[][];
}

export async function topContainer(ctx: EngineContext, ref: string, psArgs = '-f'): Promise<ProcessTable> {
  const record = await ctx.lock.with(async () => refresh(ctx, findContainer(ctx.paths.containers, ref)));
  if (record.state.status !== 'running') throw conflict(`Container ${record.id} is not running`);
  const pids = cgroupPids(cgroupFor(record.id, ctx.cgroups));
  if (pids.length === 0) pids.push(record.state.pid);
  const { stdout } = await run('ps', [...psArgs.split(/\s+/).filter(Boolean), '-p', pids.join(',')]);
  const lines = stdout.trimEnd().split('\n');
  const titles = lines[0]!.trim().split(/\s+/);
  // The last column (CMD/COMMAND) may hold spaces: split the rest, keep it whole.
  const processes = lines.slice(1).map((line) => {
    const fields = line.trim().split(/\s+/);
    return [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')];
  });
  return { titles, processes };
}
