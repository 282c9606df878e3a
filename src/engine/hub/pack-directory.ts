// Writes a directory tree as a tar stream with tar-stream: regular files,
// directories, symlinks, hard links (one copy, then links to it), device
// nodes and fifos, with modes, owners and mtimes as they are on disk.  For
// the hub's debootstrap tree, which must become a rootfs tarball.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import tar from 'tar-stream';

type Header = Parameters<tar.Pack['entry']>[0];

/** Returns true for a path (relative, e.g. "dev/null") whose entry must be left out. */
export type Exclude = (relative: string) => boolean;

export async function packDirectory(root: string, out: Writable, exclude: Exclude = () => false): Promise<void> {
  const pack = tar.pack();
  const written = pipeline(pack as unknown as NodeJS.ReadableStream, out);
  const feed = async () => {
    try {
      const firstPathOfInode = new Map<string, string>();
      for (const relative of walk(root, '', exclude)) await addPath(pack, root, relative, firstPathOfInode);
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
    }
  };
  await Promise.all([written, feed()]);
}

/** Relative paths under root, parents before children, names sorted for a stable order. */
function* walk(root: string, relative: string, exclude: Exclude): Generator<string> {
  const names = fs.readdirSync(path.join(root, relative)).sort();
  for (const name of names) {
    const child = relative ? `${relative}/${name}` : name;
    if (exclude(child)) continue;
    yield child;
    if (fs.lstatSync(path.join(root, child)).isDirectory()) yield* walk(root, child, exclude);
  }
}

async function addPath(pack: tar.Pack, root: string, relative: string, firstPathOfInode: Map<string, string>): Promise<void> {
  const full = path.join(root, relative);
  const st = fs.lstatSync(full);
  const header: Header = { name: relative, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
  if (st.isDirectory()) return add(pack, { ...header, type: 'directory' });
  if (st.isSymbolicLink()) return add(pack, { ...header, type: 'symlink', linkname: fs.readlinkSync(full) });
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    return add(pack, { ...header, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: major(st.rdev), devminor: minor(st.rdev) });
  }
  if (st.isFIFO()) return add(pack, { ...header, type: 'fifo' });
  if (!st.isFile()) return; // sockets cannot be archived
  if (st.nlink > 1) {
    const key = `${st.dev}:${st.ino}`;
    const first = firstPathOfInode.get(key);
    if (first !== undefined) return add(pack, { ...header, type: 'link', linkname: first });
    firstPathOfInode.set(key, relative);
  }
  // Whole files in memory: the trees packed here (a minimal Debian) have no file beyond a few MB.
  const data = fs.readFileSync(full);
  await new Promise<void>((resolve, reject) => {
    pack.entry({ ...header, type: 'file', size: data.length }, data, (error) => (error ? reject(error) : resolve()));
  });
}

function add(pack: tar.Pack, header: Header): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, (error) => (error ? reject(error) : resolve())));
}

// glibc's encoding of dev_t.
const major = (dev: number) => Number(((BigInt(dev) >> 8n) & 0xfffn) | ((BigInt(dev) >> 32n) & ~0xfffn));
const minor = (dev: number) => Number((BigInt(dev) & 0xffn) | ((BigInt(dev) >> 12n) & ~0xffn));
