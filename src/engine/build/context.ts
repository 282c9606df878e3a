// The build context: the directory a build may copy from, walked and hashed
// once before the first step (.dockerignore applied), so every COPY and its
// cache key see the same snapshot of names, modes and content hashes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { notFound } from '../errors.js';
import { byCodeUnit } from '../archive/walk.js';
import { readDockerignore, type IgnoreRules } from './dockerignore.js';

export type EntryType = 'file' | 'directory' | 'symlink';

export interface ContextEntry {
  /** "src/main.c" */
  readonly rel: string;
  readonly abs: string;
  readonly type: EntryType;
  /** permission bits */
  readonly mode: number;
  readonly size: number;
  readonly mtime: Date;
  /** sha256 of the content (files), of the target (symlinks); "" for directories */
  readonly hash: string;
  readonly linkname: string;
}

export interface BuildContext {
  readonly dir: string;
  /** every entry that .dockerignore keeps, sorted, parents first */
  readonly entries: ReadonlyMap<string, ContextEntry>;
  /** bytes of file content sent (Docker's "Sending build context") */
  readonly size: number;
}

/**
 * Walks and hashes `dir`.  The Dockerfile is read from disk by the builder,
 * so ignoring it (as Docker allows) only keeps it out of COPY.
 */
export async function readContext(dir: string): Promise<BuildContext> {
  const root = path.resolve(dir);
  let stats: fs.Stats;
  try {
    stats = fs.statSync(root);
  } catch {
    throw notFound(`unable to prepare context: path "${dir}" not found`);
  }
  if (!stats.isDirectory()) throw notFound(`unable to prepare context: context must be a directory: ${root}`);
  const rules = readDockerignore(root);
  const entries = new Map<string, ContextEntry>();
  let size = 0;
  for await (const entry of walkContext(root, '', rules)) {
    entries.set(entry.rel, entry);
    if (entry.type === 'file') size += entry.size;
  }
  return { dir: root, entries, size };
}

async function* walkContext(root: string, rel: string, rules: IgnoreRules): AsyncGenerator<ContextEntry> {
  const dir = rel === '' ? root : path.join(root, rel);
  for (const name of (await fs.promises.readdir(dir)).sort(byCodeUnit)) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const abs = path.join(dir, name);
    const stats = await fs.promises.lstat(abs);
    const ignored = rules.ignores(childRel);
    if (ignored && !(stats.isDirectory() && rules.hasExceptions)) continue;
    const type: EntryType | undefined = stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : stats.isSymbolicLink() ? 'symlink' : undefined;
    if (type === undefined) continue; // sockets, fifos, devices: not part of a context
    const linkname = type === 'symlink' ? await fs.promises.readlink(abs) : '';
    const hash = type === 'file' ? await hashFile(abs) : type === 'symlink' ? sha256(linkname) : '';
    // An excluded directory walked only for its re-included children is not itself copied.
    if (!ignored) yield { rel: childRel, abs, type, mode: stats.mode & 0o7777, size: stats.size, mtime: stats.mtime, hash, linkname };
    if (type === 'directory') yield* walkContext(root, childRel, rules);
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256(text: string | Buffer): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}
