// The lab's local "public index": base images berth can make on this machine
// from local packages, so `pull busybox` works offline.
import { notFound } from '../errors.js';
import type { Image, ImageStore } from '../store/images.js';
import { isReference, normalizeReference } from '../store/reference.js';
import { BUSYBOX_REFERENCE, ensureBusybox } from './busybox.js';
import { DEBIAN_REFERENCE, ensureDebian, type Progress } from './debian.js';

export type { Progress } from './debian.js';

const BASE_IMAGES: Record<string, (store: ImageStore, onProgress?: Progress) => Promise<Image>> = {
  [BUSYBOX_REFERENCE]: (store) => ensureBusybox(store),
  [DEBIAN_REFERENCE]: ensureDebian,
};

/** References the hub can make, e.g. ["busybox:latest", "debian:bookworm"]. */
export const HUB_IMAGES: readonly string[] = Object.keys(BASE_IMAGES);

/** Returns the base image `name` names, making it first if the store lacks it. */
export async function ensureBaseImage(store: ImageStore, name: string, onProgress?: Progress): Promise<Image> {
  const key = isReference(name) ? normalizeReference(name) : name;
  const make = BASE_IMAGES[key];
  if (!make) throw notFound(`No such image: ${name} (the local hub has busybox, debian:bookworm)`);
  return make(store, onProgress);
}
