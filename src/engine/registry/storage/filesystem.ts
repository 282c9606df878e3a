// The RegistryStorage contract on a directory tree, laid out like Docker's
// distribution so that it can be read with `ls`:
//
//   <root>/blobs/sha256/<hex[0:2]>/<hex>                      blob bytes (layers, configs, manifests),
//                                                              complete and verified, never written in place
//   <root>/repositories/<name>/_layers/sha256/<hex>            empty file: <name> holds that blob
//   <root>/repositories/<name>/_manifests/revisions/sha256/<hex>  JSON {mediaType, subject?, artifactType?,
//                                                              annotations?}; the bytes are blobs/…/<hex>
//   <root>/repositories/<name>/_manifests/tags/<tag>           JSON {digest, updatedAt}
//   <root>/repositories/<name>/_referrers/<subject hex>/<hex>  empty file: manifest <hex> has that subject
//   <root>/uploads/<uuid>/info.json                            {repository, startedAt}
//   <root>/uploads/<uuid>/data                                 the bytes received so far
//
// A blob appears under blobs/ only by rename(2) of a verified, fsynced upload
// file, so a reader never sees half a blob; small files (tags, manifest meta)
// are written to a temp file beside them and renamed (fs-atomic.ts).  Names
// under repositories/ cannot clash with the `_layers`-style directories, as
// a repository name component never starts with '_'.
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { isErrno } from '../../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../../fs-atomic.js';
import { digestHex, validateDigest } from '../../store/digest.js';
import type { Descriptor } from '../../store/oci.js';
import { byteOrder, referrerDescriptor } from './memory.js';
import { isRepositoryName, isTag, validateRepositoryName, validateTag } from './names.js';
import {
  BlobUnknownError, DigestMismatchError, ManifestUnknownError, TagUnknownError, UploadOffsetError, UploadUnknownError,
  type BlobInfo, type ByteRange, type ManifestMeta, type ManifestRecord, type RegistryStorage, type TagRecord, type UploadStatus,
} from './storage.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface UploadInfo {
  repository: string;
  startedAt: number;
}

export class FilesystemStorage implements RegistryStorage {
  readonly description: string;
  /** per upload: the tail of its chain of appends (appends run one at a time) */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** per upload: a running hash of its data file while this process wrote all of it */
  private readonly hashes = new Map<string, { hash: crypto.Hash; size: number }>();

  constructor(readonly root: string) {
    this.description = `filesystem ${root}`;
    for (const dir of ['blobs/sha256', 'repositories', 'uploads']) fs.mkdirSync(path.join(root, dir), { recursive: true });
  }

  async listRepositories(): Promise<string[]> {
    const found: string[] = [];
    const walk = async (dir: string, name: string): Promise<void> => {
      const entries = await readdir(dir);
      if (name && (await this.holdsAnything(dir))) found.push(name);
      for (const entry of entries) {
        if (entry.startsWith('_')) continue;
        const child = name ? `${name}/${entry}` : entry;
        if (isRepositoryName(child)) await walk(path.join(dir, entry), child);
      }
    };
    await walk(path.join(this.root, 'repositories'), '');
    return found.sort(byteOrder);
  }

  // ---- blobs ---------------------------------------------------------------

  async statBlob(repository: string, digest: string): Promise<BlobInfo> {
    const file = this.linkedBlob(repository, digest);
    try {
      return { digest, size: (await fsp.stat(file)).size };
    } catch (error) {
      if (isErrno(error, 'ENOENT')) throw new BlobUnknownError(repository, digest);
      throw error;
    }
  }

