// `commit`: a container's changes become a new layer on its image.  A running
// container is frozen while its upper/diff directory is read (Docker's default
// `--pause=true`) and thawed at once after.
import { withFrozen } from '../runtime/freeze.js';
import path from 'node:path';
import type { EngineContext } from '../context.js';
import { applyConfigChanges } from '../store/config-changes.js';
import { putTarAsGzipLayer } from '../store/layer-blob.js';
import type { Image } from '../store/images.js';
import type { ContainerConfig as ImageContainerConfig, HistoryEntry, ImageConfig } from '../store/oci.js';
import { refresh } from './reconcile.js';
import { findContainer } from './lookup.js';
import { BerthError } from '../errors.js';
import { isNoSpace } from '../fs-atomic.js';

export interface CommitOptions {
  /** repository[:tag] for the new image; none leaves it untagged */
  readonly reference?: string;
  readonly message?: string;
  readonly author?: string;
  /** -c: Dockerfile instructions applied to the config (CMD, ENV, ...) */
  readonly changes?: readonly string[];
  /** the exact run-time config of the new image (a build step keeps its parent's, not the container's Cmd) */
  readonly config?: ImageContainerConfig;
  /** the exact history entry to append (a build step's `created_by`) */
  readonly history?: HistoryEntry;
}

export async function commitContainer(ctx: EngineContext, ref: string, options: CommitOptions = {}): Promise<Image> {
  return ctx.lock.with(async () => {
    const record = await refresh(ctx, findContainer(ctx.paths.containers, ref));
    const base = ctx.images.imageConfig(record.image);
    const baseLayers = ctx.images.layers(record.image);
    // A running container is frozen while its changes are read, as docker commit pauses it by
    // default: nothing in it can swap a file for a device node or a symlink mid-read.
    const running = record.state.status === 'running';
    const layer = await withFrozen(record.id, running, () => putTarAsGzipLayer(ctx.images.blobs, ctx.storage.diff(record.id)), path.join(ctx.paths.containers, record.id), ctx.cgroups).catch((error: unknown) => {
      // the partial blob is gone already (the writer aborts); say what and where, not a stack trace
      if (isNoSpace(error)) throw new BerthError('internal', `no space left on device while writing layer of container ${record.id.slice(0, 12)}: free space in ${ctx.paths.root}`, { cause: error });
      throw error;
    });
    // As Docker does, the new image runs what the container ran.
    let runConfig: ImageContainerConfig = options.config ?? {
      ...(base.config ?? {}),
      Env: record.config.env,
      Cmd: record.config.cmd ?? undefined,
      Entrypoint: record.config.entrypoint ?? undefined,
      WorkingDir: record.config.workingDir || undefined,
      User: record.config.user || undefined,
      Labels: Object.keys(record.config.labels).length ? record.config.labels : undefined,
    };
    if (options.changes?.length) runConfig = applyConfigChanges(runConfig, options.changes);
    const created = new Date().toISOString();
    const config: Omit<ImageConfig, 'rootfs' | 'os' | 'architecture'> = {
      ...base,
      created,
      author: options.author ?? base.author,
      config: runConfig,
      history: [
        ...(base.history ?? []),
        options.history ? { created, ...options.history } : { created, created_by: [record.path, ...record.args].join(' '), ...(options.author ? { author: options.author } : {}), ...(options.message ? { comment: options.message } : {}) },
      ],
    };
    delete (config as Partial<ImageConfig>).rootfs;
    return ctx.images.createImage({
      config,
      layers: [
        ...baseLayers.map((l) => ({ blobDigest: l.digest, diffId: l.diffId, uncompressedSize: l.uncompressedSize, mediaType: l.mediaType })),
        { blobDigest: layer.blobDigest, diffId: layer.diffId, uncompressedSize: layer.uncompressedSize, mediaType: layer.mediaType },
      ],
      tags: options.reference ? [options.reference] : [],
    });
  });
}
