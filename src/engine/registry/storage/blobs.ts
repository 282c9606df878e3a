// Blobs, in two layers as in Docker's distribution:
//   - the blob store: global and content-addressed, one copy of a layer
//     however many repositories hold it; a blob enters it whole (moved in
//     from a verified upload, or put whole for a manifest's bytes) and is
//     never written in place;
//   - repository links: a repository "has" a blob only through a link, made
//     when an upload into it is committed or when the blob is mounted.
// Removing a link leaves the bytes: reclaiming unlinked blobs is garbage
// collection's job (gc.ts).
import { Readable } from 'node:stream';
import { validateRegistryDigest as validateDigest } from './digests.js';
import type { StorageDriver } from './driver.js';
import { deleteIfPresent, putMarker, statOrUndefined } from './driver-io.js';
import { blobPath, layerLinkPath } from './layout.js';
import { validateRepositoryName } from './names.js';
import { BlobUnknownError, type BlobInfo, type ByteRange } from './storage.js';

export class BlobStore {
  constructor(private readonly driver: StorageDriver) {}

  /** The blob's size, or undefined when the store does not have it. */
  async size(digest: string): Promise<number | undefined> {
    return (await statOrUndefined(this.driver, blobPath(digest)))?.size;
  }

  get(digest: string): Promise<Buffer> {
    return this.driver.get(blobPath(digest));
  }

  /** The blob's bytes, or the inclusive `range` of them. */
  async read(digest: string, range?: ByteRange): Promise<Readable> {
    const stream = await this.driver.reader(blobPath(digest), range?.start ?? 0);
    return range ? Readable.from(firstBytes(stream, range.end - range.start + 1)) : stream;
  }

  /** Stores small bytes whose digest the caller computed (a manifest), unless already there. */
  async putIfAbsent(digest: string, bytes: Uint8Array): Promise<void> {
    if ((await this.size(digest)) === undefined) await this.driver.put(blobPath(digest), bytes);
  }

  /**
   * Takes in a verified, committed file (an upload's data) as the blob
   * `digest`, moving it into place; when the blob is already there the file
   * is left to the caller.
   */
  async adopt(digest: string, file: string): Promise<void> {
    if ((await this.size(digest)) === undefined) await this.driver.move(file, blobPath(digest));
  }
}

export class RepositoryLinks {
  constructor(private readonly driver: StorageDriver, private readonly blobs: BlobStore) {}

  /** The blob as `repository` holds it; BlobUnknownError when it holds no such blob. */
  async stat(repository: string, digest: string): Promise<BlobInfo> {
    validateRepositoryName(repository);
    validateDigest(digest);
    const linked = await statOrUndefined(this.driver, layerLinkPath(repository, digest));
    const size = linked && (await this.blobs.size(digest));
    if (size === undefined) throw new BlobUnknownError(repository, digest);
    return { digest, size };
  }

  async read(repository: string, digest: string, range?: ByteRange): Promise<Readable> {
    await this.stat(repository, digest);
    return this.blobs.read(digest, range);
  }

  /** Links a blob the store has into `repository` (again: a no-op). */
  async link(repository: string, digest: string): Promise<void> {
    await putMarker(this.driver, layerLinkPath(validateRepositoryName(repository), validateDigest(digest)));
  }

  async mount(repository: string, digest: string, from: string): Promise<BlobInfo> {
    validateRepositoryName(repository);
    const info = await this.stat(from, digest);
    await this.link(repository, digest);
    return info;
  }

  /** Removes the link (a dangling one too: the link is what is asked about, not the bytes). */
  async unlink(repository: string, digest: string): Promise<void> {
    validateRepositoryName(repository);
    validateDigest(digest);
    const link = layerLinkPath(repository, digest);
    if (!(await statOrUndefined(this.driver, link))) throw new BlobUnknownError(repository, digest);
    await deleteIfPresent(this.driver, link);
  }
}

/** The first `count` bytes of a stream; the stream is destroyed once they are out (or the reader stops). */
async function* firstBytes(stream: Readable, count: number): AsyncGenerator<Buffer> {
  let left = count;
  try {
    for await (const chunk of stream) {
      if (left <= 0) break;
      const bytes = chunk as Buffer;
      const part = bytes.length > left ? bytes.subarray(0, left) : bytes;
      left -= part.length;
      yield part;
      if (left <= 0) break;
    }
  } finally {
    stream.destroy();
  }
}
