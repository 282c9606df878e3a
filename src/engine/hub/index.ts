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
  // `debian` alone means debian:latest, which on this hub is bookworm.
  'debian:latest': async (store, onProgress) => store.tag(await ensureDebian(store, onProgress), 'debian:latest'),
};

/** What `search` says of each base image before the hub has been seeded with it. */
export const HUB_DESCRIPTIONS: Readonly<Record<string, string>> = {
  [BUSYBOX_REFERENCE]: 'BusyBox: the Swiss Army knife of embedded Linux, a shell and 300 tools in one small static binary',
  [DEBIAN_REFERENCE]: 'Debian 12 (bookworm), minimal base system built with debootstrap',
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
