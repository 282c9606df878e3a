// Images the store and registry tests share.
import { putEntriesAsLayer } from '../../../src/engine/hub/tar-entries.js';
import type { Image, ImageStore } from '../../../src/engine/store/images.js';

/**
 * A two-layer image over busybox's one layer, adding /app/hello.txt with
 * `text`: a store that holds busybox already holds half of it.
 */
export async function twoLayerImage(store: ImageStore, busybox: Image, text: string, tags: readonly string[]): Promise<Image> {
  const top = await putEntriesAsLayer(store.blobs, [
    { type: 'directory', name: 'app', mode: 0o755 },
    { type: 'file', name: 'app/hello.txt', mode: 0o644, data: Buffer.from(text) },
  ], new Date('2024-02-02T00:00:00Z'));
  const base = store.layers(busybox)[0]!;
  return store.createImage({
    config: { created: '2024-02-02T00:00:00Z', config: { Cmd: ['cat', '/app/hello.txt'] } },
    layers: [
      { blobDigest: base.digest, diffId: base.diffId, uncompressedSize: base.uncompressedSize, mediaType: base.mediaType },
      { blobDigest: top.blobDigest, diffId: top.diffId, uncompressedSize: top.uncompressedSize, mediaType: top.mediaType },
    ],
    tags,
  });
}
