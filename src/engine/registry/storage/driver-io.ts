// The few compound reads and writes the registry's semantics make over a
// driver, with "not there" as a value instead of PathNotFoundError.
import { PathNotFoundError, type FileInfo, type StorageDriver } from './driver.js';
import { baseName } from './layout.js';

/** `work()`, or `fallback` when it throws PathNotFoundError. */
export async function unlessMissing<T, F>(work: () => Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PathNotFoundError) return fallback;
    throw error;
  }
}

/** Names (last components) of a directory's children, sorted; [] when there is no such directory. */
export async function childNames(driver: StorageDriver, path: string): Promise<string[]> {
  return (await unlessMissing(() => driver.list(path), [] as string[])).map(baseName);
}

export async function statOrUndefined(driver: StorageDriver, path: string): Promise<FileInfo | undefined> {
  return unlessMissing(() => driver.stat(path), undefined);
}

export async function readJson<T>(driver: StorageDriver, path: string): Promise<T | undefined> {
  const bytes = await unlessMissing(() => driver.get(path), undefined);
  return bytes === undefined ? undefined : (JSON.parse(bytes.toString('utf8')) as T);
}

/** Pretty JSON with a final newline, as berth writes every JSON file it keeps. */
export async function writeJson(driver: StorageDriver, path: string, value: unknown): Promise<void> {
  await driver.put(path, Buffer.from(JSON.stringify(value, null, 2) + '\n'));
}

/** Removes a file or directory that may already be gone. */
export async function deleteIfPresent(driver: StorageDriver, path: string): Promise<void> {
  await unlessMissing(() => driver.delete(path), undefined);
}

/** An empty file: a link whose presence is the fact (a repository holds a blob, a manifest has a subject). */
export async function putMarker(driver: StorageDriver, path: string): Promise<void> {
  await driver.put(path, new Uint8Array(0));
}
