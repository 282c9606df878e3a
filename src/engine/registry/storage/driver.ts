// The storage driver: the few path primitives the registry's storage needs
// from whatever holds its bytes (a directory tree, a map in memory, later an
// object store).  It knows nothing of blobs, links, uploads or tags: those are
// written once, above it (blobs.ts, uploads.ts, manifests.ts, tags.ts,
// catalog.ts over the layout in layout.ts), so a new backend is only this
// contract (Docker's distribution has the same split: its storagedriver
// package below, registry/storage above).
//
// Paths are registry-internal strings, never user input: absolute, '/'
// separated, each component letters, digits, '.', '_' or '-' and not starting
// with '.' (so '.' and '..' cannot be spelled, and a driver may keep temp
// files under dot-names that no listing shows).  Every method throws
// InvalidPathError for any other path before touching anything.
//
// A "file" holds bytes; a "directory" is any path with files below it.
// Drivers make parent directories as needed; whether an emptied directory
// stays around is the driver's business (listings of a missing directory
// throw PathNotFoundError either way, and callers treat that as empty).
//
// The conformance suite (test/engine/registry/storage/_conformance.ts) runs
// every primitive and, over each driver, the registry's semantics.
import type { Readable } from 'node:stream';
import { BerthError } from '../../errors.js';

export interface FileInfo {
  readonly path: string;
  /** bytes in a file; 0 for a directory */
  readonly size: number;
  readonly isDirectory: boolean;
  /** ms since the epoch */
  readonly modifiedAt: number;
}

/**
 * An open file being written.  Whatever write() accepted is kept when the
 * writer is closed, so a later writer(path, true) resumes after it (an
 * upload cut off half way); it is final and durable only after commit().
 * After close, commit or cancel the writer takes no more calls.
 */
export interface FileWriter {
  /** bytes in the file: what was there when it was opened for append, plus what was written */
  readonly size: number;
  /** appends `chunk`; resolves once all of it is written */
  write(chunk: Uint8Array): Promise<void>;
  /** stops writing; the content stays (not necessarily durable) */
  close(): Promise<void>;
  /** makes the content durable (fsync on a disk) and stops writing */
  commit(): Promise<void>;
  /** stops writing and removes the file */
  cancel(): Promise<void>;
}

export interface StorageDriver {
  /** for logs and errors, e.g. "filesystem /var/lib/berth/registry" or "memory" */
  readonly name: string;

  /** A small file's whole content.  PathNotFoundError when there is no file at `path`. */
  get(path: string): Promise<Buffer>;

  /**
   * Stores a small file whole.  Readers see the old content or the new one,
   * never a part (a disk driver writes a temp file, fsyncs and renames).
   */
  put(path: string, content: Uint8Array): Promise<void>;

  /**
   * The file's content from byte `offset` on.  PathNotFoundError when there
   * is no file; InvalidOffsetError when `offset` is past its end.
   */
  reader(path: string, offset?: number): Promise<Readable>;

  /**
   * Opens a file for writing: a new, empty one (replacing any) when `append`
   * is false; the existing one, positioned at its end, when true
   * (PathNotFoundError when there is none).
   */
  writer(path: string, append: boolean): Promise<FileWriter>;

  /** Size and kind of a file or directory.  PathNotFoundError when there is neither. */
  stat(path: string): Promise<FileInfo>;

  /**
   * Full paths of the direct children of a directory, sorted (byte order).
   * PathNotFoundError when there is no directory at `path`.
   */
  list(path: string): Promise<string[]>;

  /**
   * Moves a file to `to`, replacing what was there, in one step (a disk
   * driver renames, durably).  PathNotFoundError when `from` does not exist.
   */
  move(from: string, to: string): Promise<void>;

  /** Removes a file, or a directory with everything below it.  PathNotFoundError when there is neither. */
  delete(path: string): Promise<void>;
}

// ---- errors ----------------------------------------------------------------

export class StorageDriverError extends BerthError {}

export class PathNotFoundError extends StorageDriverError {
  constructor(readonly driver: string, readonly path: string) {
    super('not-found', `${driver}: path not found: ${path}`);
    this.name = 'PathNotFoundError';
  }
}

export class InvalidPathError extends StorageDriverError {
  constructor(readonly driver: string, readonly path: string) {
    super('invalid', `${driver}: invalid path: ${JSON.stringify(path)}`);
    this.name = 'InvalidPathError';
  }
}

export class InvalidOffsetError extends StorageDriverError {
  constructor(readonly driver: string, readonly path: string, readonly offset: number) {
    super('invalid', `${driver}: invalid offset ${offset} for ${path}`);
    this.name = 'InvalidOffsetError';
  }
}

const PATH = /^(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*)+$/;

/** Returns `path` when it is a well-formed driver path (see the top of this file); throws InvalidPathError otherwise. */
export function checkPath(driver: string, path: string): string {
  if (!PATH.test(path)) throw new InvalidPathError(driver, path);
  return path;
}

/** Byte order, which is what listings sort by (not the locale's). */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
