// The storage driver in a map, for tests and a throwaway registry: files are
// map entries keyed by path, directories are the prefixes of those keys (so
// a directory disappears with its last file).  Everything is lost when the
// process ends.
import { Readable } from 'node:stream';
import {
  byteOrder, checkPath, InvalidOffsetError, PathNotFoundError,
  type FileInfo, type FileWriter, type StorageDriver,
} from '../driver.js';

/** A file's bytes as the chunks written (joined on first read), so a long upload is not copied on every append. */
class MemoryFile {
  private parts: Buffer[] = [];
  size = 0;
  modifiedAt = Date.now();

  append(chunk: Uint8Array): void {
    this.parts.push(Buffer.from(chunk));
    this.size += chunk.length;
    this.modifiedAt = Date.now();
  }

  bytes(): Buffer {
    if (this.parts.length !== 1) this.parts = [Buffer.concat(this.parts, this.size)];
    return this.parts[0]!;
  }
}

export class MemoryDriver implements StorageDriver {
  readonly name = 'memory';
  private readonly files = new Map<string, MemoryFile>();

  async get(path: string): Promise<Buffer> {
    return Buffer.from(this.file(path).bytes());
  }

  async put(path: string, content: Uint8Array): Promise<void> {
    checkPath(this.name, path);
    const file = new MemoryFile();
    file.append(content);
    this.files.set(path, file);
  }

  async reader(path: string, offset = 0): Promise<Readable> {
    const bytes = this.file(path).bytes();
    if (offset < 0 || offset > bytes.length) throw new InvalidOffsetError(this.name, path, offset);
    return Readable.from([bytes.subarray(offset)]);
  }

  async writer(path: string, append: boolean): Promise<FileWriter> {
    checkPath(this.name, path);
    let file = append ? this.file(path) : undefined;
    if (!file) {
      file = new MemoryFile();
      this.files.set(path, file);
    }
    return new MemoryWriter(file, () => {
      // A file replaced or deleted meanwhile is not this writer's to remove.
      if (this.files.get(path) === file) this.files.delete(path);
    });
  }

  async stat(path: string): Promise<FileInfo> {
    checkPath(this.name, path);
    const file = this.files.get(path);
    if (file) return { path, size: file.size, isDirectory: false, modifiedAt: file.modifiedAt };
    if (this.below(path).length === 0) throw new PathNotFoundError(this.name, path);
    return { path, size: 0, isDirectory: true, modifiedAt: Date.now() };
  }

  async list(path: string): Promise<string[]> {
    checkPath(this.name, path);
    const below = this.below(path);
    if (below.length === 0) throw new PathNotFoundError(this.name, path);
    const children = new Set(below.map((key) => `${path}/${key.slice(path.length + 1).split('/')[0]}`));
    return [...children].sort(byteOrder);
  }

  async move(from: string, to: string): Promise<void> {
    checkPath(this.name, to);
    const file = this.file(from);
    this.files.delete(from);
    this.files.set(to, file);
  }

  async delete(path: string): Promise<void> {
    checkPath(this.name, path);
    const doomed = this.files.has(path) ? [path, ...this.below(path)] : this.below(path);
    if (doomed.length === 0) throw new PathNotFoundError(this.name, path);
    for (const key of doomed) this.files.delete(key);
  }

  private file(path: string): MemoryFile {
    checkPath(this.name, path);
    const file = this.files.get(path);
    if (!file) throw new PathNotFoundError(this.name, path);
    return file;
  }

  /** Keys of the files below `path` (not `path` itself). */
  private below(path: string): string[] {
    const prefix = `${path}/`;
    return [...this.files.keys()].filter((key) => key.startsWith(prefix));
  }
}

class MemoryWriter implements FileWriter {
  private open = true;

  constructor(private readonly file: MemoryFile, private readonly remove: () => void) {}

  get size(): number {
    return this.file.size;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.check();
    this.file.append(chunk);
  }

  async close(): Promise<void> {
    this.check();
    this.open = false;
  }

  async commit(): Promise<void> {
    await this.close();
  }

  async cancel(): Promise<void> {
    this.check();
    this.open = false;
    this.remove();
  }

  private check(): void {
    if (!this.open) throw new Error('the writer is closed');
  }
}
