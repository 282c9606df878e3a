// The registry's storage from a storage URL, as `berth registry serve
// --storage` and `berth hub serve --storage` take it:
//
//   file:///var/lib/berth/registry   a directory tree (FilesystemStorage)
//   /var/lib/berth/registry, ./dir   the same, as a plain path
//   memory://                        in memory, gone when the process ends
//   s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1
//                                    keys under `prefix` in an S3 bucket (S3Storage;
//                                    parameters in s3-url.ts)
//
// Any other scheme is refused by name.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalid } from '../../errors.js';
import { FilesystemStorage } from './filesystem.js';
import { MemoryStorage } from './memory.js';
import { S3Storage } from './s3.js';
import { parseS3Url } from './s3-url.js';
import type { RegistryStorage } from './storage.js';

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

/** True for `scheme://…`, false for a plain path (which means a directory). */
export function isStorageUrl(location: string): boolean {
  return SCHEME.test(location);
}

/** The directory a plain path or file:// URL names; undefined for any other scheme.  A malformed file:// URL is refused by name. */
export function storageDirectory(location: string): string | undefined {
  const scheme = SCHEME.exec(location)?.[1]?.toLowerCase();
  if (scheme === undefined) return path.resolve(location);
  if (scheme !== 'file') return undefined;
  try {
    return fileURLToPath(location);
  } catch (error) {
    throw invalid(`invalid storage URL ${JSON.stringify(location)}: ${(error as Error).message} (expected file:///absolute/path)`);
  }
}

export function openRegistryStorage(location: string): RegistryStorage {
  const dir = storageDirectory(location);
  if (dir !== undefined) return new FilesystemStorage(dir);
  const scheme = SCHEME.exec(location)![1]!.toLowerCase();
  if (scheme === 'memory') {
    if (location.length > 'memory://'.length) throw invalid(`invalid storage URL ${JSON.stringify(location)}: memory:// takes nothing after it`);
    return new MemoryStorage();
  }
  if (scheme === 's3') return new S3Storage(parseS3Url(location));
  throw invalid(`unsupported registry storage scheme "${scheme}://" in ${JSON.stringify(location)}: berth stores a registry in file:///path (or a plain path), memory:// or s3://bucket/prefix`);
}
