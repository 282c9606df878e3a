// The storage driver on a directory tree: driver path /a/b is <root>/a/b.
//
// Durability, as the registry had it before the driver split: put() writes a
// temp file beside the target, fsyncs it and renames it over (as fs-atomic.ts
// does, with its temp names, but without blocking the event loop),
// so no reader sees half a file; a writer's commit() fsyncs its file; move()
// is rename(2) followed by an fsync of the target's directory, so a blob
// moved into place survives a crash.  Temp files are dot-names, which no
// driver path can spell and list() never shows.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import nodePath from 'node:path';
import type { Readable } from 'node:stream';
import { isErrno } from '../../../errors.js';
import { atomicTempName } from '../../../fs-atomic.js';
import {
  byteOrder, checkPath, InvalidOffsetError, PathNotFoundError,
  type FileInfo, type FileWriter, type StorageDriver,
} from '../driver.js';

const READ_CHUNK = 1 << 20;

export class FilesystemDriver implements StorageDriver {
  readonly name: string;

  constructor(readonly root: string) {
    this.name = `filesystem ${root}`;
    fs.mkdirSync(root, { recursive: true });
  }

  async get(path: string): Promise<Buffer> {
    return this.missingAsNotFound(path, () => fsp.readFile(this.file(path)));
  }

  async put(path: string, content: Uint8Array): Promise<void> {
    const file = this.file(path);
    await fsp.mkdir(nodePath.dirname(file), { recursive: true });
    // fs-atomic's temp + fsync + rename, without blocking the server's other requests meanwhile.
    const temp = atomicTempName(file);
    try {
      const handle = await fsp.open(temp, 'w', 0o644);
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fsp.rename(temp, file);
    } catch (error) {
      await fsp.rm(temp, { force: true });
      throw error;
    }
  }

  async reader(path: string, offset = 0): Promise<Readable> {
    const file = this.file(path);
    const handle = await this.missingAsNotFound(path, () => fsp.open(file, 'r'));
    const { size } = await handle.stat();
    if (offset < 0 || offset > size) {
      await handle.close();
      throw new InvalidOffsetError(this.name, path, offset);
    }
    // 1 MiB reads, not the default 64 KiB: a blob GET is then a sixteenth of
    // the thread-pool round trips (each a pread plus futex wake-ups), which
    // was where a pull's time went against distribution (4 MiB reads).
    return handle.createReadStream({ start: offset, highWaterMark: READ_CHUNK });
  }

  async writer(path: string, append: boolean): Promise<FileWriter> {
    const file = this.file(path);
    if (!append) await fsp.mkdir(nodePath.dirname(file), { recursive: true });
    // 'r+' (not 'a') for append: it must not create a file that is not there.
    const handle = await this.missingAsNotFound(path, () => fsp.open(file, append ? 'r+' : 'w'));
    const { size } = await handle.stat();
    return new DiskWriter(handle, size, () => fsp.rm(file, { force: true }));
  }

  async stat(path: string): Promise<FileInfo> {
    const stats = await this.missingAsNotFound(path, () => fsp.stat(this.file(path)));
    const isDirectory = stats.isDirectory();
    return { path, size: isDirectory ? 0 : stats.size, isDirectory, modifiedAt: stats.mtimeMs };
  }

  async list(path: string): Promise<string[]> {
    const names = await this.missingAsNotFound(path, () => fsp.readdir(this.file(path)));
    return names.filter((name) => !name.startsWith('.')).sort(byteOrder).map((name) => `${path}/${name}`);
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.file(from);
    const target = this.file(to);
    await this.missingAsNotFound(from, () => fsp.stat(source));
    await fsp.mkdir(nodePath.dirname(target), { recursive: true });
    await this.missingAsNotFound(from, () => fsp.rename(source, target));
    await syncDirectory(nodePath.dirname(target));
  }

  async delete(path: string): Promise<void> {
    const file = this.file(path);
    await this.missingAsNotFound(path, () => fsp.lstat(file));
    await fsp.rm(file, { recursive: true, force: true });
  }

  private file(path: string): string {
    return nodePath.join(this.root, checkPath(this.name, path));
  }

  /** Runs `work`; a missing file or directory (or a file where a directory was expected) becomes PathNotFoundError. */
  private async missingAsNotFound<T>(path: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) throw new PathNotFoundError(this.name, path);
      throw error;
    }
  }
}

class DiskWriter implements FileWriter {
  private open = true;

  constructor(private readonly handle: fsp.FileHandle, public size: number, private readonly remove: () => Promise<void>) {}

  async write(chunk: Uint8Array): Promise<void> {
    this.check();
    let written = 0;
    while (written < chunk.length) {
      // Positional writes: the file may have been opened for append with 'r+'.
      const { bytesWritten } = await this.handle.write(chunk, written, chunk.length - written, this.size + written);
      written += bytesWritten;
    }
    this.size += chunk.length;
  }

  async close(): Promise<void> {
    this.check();
    this.open = false;
    await this.handle.close();
  }

  async commit(): Promise<void> {
    this.check();
    this.open = false;
    try {
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
  }

  async cancel(): Promise<void> {
    this.check();
    this.open = false;
    await this.handle.close();
    await this.remove();
  }

  private check(): void {
    if (!this.open) throw new Error('the writer is closed');
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
