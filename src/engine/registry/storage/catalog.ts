// The catalog: every repository that holds something (a blob link, a
// manifest or a tag), found by walking /repositories.  Nested names
// (`library/busybox`, `a/b/c`) are directories inside directories; the
// `_layers`-style directories are a repository's own, never a child name.
import { DIGEST_ALGORITHMS } from './digests.js';
import { byteOrder, type StorageDriver } from './driver.js';
import { childNames } from './driver-io.js';
import { layerLinksPath, REPOSITORIES, revisionsPath, tagsPath } from './layout.js';
import { isRepositoryName } from './names.js';

/** Every repository holding anything, sorted by name (byte order). */
export async function listRepositories(driver: StorageDriver): Promise<string[]> {
  const found: string[] = [];
  // Bounded by the names themselves: at most NAME_MAX characters, so at most ~128 levels.
  const walk = async (dir: string, name: string): Promise<void> => {
    if (name && (await holdsAnything(driver, name))) found.push(name);
    for (const entry of await childNames(driver, dir)) {
      if (entry.startsWith('_')) continue;
      const child = name ? `${name}/${entry}` : entry;
      if (isRepositoryName(child)) await walk(`${dir}/${entry}`, child);
    }
  };
  await walk(REPOSITORIES, '');
  return found.sort(byteOrder);
}

async function holdsAnything(driver: StorageDriver, name: string): Promise<boolean> {
  const byAlgorithm = DIGEST_ALGORITHMS.flatMap((algorithm) => [layerLinksPath(name, algorithm), revisionsPath(name, algorithm)]);
  for (const dir of [...byAlgorithm, tagsPath(name)]) {
    if ((await childNames(driver, dir)).length > 0) return true;
  }
  return false;
}
