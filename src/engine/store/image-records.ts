// images.json (beside references.json): one record per image the store holds,
// tagged or not, keyed by manifest digest.  It exists for what the blobs
// cannot say by themselves:
//  - which manifests are images (an untagged image must still be listed, and
//    scanning every blob to find manifests would be slow and ambiguous);
//  - the uncompressed size of each layer, which `images` and `history` show.
//    It is not in the manifest (OCI descriptors carry the compressed size),
//    and annotating the manifest is not an option because pulled manifests
//    are kept byte for byte as received, so their digests stay valid.
import path from 'node:path';
import { readJson, writeJsonAtomic } from '../fs-atomic.js';
import type { Paths } from '../paths.js';

export interface ImageRecord {
  /** image id: the config digest */
  readonly id: string;
  /** uncompressed tar size of each layer, bottom first */
  readonly layerSizes: number[];
  /** when the image entered this store (ISO 8601) */
  readonly added: string;
  /** when a tag last moved onto it (Docker's Metadata.LastTagTime) */
  readonly lastTagged?: string;
}

export type ImageRecords = Record<string, ImageRecord>;

export function imageRecordsFile(paths: Paths): string {
  return path.join(paths.root, 'images.json');
}

export function loadImageRecords(paths: Paths): ImageRecords {
  return readJson<ImageRecords>(imageRecordsFile(paths), {});
}

export function saveImageRecords(paths: Paths, records: ImageRecords): void {
  writeJsonAtomic(imageRecordsFile(paths), records);
}
