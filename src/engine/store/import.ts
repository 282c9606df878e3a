// `import`: a root filesystem tarball (plain or gzip) becomes a one-layer
// image.  The tar is read once: hashed for its diff_id, gzip-compressed and
// hashed again on its way into the blob store.
import type { Readable } from 'node:stream';
import { LayerCheck } from '../archive/check-layer.js';
import { applyConfigChanges } from './config-changes.js';
import type { Image, ImageStore } from './images.js';
import { putTarAsGzipLayer } from './layer-blob.js';
import { ociArchitecture } from './oci.js';
import { uncompressedTarStages } from './tar-sniff.js';

export interface ImportOptions {
  /** Dockerfile-like changes, e.g. ['CMD ["sh"]', 'ENV A=1'] */
  readonly changes?: readonly string[];
  /** the history comment */
  readonly message?: string;
  /** repository[:tag] for the new image; none leaves it untagged */
  readonly ref?: string;
  /** config `created` (ISO 8601); default now.  Fixed by callers that want a stable image id. */
  readonly created?: string;
  /** history `created_by`; default "import" */
  readonly createdBy?: string;
}

export async function importTarball(store: ImageStore, tarball: Readable, options: ImportOptions = {}): Promise<Image> {
  // Check the changes before spending time on the data.
  const runConfig = applyConfigChanges({}, options.changes ?? []);
  const { body, stages } = await uncompressedTarStages(tarball);
  // the layer is checked as the apply would check it at the first run: a refused entry stores nothing
  const layer = await putTarAsGzipLayer(store.blobs, body, ...stages, new LayerCheck());
  const created = options.created ?? new Date().toISOString();
  return store.createImage({
    config: {
      created,
      architecture: ociArchitecture(),
      os: 'linux',
      config: runConfig,
      history: [{ created, created_by: options.createdBy ?? 'import', ...(options.message ? { comment: options.message } : {}) }],
    },
    layers: [{ blobDigest: layer.blobDigest, diffId: layer.diffId, uncompressedSize: layer.uncompressedSize, mediaType: layer.mediaType }],
    tags: options.ref ? [options.ref] : [],
  });
}
