// The build cache, keyed as Docker's classic builder keys it: the parent
// image, the instruction after ARG/ENV expansion (with the build args a RUN
// sees), and for COPY/ADD a hash of the copied files' content and metadata.
// A key maps to the image that step made; a hit counts only while that image
// still exists.  The file also records which images are build intermediates,
// so `images` can hide them as Docker does.
//
//   <root>/build-cache.json  {"steps": {"<key>": "sha256:<image id>"}, "intermediates": ["sha256:..."]}
import path from 'node:path';
import { readJson, writeJsonAtomic } from '../fs-atomic.js';
import type { Lock } from '../lock.js';
import { sha256 } from './context.js';

interface CacheFile {
  steps: Record<string, string>;
  intermediates: string[];
}

export function cacheFile(root: string): string {
  return path.join(root, 'build-cache.json');
}

function load(root: string): CacheFile {
  const data = readJson<Partial<CacheFile>>(cacheFile(root), {});
  return { steps: data.steps ?? {}, intermediates: data.intermediates ?? [] };
}

/** The key of one step: parent image id (or "scratch") and the step's expanded description. */
export function stepKey(parent: string, description: readonly string[]): string {
  return sha256(JSON.stringify([parent, ...description]));
}

/** Ids of images made by build steps that are not the final image of a build. */
export function buildIntermediates(root: string): Set<string> {
  return new Set(load(root).intermediates);
}

export class BuildCache {
  constructor(private readonly root: string, private readonly lock: Lock) {}

  /** The image id of a cached step, or undefined. */
  lookup(key: string): string | undefined {
    return load(this.root).steps[key];
  }

  /** Records a step's image (an intermediate until `markFinal`). */
  async record(key: string, imageId: string): Promise<void> {
    await this.update((data) => {
      data.steps[key] = imageId;
      if (!data.intermediates.includes(imageId)) data.intermediates.push(imageId);
    });
  }

  /** Marks an image as made by a build without a cache key (e.g. the empty scratch image). */
  async markIntermediate(imageId: string): Promise<void> {
    await this.update((data) => {
      if (!data.intermediates.includes(imageId)) data.intermediates.push(imageId);
    });
  }

  /** The final image of a build is shown by `images` even when it loses its tag (a dangling image). */
  async markFinal(imageId: string): Promise<void> {
    await this.update((data) => {
      data.intermediates = data.intermediates.filter((id) => id !== imageId);
    });
  }

  /** Forgets entries whose images are gone (called after a build; cheap). */
  async forgetMissing(exists: (imageId: string) => boolean): Promise<void> {
    await this.update((data) => {
      for (const [key, id] of Object.entries(data.steps)) if (!exists(id)) delete data.steps[key];
      data.intermediates = data.intermediates.filter(exists);
    });
  }

  private async update(change: (data: CacheFile) => void): Promise<void> {
    await this.lock.with(() => {
      const data = load(this.root);
      change(data);
      writeJsonAtomic(cacheFile(this.root), data);
    });
  }
}
