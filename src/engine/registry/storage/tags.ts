// Tags: a name in a repository pointing at a manifest digest, one small JSON
// file each ({digest, updatedAt}), replaced whole when the tag moves.  That
// the manifest exists is checked by the caller (RegistryStorage.putTag).
import { validateRegistryDigest as validateDigest } from './digests.js';
import { byteOrder, type StorageDriver } from './driver.js';
import { childNames, deleteIfPresent, readJson, writeJson } from './driver-io.js';
import { tagPath, tagsPath } from './layout.js';
import { isTag, validateRepositoryName, validateTag } from './names.js';
import { TagUnknownError, type TagRecord } from './storage.js';

interface TagFile {
  digest: string;
  updatedAt: number;
}

export class Tags {
  constructor(private readonly driver: StorageDriver) {}

  async put(repository: string, tag: string, digest: string): Promise<void> {
    validateRepositoryName(repository);
    validateTag(tag);
    validateDigest(digest);
    await writeJson(this.driver, tagPath(repository, tag), { digest, updatedAt: Date.now() } satisfies TagFile);
  }

  async resolve(repository: string, tag: string): Promise<string> {
    return (await this.existing(repository, tag)).digest;
  }

  async delete(repository: string, tag: string): Promise<void> {
    await this.existing(repository, tag);
    await deleteIfPresent(this.driver, tagPath(repository, tag));
  }

  /** Sorted by name (byte order); [] for a repository without tags, or unknown. */
  async list(repository: string): Promise<TagRecord[]> {
    validateRepositoryName(repository);
    const records: TagRecord[] = [];
    for (const tag of await childNames(this.driver, tagsPath(repository))) {
      if (!isTag(tag)) continue;
      const file = await readJson<TagFile>(this.driver, tagPath(repository, tag));
      if (file) records.push({ tag, digest: file.digest, updatedAt: file.updatedAt });
    }
    return records.sort((a, b) => byteOrder(a.tag, b.tag));
  }

  private async existing(repository: string, tag: string): Promise<TagFile> {
    validateRepositoryName(repository);
    validateTag(tag);
    const file = await readJson<TagFile>(this.driver, tagPath(repository, tag));
    if (!file) throw new TagUnknownError(repository, tag);
    return file;
  }
}