  async readBlob(repository: string, digest: string, range?: ByteRange): Promise<Readable> {
    const file = this.linkedBlob(repository, digest);
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(file, 'r');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) throw new BlobUnknownError(repository, digest);
      throw error;
    }
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async mountBlob(repository: string, digest: string, from: string): Promise<BlobInfo> {
    validateRepositoryName(repository);
    const info = await this.statBlob(from, digest);
    await this.link(repository, digest);
    return info;
  }

  async deleteBlob(repository: string, digest: string): Promise<void> {
    this.linkedBlob(repository, digest);
    try {
      await fsp.unlink(this.layerLink(repository, digest));
    } catch (error) {
      if (isErrno(error, 'ENOENT')) throw new BlobUnknownError(repository, digest);
      throw error;
    }
  }

  // ---- uploads -------------------------------------------------------------

  async createUpload(repository: string): Promise<UploadStatus> {
    validateRepositoryName(repository);
    const id = crypto.randomUUID();
    const dir = this.uploadDir(id);
    await fsp.mkdir(dir);
    const info: UploadInfo = { repository, startedAt: Date.now() };
    await fsp.writeFile(path.join(dir, 'data'), '');
    writeJsonAtomic(path.join(dir, 'info.json'), info);
    this.hashes.set(id, { hash: crypto.createHash('sha256'), size: 0 });
    return { id, repository, size: 0, startedAt: info.startedAt };
  }

  async statUpload(repository: string, id: string): Promise<UploadStatus> {
    const info = await this.uploadInfo(repository, id);
    const size = await this.uploadSize(repository, id);
    return { id, repository, size, startedAt: info.startedAt };
  }

  async appendUpload(repository: string, id: string, data: AsyncIterable<Uint8Array>, offset?: number): Promise<UploadStatus> {
    const info = await this.uploadInfo(repository, id);
    return this.serialise(id, async () => {
      const size = await this.uploadSize(repository, id);
      if (offset !== undefined && offset !== size) throw new UploadOffsetError(id, offset, size);
      let cached = this.hashes.get(id);
      if (cached && cached.size !== size) {
        this.hashes.delete(id);
        cached = undefined;
      }
      let handle: fsp.FileHandle;
      try {
        handle = await fsp.open(path.join(this.uploadDir(id), 'data'), 'r+');
      } catch (error) {
        if (isErrno(error, 'ENOENT')) throw new UploadUnknownError(repository, id);
        throw error;
      }
      let position = size;
      try {
        for await (const chunk of data) {
          let written = 0;
          while (written < chunk.length) {
            const { bytesWritten } = await handle.write(chunk, written, chunk.length - written, position + written);
            written += bytesWritten;
          }
          position += chunk.length;
          if (cached) {
            cached.hash.update(chunk);
            cached.size = position;
          }
        }
      } finally {
        await handle.close();
      }
      if (!fs.existsSync(this.uploadDir(id))) throw new UploadUnknownError(repository, id);
      return { id, repository, size: position, startedAt: info.startedAt };
    });
  }

  async commitUpload(repository: string, id: string, digest: string): Promise<BlobInfo> {
    validateDigest(digest);
    await this.uploadInfo(repository, id);
    return this.serialise(id, async () => {
      const dir = this.uploadDir(id);
      const file = path.join(dir, 'data');
      try {
        const size = await this.uploadSize(repository, id);
        const cached = this.hashes.get(id);
        const actual = cached && cached.size === size ? `sha256:${cached.hash.digest('hex')}` : await hashFile(file);
        if (actual !== digest) throw new DigestMismatchError(digest, actual);
        const target = this.blobPath(digest);
        if (!fs.existsSync(target)) {
          const handle = await fsp.open(file, 'r+');
          try {
            await handle.sync();
          } finally {
            await handle.close();
          }
          await fsp.mkdir(path.dirname(target), { recursive: true });
          await fsp.rename(file, target);
          await syncDir(path.dirname(target));
        }
        await this.link(repository, digest);
        return { digest, size };
      } finally {
        this.hashes.delete(id);
        await fsp.rm(dir, { recursive: true, force: true });
      }
    });
  }

  async cancelUpload(repository: string, id: string): Promise<void> {
    await this.uploadInfo(repository, id);
    this.hashes.delete(id);
    await fsp.rm(this.uploadDir(id), { recursive: true, force: true });
  }

  async listUploads(): Promise<UploadStatus[]> {
    const found: UploadStatus[] = [];
    for (const id of await readdir(path.join(this.root, 'uploads'))) {
      if (!UUID.test(id)) continue;
      try {
        const info = JSON.parse(await fsp.readFile(path.join(this.uploadDir(id), 'info.json'), 'utf8')) as UploadInfo;
        const size = (await fsp.stat(path.join(this.uploadDir(id), 'data'))).size;
        found.push({ id, repository: info.repository, size, startedAt: info.startedAt });
      } catch (error) {
        if (!isErrno(error, 'ENOENT')) throw error; // committed or cancelled meanwhile
      }
    }
    return found.sort((a, b) => a.startedAt - b.startedAt);
  }

  // ---- manifests and tags --------------------------------------------------

  async putManifest(repository: string, bytes: Uint8Array, meta: ManifestMeta): Promise<string> {
    validateRepositoryName(repository);
    if (meta.subject !== undefined) validateDigest(meta.subject, 'subject digest');
    const digest = `sha256:${crypto.createHash('sha256').update(bytes).digest('hex')}`;
    const blob = this.blobPath(digest);
    if (!fs.existsSync(blob)) {
      await fsp.mkdir(path.dirname(blob), { recursive: true });
      writeFileAtomic(blob, bytes);
    }
    const revision = this.revisionPath(repository, digest);
    await fsp.mkdir(path.dirname(revision), { recursive: true });
    const previous = await this.readMeta(repository, digest);
    if (previous?.subject !== undefined && previous.subject !== meta.subject) {
      await fsp.rm(this.referrerLink(repository, previous.subject, digest), { force: true });
    }
    const stored: ManifestMeta = {
      mediaType: meta.mediaType,
      ...(meta.subject !== undefined ? { subject: meta.subject } : {}),
      ...(meta.artifactType !== undefined ? { artifactType: meta.artifactType } : {}),
      ...(meta.annotations !== undefined ? { annotations: meta.annotations } : {}),
    };
    writeJsonAtomic(revision, stored);
    if (meta.subject !== undefined) {
      const link = this.referrerLink(repository, meta.subject, digest);
      await fsp.mkdir(path.dirname(link), { recursive: true });
      await fsp.writeFile(link, '');
    }
    return digest;
  }

  async getManifest(repository: string, digest: string): Promise<ManifestRecord> {
    const meta = await this.manifestMeta(repository, digest);
    try {
      return { digest, mediaType: meta.mediaType, bytes: await fsp.readFile(this.blobPath(digest)) };
    } catch (error) {
      if (isErrno(error, 'ENOENT')) throw new ManifestUnknownError(repository, digest);
      throw error;
    }
  }

  async deleteManifest(repository: string, digest: string): Promise<void> {
    const meta = await this.manifestMeta(repository, digest);
    for (const tag of await this.listTags(repository)) {
      if (tag.digest === digest) await fsp.rm(this.tagPath(repository, tag.tag), { force: true });
    }
    if (meta.subject !== undefined) await fsp.rm(this.referrerLink(repository, meta.subject, digest), { force: true });
    await fsp.rm(this.revisionPath(repository, digest), { force: true });
  }

  async listReferrers(repository: string, subject: string): Promise<Descriptor[]> {
    validateRepositoryName(repository);
    const dir = path.join(this.repoDir(repository), '_referrers', digestHex(subject));
    const found: Descriptor[] = [];
    for (const hex of await readdir(dir)) {
      if (!/^[a-f0-9]{64}$/.test(hex)) continue;
      const digest = `sha256:${hex}`;
      const meta = await this.readMeta(repository, digest);
      if (!meta || meta.subject !== subject) continue;
      const size = (await fsp.stat(this.blobPath(digest))).size;
      found.push(referrerDescriptor(digest, size, meta));
    }
    return found.sort((a, b) => byteOrder(a.digest, b.digest));
  }

  async putTag(repository: string, tag: string, digest: string): Promise<void> {
    validateTag(tag);
    await this.manifestMeta(repository, digest);
    const file = this.tagPath(repository, tag);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    writeJsonAtomic(file, { digest, updatedAt: Date.now() });
  }

  async resolveTag(repository: string, tag: string): Promise<string> {
    validateRepositoryName(repository);
    validateTag(tag);
    const record = await this.readTag(repository, tag);
    if (!record) throw new TagUnknownError(repository, tag);
    return record.digest;
  }

  async deleteTag(repository: string, tag: string): Promise<void> {
    await this.resolveTag(repository, tag);
    await fsp.rm(this.tagPath(repository, tag), { force: true });
  }

  async listTags(repository: string): Promise<TagRecord[]> {
    validateRepositoryName(repository);
    const records: TagRecord[] = [];
    for (const tag of await readdir(path.join(this.repoDir(repository), '_manifests', 'tags'))) {
      if (!isTag(tag)) continue; // temp files start with '.', which no tag does
      const record = await this.readTag(repository, tag);
      if (record) records.push({ tag, ...record });
    }
    return records.sort((a, b) => byteOrder(a.tag, b.tag));
  }

  // ---- paths and helpers ---------------------------------------------------

  private repoDir(repository: string): string {
    return path.join(this.root, 'repositories', validateRepositoryName(repository));
  }

  private blobPath(digest: string): string {
    const hex = digestHex(digest);
    return path.join(this.root, 'blobs', 'sha256', hex.slice(0, 2), hex);
  }

  private layerLink(repository: string, digest: string): string {
    return path.join(this.repoDir(repository), '_layers', 'sha256', digestHex(digest));
  }

  private revisionPath(repository: string, digest: string): string {
    return path.join(this.repoDir(repository), '_manifests', 'revisions', 'sha256', digestHex(digest));
  }

  private tagPath(repository: string, tag: string): string {
    return path.join(this.repoDir(repository), '_manifests', 'tags', validateTag(tag));
  }

  private referrerLink(repository: string, subject: string, digest: string): string {
    return path.join(this.repoDir(repository), '_referrers', digestHex(subject), digestHex(digest));
  }

  private uploadDir(id: string): string {
    return path.join(this.root, 'uploads', id);
  }

  /** The blob's file when `repository` links it; throws BlobUnknownError otherwise. */
  private linkedBlob(repository: string, digest: string): string {
    validateDigest(digest);
    if (!fs.existsSync(this.layerLink(repository, digest))) throw new BlobUnknownError(repository, digest);
    return this.blobPath(digest);
  }

  private async link(repository: string, digest: string): Promise<void> {
    const link = this.layerLink(repository, digest);
    await fsp.mkdir(path.dirname(link), { recursive: true });
    await fsp.writeFile(link, '');
  }

  private async holdsAnything(dir: string): Promise<boolean> {
    for (const sub of ['_layers/sha256', '_manifests/revisions/sha256', '_manifests/tags']) {
      if ((await readdir(path.join(dir, sub))).some((e) => !e.startsWith('.'))) return true;
    }
    return false;
  }

  private async uploadInfo(repository: string, id: string): Promise<UploadInfo> {
    validateRepositoryName(repository);
    if (!UUID.test(id)) throw new UploadUnknownError(repository, id);
    let info: UploadInfo;
    try {
      info = JSON.parse(await fsp.readFile(path.join(this.uploadDir(id), 'info.json'), 'utf8')) as UploadInfo;
    } catch (error) {
      if (isErrno(error, 'ENOENT')) throw new UploadUnknownError(repository, id);
      throw error;
    }
    if (info.repository !== repository) throw new UploadUnknownError(repository, id);
    return info;
  }

  private async uploadSize(repository: string, id: string): Promise<number> {
    try {
      return (await fsp.stat(path.join(this.uploadDir(id), 'data'))).size;
    } catch (error) {
      if (isErrno(error, 'ENOENT')) throw new UploadUnknownError(repository, id);
      throw error;
    }
  }

  private serialise<T>(id: string, work: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(id) ?? Promise.resolve()).then(work);
    const tail = run.catch(() => undefined);
    this.queues.set(id, tail);
    void tail.then(() => {
      if (this.queues.get(id) === tail) this.queues.delete(id);
    });
    return run;
  }

  private async readMeta(repository: string, digest: string): Promise<ManifestMeta | undefined> {
    try {
      return JSON.parse(await fsp.readFile(this.revisionPath(repository, digest), 'utf8')) as ManifestMeta;
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined;
      throw error;
    }
  }

  private async manifestMeta(repository: string, digest: string): Promise<ManifestMeta> {
    validateRepositoryName(repository);
    validateDigest(digest);
    const meta = await this.readMeta(repository, digest);
    if (!meta) throw new ManifestUnknownError(repository, digest);
    return meta;
  }

  private async readTag(repository: string, tag: string): Promise<{ digest: string; updatedAt: number } | undefined> {
    try {
      const record = JSON.parse(await fsp.readFile(this.tagPath(repository, tag), 'utf8')) as { digest: string; updatedAt: number };
      return { digest: record.digest, updatedAt: record.updatedAt };
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined;
      throw error;
    }
  }
}

async function readdir(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return [];
    throw error;
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
