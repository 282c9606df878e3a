// The engine operations a build step is made of: an image with a new config
// and no new layer (ENV, CMD...), a container that runs a command and is
// committed (RUN), a container that is written into and committed (COPY,
// ADD, WORKDIR).  Every container made here is removed before the step
// returns, whether it succeeded, failed or was aborted.
import { Writable } from 'node:stream';
import type { EngineContext } from '../context.js';
import type { Image } from '../store/images.js';
import type { ContainerConfig, HistoryEntry, ImageConfig } from '../store/oci.js';
import type { CreateOptions } from '../containers/create.js';
import { createOwnedContainer } from '../containers/owner.js';
import { startContainer } from '../containers/start.js';
import { removeContainer } from '../containers/remove.js';
import { killContainer } from '../containers/stop.js';
import { commitContainer } from '../containers/commit.js';
import { connectAttach, pump } from '../containers/attach.js';
import { inspectContainer, waitFinished } from '../containers/session.js';
import { bundleFiles, type ContainerRecord, type NetworkMode } from '../containers/record.js';
import type { BuildListener } from './events.js';
import { BuildAborted, RunFailed } from './errors.js';

function layerInputs(ctx: EngineContext, imageId: string) {
  return ctx.images.layers(imageId).map((l) => ({ blobDigest: l.digest, diffId: l.diffId, uncompressedSize: l.uncompressedSize, mediaType: l.mediaType }));
}

/** A new image with the parent's layers and `runConfig`, and one history entry with no layer. */
export async function configImage(ctx: EngineContext, parentId: string, runConfig: ContainerConfig, history: HistoryEntry, author?: string): Promise<Image> {
  return ctx.lock.with(async () => {
    const base = ctx.images.imageConfig(parentId);
    const created = new Date().toISOString();
    const config: Omit<ImageConfig, 'rootfs'> & { rootfs?: unknown } = {
      ...base,
      created,
      ...(author !== undefined ? { author } : {}),
      config: runConfig,
      history: [...(base.history ?? []), { created, ...history, empty_layer: true }],
    };
    delete config.rootfs;
    return ctx.images.createImage({ config, layers: layerInputs(ctx, parentId) });
  });
}

/** The empty image FROM scratch starts from: no layers, fixed bytes, so its id never changes. */
export async function scratchImage(ctx: EngineContext): Promise<Image> {
  return ctx.lock.with(() => ctx.images.createImage({ config: { created: '1970-01-01T00:00:00Z', config: {}, history: [] }, layers: [] }));
}

/** Creates a container for a step, hands it to `use`, and removes it whatever happens. */
export async function withStepContainer<T>(ctx: EngineContext, options: CreateOptions, use: (record: ContainerRecord) => Promise<T>, onRemoved?: (id: string) => void): Promise<T> {
  const record = await createOwnedContainer(ctx, options, 'build step');
  try {
    return await use(record);
  } finally {
    await removeContainer(ctx, record, { force: true });
    onRemoved?.(record.id);
  }
}

export interface RunStepOptions {
  readonly image: string;
  readonly argv: readonly string[];
  /** ARG values the command sees (not saved in the image) */
  readonly env: readonly string[];
  readonly user?: string;
  readonly workingDir?: string;
  readonly network: NetworkMode;
  /** the resulting image's exact config and history entry */
  readonly config: ContainerConfig;
  readonly history: HistoryEntry;
  /** shown in the error when the command fails */
  readonly display: string;
  readonly signal?: AbortSignal;
  readonly onEvent: BuildListener;
}

/** RUN: a container runs the command with its output streamed; exit 0 is committed, anything else throws RunFailed. */
export async function runStep(ctx: EngineContext, options: RunStepOptions): Promise<Image> {
  const create: CreateOptions = {
    image: options.image,
    cmd: options.argv,
    entrypoint: '',
    env: options.env,
    user: options.user,
    workingDir: options.workingDir,
    network: options.network,
  };
  return withStepContainer(ctx, create, async (record) => {
    options.onEvent({ type: 'running', containerId: record.id });
    options.signal?.throwIfAborted();
    const exitCode = await runAttached(ctx, record, options);
    if (options.signal?.aborted) throw new BuildAborted();
    if (exitCode !== 0) throw new RunFailed(options.display, exitCode);
    return commitContainer(ctx, record.id, { config: options.config, history: options.history });
  }, (id) => options.onEvent({ type: 'removed', containerId: id }));
}

async function runAttached(ctx: EngineContext, record: ContainerRecord, options: RunStepOptions): Promise<number> {
  const kill = () => void killContainer(ctx, record.id, 'SIGKILL').catch(() => undefined);
  options.signal?.addEventListener('abort', kill, { once: true });
  try {
    await startContainer(ctx, record.id, { attach: true });
    const socket = await connectAttach(bundleFiles(ctx.paths.containers, record.id).socket);
    const sink = (stream: 'stdout' | 'stderr') => new Writable({
      write(chunk: Buffer, _encoding, done) {
        options.onEvent({ type: 'output', stream, data: chunk });
        done();
      },
    });
    await pump(socket, { stdout: sink('stdout'), stderr: sink('stderr'), tty: false });
    const finished = await waitFinished(ctx, await inspectContainer(ctx, record.id));
    return finished.state.exitCode;
  } finally {
    options.signal?.removeEventListener('abort', kill);
  }
}

export interface WriteStepOptions {
  readonly image: string;
  readonly config: ContainerConfig;
  readonly history: HistoryEntry;
  readonly signal?: AbortSignal;
}

/**
 * COPY, ADD, WORKDIR: a container (never started) whose rootfs `write`
 * changes; committed when `write` returns true, else the parent is kept and
 * undefined returned.
 */
export async function writeStep(ctx: EngineContext, options: WriteStepOptions, write: (rootfs: string) => Promise<boolean>): Promise<Image | undefined> {
  const create: CreateOptions = { image: options.image, cmd: ['/nonexistent-build-step'], entrypoint: '', network: 'none' };
  return withStepContainer(ctx, create, async (record) => {
    const rootfs = await ctx.storage.mount(record.id);
    let changed: boolean;
    try {
      changed = await write(rootfs);
    } finally {
      await ctx.storage.unmount(record.id);
    }
    options.signal?.throwIfAborted();
    if (!changed) return undefined;
    return commitContainer(ctx, record.id, { config: options.config, history: options.history });
  });
}
