// Writing a layer tar entry by entry from files on disk: headers from lstat,
// xattrs as PAX records, content streamed from the file, and a second name of
// an inode already written as a hard link to the first.  The result is a Node
// Readable that pulls from tar-stream's pack, so a slow reader slows the walk.
import fs from 'node:fs';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import type { Header, Pack } from 'tar-stream';
import { paxFromXattrs } from './tar-pax.js';
import { readXattrs } from './xattrs.js';

type EntryType = Header['type'];

function entryType(stats: fs.Stats): EntryType | undefined {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isCharacterDevice()) return 'character-device';
  if (stats.isBlockDevice()) return 'block-device';
  if (stats.isFIFO()) return 'fifo';
  return undefined; // sockets: tar has no type for them, docker skips them too
}

// glibc's major()/minor() for a dev_t.
function devMajor(rdev: number): number {
  return Number(((BigInt(rdev) >> 8n) & 0xfffn) | ((BigInt(rdev) >> 32n) & ~0xfffn));
}
function devMinor(rdev: number): number {
  return Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & ~0xffn));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class LayerTarWriter {
  readonly pack: Pack = tarStream.pack();
  /** "dev:ino" -> the tar name first written for it */
  private readonly firstNames = new Map<string, string>();

  /** Adds the file `abs` under the tar name `name` ("etc/passwd"). */
  async addPath(name: string, abs: string, stats = fs.lstatSync(abs)): Promise<void> {
    const type = entryType(stats);
    if (type === undefined) return;
    const base: Header = {
      name: type === 'directory' ? `${name}/` : name,
      type,
      // the whole st_mode: tar-stream replaces a mode of 0 (say /etc/shadow's)
      // by 0644, and masks the type bits off itself
      mode: stats.mode,
      uid: stats.uid,
      gid: stats.gid,
      mtime: stats.mtime,
      size: 0,
      linkname: '',
      uname: '',
      gname: '',
      devmajor: 0,
      devminor: 0,
      pax: paxFromXattrs(readXattrs(abs)),
    };
    if (type !== 'directory' && stats.nlink > 1) {
      const key = `${stats.dev}:${stats.ino}`;
      const first = this.firstNames.get(key);
      if (first !== undefined) return this.addHeader({ ...base, type: 'link', linkname: first, pax: undefined });
      this.firstNames.set(key, name);
    }
    if (type === 'symlink') return this.addHeader({ ...base, linkname: fs.readlinkSync(abs) });
    if (type === 'character-device' || type === 'block-device') {
      return this.addHeader({ ...base, devmajor: devMajor(stats.rdev), devminor: devMinor(stats.rdev) });
    }
    if (type === 'file') return this.addFile({ ...base, size: stats.size }, abs);
    return this.addHeader(base);
  }

  /** Adds an empty `.wh.` entry (a whiteout or an opaque marker) under the tar name `name`. */
  addWhiteout(name: string, mtime = new Date(0)): Promise<void> {
    return this.addHeader({ name, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime, size: 0 } as Header);
  }

  private async addHeader(header: Header): Promise<void> {
    // Header-only entries are pushed without backpressure; wait while the
    // reader is behind so a tree of a million directories is not buffered.
    while (isBackpressured(this.pack)) await sleep(1);
    await new Promise<void>((resolve, reject) => {
      // an empty body ends the entry (a 'file' entry without one would wait for content)
      this.pack.entry(header, Buffer.alloc(0), (error) => (error ? reject(error) : resolve()));
    });
  }

  private async addFile(header: Header, abs: string): Promise<void> {
    const fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    // What was opened must be the regular file that was lstat'ed: a container swapping in a
    // device node or a fifo between the two would have the host read it as root.
    const opened = fs.fstatSync(fd);
    if (!opened.isFile() || opened.size !== header.size) {
      fs.closeSync(fd);
      throw new Error(`${header.name}: the file changed while it was read (it is no longer the regular file of ${header.size} bytes it was)`);
    }
    const input = fs.createReadStream(abs, { fd, autoClose: true });
    let done!: Promise<void>;
    const sink = await new Promise<ReturnType<Pack['entry']>>((resolve) => {
      done = new Promise<void>((ok, fail) => {
        resolve(this.pack.entry(header, (error) => (error ? fail(error) : ok())));
      });
    });
    // The entry's error (the pack destroyed: its reader failed, e.g. ENOSPC) arrives through `done`;
    // without a listener here it would also be an uncaught 'error' event that crashes the process.
    let failed: Error | undefined;
    sink.on('error', (error: Error) => { failed = error; });
    done.catch(() => undefined); // awaited below, unless the copy fails first
    try {
      for await (const chunk of input) {
        if (failed) throw failed;
        if (!sink.write(chunk)) {
          await new Promise<void>((resolve) => {
            const wake = () => {
              sink.off('drain', wake).off('error', wake).off('close', wake);
              resolve();
            };
            sink.on('drain', wake).on('error', wake).on('close', wake);
          });
        }
      }
      if (failed) throw failed;
      (sink as unknown as { end(): void }).end();
    } catch (error) {
      sink.destroy(error as Error);
      throw error;
    } finally {
      input.destroy();
    }
    await done;
  }
}

function isBackpressured(pack: Pack): boolean {
  const state = (pack as unknown as { _readableState?: { buffered: number; highWaterMark: number } })._readableState;
  return state !== undefined && state.buffered >= state.highWaterMark;
}

/**
 * Runs `produce` against a fresh writer and returns the tar as a Node
 * Readable.  An error in `produce` becomes an error of the stream.
 */
export function tarFrom(produce: (writer: LayerTarWriter) => Promise<void>): Readable {
  const writer = new LayerTarWriter();
  produce(writer).then(
    () => writer.pack.finalize(),
    (error: unknown) => writer.pack.destroy(error instanceof Error ? error : new Error(String(error))),
  );
  return Readable.from(writer.pack as unknown as AsyncIterable<Buffer>, { objectMode: false });
}
