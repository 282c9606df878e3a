// pull, push, search, login: names resolved to registries (registry/resolve.ts),
// the index being the lab's hub unless BERTH_INDEX names another (an
// instructor's hub, or docker.io).  The local hub starts on demand and is
// seeded on demand: a base image it lacks (busybox, debian:bookworm) is made
// here from local packages and pushed to it, so the next learner on the same
// hub simply pulls it.
import type { EngineContext } from './context.js';
import { BerthError } from './errors.js';
import { ensureBaseImage, HUB_DESCRIPTIONS, HUB_IMAGES } from './hub/index.js';
import { ensureHub } from './hub/service.js';
import { HUB_RECIPES, type HubRecipe } from './hub/recipes.js';
import { resolveName, type ResolvedName } from './registry/resolve.js';
import { pullImage, pushImage, searchIndex, login as registryLogin, logout as registryLogout, type SearchResult } from './registry/client/index.js';
import { normalizeReference } from './store/reference.js';
import type { Image } from './store/images.js';
import type { Readable, Writable } from 'node:stream';
import { loadImages, saveImages } from './archive/docker-archive.js';

import type { Listener, PullEvent, PushEvent } from './events.js';

/** The index: the index setting (BERTH_INDEX, `learn --hub`), or the local hub (started if need be). */
export async function indexUrl(ctx: EngineContext): Promise<{ url: string; localHub: boolean }> {
  const configured = ctx.settings.index;
  if (configured) return { url: /^[a-z]+:\/\//.test(configured) ? configured : `https://${configured}`, localHub: false };
  return { url: await ensureHub(ctx.paths, ctx.settings), localHub: true };
}

async function target(ctx: EngineContext, name: string): Promise<{ resolved: ResolvedName; localHub: boolean }> {
  const probe = resolveName(name, 'http://index.invalid', ctx.settings.insecureRegistries);
  if (!probe.onIndex) return { resolved: probe, localHub: false };
  const index = await indexUrl(ctx);
  return { resolved: resolveName(name, index.url, ctx.settings.insecureRegistries), localHub: index.localHub };
}

const isNotFound = (error: unknown) => error instanceof BerthError && (error.kind === 'not-found' || /MANIFEST_UNKNOWN|NAME_UNKNOWN|not found/i.test(error.message));

/** Builds a hub recipe into the local store (the Engine supplies it: building needs the whole engine). */
export type RecipeBuilder = (reference: string, recipe: HubRecipe, onEvent?: Listener<PullEvent>) => Promise<Image>;

/** pull: from the registry the name names, or the index. */
export async function pull(ctx: EngineContext, name: string, onEvent?: Listener<PullEvent>, buildRecipe?: RecipeBuilder): Promise<Image> {
  const { resolved, localHub } = await target(ctx, name);
  // Only the final putManifest needs the lock: a long pull never holds up `ps`.
  const options = {
    localTag: resolved.localName,
    onProgress: onEvent,
    lock: <T>(work: () => Promise<T>) => ctx.lock.with(work),
  };
  const registryTarget = { baseUrl: resolved.baseUrl, configDir: ctx.settings.configDir, repository: resolved.repository, name: resolved.localName.replace(/[:@][^:@/]*$/, '') };
  try {
    return await pullImage(ctx.images, registryTarget, resolved.reference, options);
  } catch (error) {
    const base = HUB_IMAGES.includes(normalizeReference(name)) || (buildRecipe !== undefined && normalizeReference(name) in HUB_RECIPES);
    if (!(localHub && base && isNotFound(error))) {
      if (isNotFound(error) && resolved.onIndex) {
        throw new BerthError('not-found', `pull access denied for ${name}, repository does not exist or may require 'berth login' (${(error as Error).message})`, { cause: error });
      }
      throw error;
    }
  }
  // The local hub lacks a base image: make it here and seed the hub with it.
  onEvent?.({ type: 'status', text: `${resolved.localName}: not on the hub yet, making it from local packages` });
  const recipe = HUB_RECIPES[resolved.localName];
  const image = recipe && buildRecipe
    ? await buildRecipe(resolved.localName, recipe, onEvent)
    : await ctx.lock.with(() => ensureBaseImage(ctx.images, resolved.localName, onEvent));
  await pushImage(ctx.images, image, registryTarget, resolved.reference, {});
  onEvent?.({ type: 'status', text: `Status: Downloaded newer image for ${resolved.localName}` });
  return ctx.images.resolve(resolved.localName);
}

/** save: images (with the names given) to a tar docker load and skopeo read. */
export async function save(ctx: EngineContext, names: readonly string[], out: Writable): Promise<void> {
  const images = names.map((name) => {
    const image = ctx.images.resolve(name);
    const tagged = image.tags.includes(normalizeReferenceSafe(name)) ? [normalizeReferenceSafe(name)] : image.tags;
    return { image, tags: tagged };
  });
  await saveImages(ctx.images, images, out);
}

/** load: images from a tar; returns Docker's lines ("Loaded image: busybox:latest"). */
export async function load(ctx: EngineContext, tar: Readable): Promise<string[]> {
  const images = await loadImages(ctx.images, tar, { lock: <T>(work: () => Promise<T>) => ctx.lock.with(work) });
  return images.flatMap((image) => (image.tags.length ? image.tags.map((t) => `Loaded image: ${t}`) : [`Loaded image ID: ${image.id}`]));
}

function normalizeReferenceSafe(name: string): string {
  try {
    return normalizeReference(name);
  } catch {
    return name;
  }
}

/** push: the local image `name` to the registry its name names (or the index). */
export async function push(ctx: EngineContext, name: string, onEvent?: Listener<PushEvent>) {
  const image = ctx.images.find(name);
  if (!image) throw new BerthError('not-found', `An image does not exist locally with the tag: ${name}`);
  const { resolved } = await target(ctx, name);
  if (resolved.reference.startsWith('sha256:')) throw new BerthError('invalid', `cannot push a digest reference: tag the image first (berth tag ${name} NAME:TAG)`);
  const registryTarget = { baseUrl: resolved.baseUrl, configDir: ctx.settings.configDir, repository: resolved.repository, name: resolved.localName.replace(/:[^:/]*$/, '') };
  return pushImage(ctx.images, image, registryTarget, resolved.reference, { onProgress: onEvent });
}

export async function search(ctx: EngineContext, term: string, limit = 25): Promise<SearchResult[]> {
  const index = await indexUrl(ctx);
  const results = await searchIndex(index.url, term, limit, { configDir: ctx.settings.configDir });
  if (!index.localHub) return results;
  // The local hub also offers the base images it makes on the first pull.
  const needle = term.toLowerCase();
  const offered = { ...HUB_DESCRIPTIONS, ...Object.fromEntries(Object.entries(HUB_RECIPES).map(([r, recipe]) => [r, recipe.description])) };
  for (const [reference, description] of Object.entries(offered)) {
    const name = reference.split(':')[0]!;
    if (results.some((r) => r.name === name)) continue;
    if (!name.includes(needle) && !description.toLowerCase().includes(needle)) continue;
    results.push({ name, description, star_count: 0, is_official: true, is_automated: false });
  }
  return results.slice(0, limit);
}

/** login to a registry host, or the index when none is named. */
export async function login(ctx: EngineContext, registry: string | undefined, username: string, password: string) {
  const where = registry ?? (await indexUrl(ctx)).url;
  return registryLogin(where, username, password, { configDir: ctx.settings.configDir });
}

export async function logout(ctx: EngineContext, registry: string | undefined): Promise<{ registry: string; removed: boolean }> {
  const where = registry ?? (await indexUrl(ctx)).url;
  return { registry: where, removed: registryLogout(where, ctx.settings.configDir) };
}
