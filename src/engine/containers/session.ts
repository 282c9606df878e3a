// Being attached to a container and waiting for its end: what `run` without
// -d, `start -a` and `attach` do on a terminal, what Engine.run does to
// collect output, and what a build's RUN step does.  It lives here, not in
// each caller, because it reads the bundle's files (attach socket, exit file)
// and the exit records a --rm container leaves behind.
import fs from 'node:fs';
import path from 'node:path';
import type { EngineContext } from '../context.js';
import { readJson } from '../fs-atomic.js';
import { connectAttach, pump, type AttachStreams, type PumpResult } from './attach.js';
import { findContainer } from './lookup.js';
import { bundleFiles, type ContainerRecord } from './record.js';
import { refresh } from './reconcile.js';
import { startContainer, type StartContainerOptions } from './start.js';
import { waitForExit } from './wait.js';

/** A container refreshed against the kernel, under the lock. */
export async function inspectContainer(ctx: EngineContext, ref: string): Promise<ContainerRecord> {
  return ctx.lock.with(async () => refresh(ctx, findContainer(ctx.paths.containers, ref)));
}

/**
 * Waits on a container the caller already knows.  With --rm, any berth
 * process may finish and remove it first (a monitor's exit hook reconciles
 * every container); its exit is then read from the record it left in exits/.
 */
export async function waitFinished(ctx: EngineContext, record: ContainerRecord): Promise<ContainerRecord> {
  const bundle = bundleFiles(ctx.paths.containers, record.id);
  if (record.state.status === 'running') await waitForExit(bundle, record.state.monitorPid);
  return ctx.lock.with(async () => {
    try {
      const found = await refresh(ctx, findContainer(ctx.paths.containers, record.id));
      // This refresh may have been what removed a --rm container: its exit record is ours, and done with.
      if (found.hostConfig.autoRemove) fs.rmSync(path.join(ctx.paths.exits, `${record.id}.json`), { force: true });
      return found;
    } catch (error) {
      const left = readJson<Partial<ContainerRecord['state']> | undefined>(path.join(ctx.paths.exits, `${record.id}.json`), undefined);
      if (!left) throw error;
      // Read once: the waiter that asked for it is done with it (reconcile prunes any others).
      fs.rmSync(path.join(ctx.paths.exits, `${record.id}.json`), { force: true });
      return { ...record, state: { ...record.state, ...left, status: 'exited' as const, pid: 0, monitorPid: 0 } };
    }
  });
}

/** A connection to a container's monitor: its streams, then its end. */
export interface AttachSession {
  /** the container, as started (or as given when it was not started here) */
  readonly record: ContainerRecord;
  /**
   * Streams until the monitor closes the connection (the container's output
   * ended, or the caller sent the detach keys).  `input`, if given, is all of
   * stdin: written, then closed (instead of `streams.stdin`).
   */
  pump(streams: AttachStreams, input?: string | Buffer): Promise<PumpResult>;
  /**
   * The container's finished record; undefined when the caller detached
   * (ctrl-p ctrl-q) and it goes on running.  Any other end of the stream
   * waits for the exit: the code is always the container's.
   */
  end(detached: boolean): Promise<ContainerRecord | undefined>;
}

/** Attaches to `record`, starting it first (held until we are connected) when `start` is given. */
export async function attachSession(ctx: EngineContext, record: ContainerRecord, start?: StartContainerOptions): Promise<AttachSession> {
  const running = start ? await startContainer(ctx, record.id, { ...start, attach: true }) : record;
  const bundle = bundleFiles(ctx.paths.containers, running.id);
  const socket = await connectAttach(bundle.socket);
  return {
    record: running,
    pump(streams, input) {
      const pumping = pump(socket, streams);
      if (input !== undefined) socket.end(input);
      return pumping;
    },
    async end(detached) {
      if (detached && !fs.existsSync(bundle.exit)) {
        const now = await inspectContainer(ctx, running.id).catch(() => undefined);
        if (now?.state.status === 'running') return undefined;
      }
      return waitFinished(ctx, running);
    },
  };
}
