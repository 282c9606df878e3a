// Read-only views of a stored image in the shapes Docker's commands print:
// `history` rows and `inspect` data.  Kept apart from images.ts, which owns
// the on-disk state.
import type { Image, ImageStore } from './images.js';
import type { ContainerConfig } from './oci.js';

/** One row of `history`, newest first. */
export interface HistoryRow {
  /** the image id on the newest row, "<missing>" below it (as Docker shows for non-local parents) */
  readonly id: string;
  readonly created: string;
  readonly createdBy: string;
  /** uncompressed size of the layer this step made (0 for an empty layer) */
  readonly size: number;
  readonly comment: string;
  readonly emptyLayer: boolean;
}

export function imageHistory(store: ImageStore, image: string | Image): HistoryRow[] {
  const target = typeof image === 'string' ? store.resolve(image) : image;
  const config = store.imageConfig(target);
  const layers = store.layers(target);
  const entries = config.history?.length
    ? config.history
    : layers.map(() => ({ created: config.created, created_by: '', comment: '', empty_layer: false }));
  let layer = 0;
  const rows = entries.map((entry) => {
    const empty = entry.empty_layer === true;
    const size = empty ? 0 : layers[layer++]?.uncompressedSize ?? 0;
    return { id: '<missing>', created: entry.created ?? '', createdBy: entry.created_by ?? '', size, comment: entry.comment ?? '', emptyLayer: empty };
  });
  rows.reverse();
  if (rows[0]) rows[0] = { ...rows[0], id: target.id };
  return rows;
}

/** What `image inspect` prints (Docker's field names). */
export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  Author: string;
  Config: ContainerConfig;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
  Descriptor: { mediaType: string; digest: string; size: number };
}

export function inspectImage(store: ImageStore, image: string | Image): ImageInspect {
  const target = typeof image === 'string' ? store.resolve(image) : image;
  const config = store.imageConfig(target);
  const manifest = store.manifest(target);
  const record = store.record(target);
  const history = config.history ?? [];
  return {
    Id: target.id,
    RepoTags: target.tags,
    RepoDigests: target.digests,
    Parent: '',
    Comment: config.comment ?? history[history.length - 1]?.comment ?? '',
    Created: config.created ?? '',
    Author: config.author ?? '',
    Config: config.config ?? {},
    Architecture: config.architecture,
    ...(config.variant ? { Variant: config.variant } : {}),
    Os: config.os,
    Size: target.size,
    RootFS: { Type: config.rootfs.type, Layers: config.rootfs.diff_ids },
    Metadata: { LastTagTime: record?.lastTagged ?? '' },
    Descriptor: {
      mediaType: manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json',
      digest: target.manifestDigest,
      size: store.blobs.size(target.manifestDigest),
    },
  };
}
