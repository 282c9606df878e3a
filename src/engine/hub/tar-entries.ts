// Builds a layer from a list of entries with tar-stream: the hub's images are
// written entry by entry, and this keeps the streaming (pack -> gzip -> blob)
// in one place.
import tar from 'tar-stream';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../store/blobs.js';
import { putTarAsGzipLayer, type StoredLayer } from '../store/layer-blob.js';

export type TarEntry =
  | { readonly type: 'directory'; readonly name: string; readonly mode: number }
  | { readonly type: 'file'; readonly name: string; readonly mode: number; readonly data: Buffer }
  | { readonly type: 'link'; readonly name: string; readonly target: string }
  | { readonly type: 'symlink'; readonly name: string; readonly target: string };

/** Writes the entries, in order, as a gzip layer blob; every entry gets `mtime` and root ownership. */
export async function putEntriesAsLayer(blobs: BlobStore, entries: Iterable<TarEntry>, mtime: Date): Promise<StoredLayer> {
  const pack = tar.pack();
  const feed = async () => {
    try {
      for (const entry of entries) await addEntry(pack, entry, mtime);
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
    }
  };
  // If storing fails first, the rejection wins and the feeder is abandoned.
  const [stored] = await Promise.all([putTarAsGzipLayer(blobs, pack as unknown as Readable), feed()]);
  return stored;
}

function addEntry(pack: tar.Pack, entry: TarEntry, mtime: Date): Promise<void> {
  const common = { name: entry.name, mtime, uid: 0, gid: 0, uname: 'root', gname: 'root' };
  return new Promise((resolve, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    switch (entry.type) {
      case 'directory': pack.entry({ ...common, type: 'directory', mode: entry.mode }, done); break;
      case 'file': pack.entry({ ...common, type: 'file', mode: entry.mode, size: entry.data.length }, entry.data, done); break;
      case 'link': pack.entry({ ...common, type: 'link', mode: 0o755, linkname: entry.target }, done); break;
      case 'symlink': pack.entry({ ...common, type: 'symlink', mode: 0o777, linkname: entry.target }, done); break;
    }
  });
}
