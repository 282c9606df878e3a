// COPY and ADD: which files a source names (context paths, globs, another
// stage's or image's files, URLs), where Docker's rules place them
// (a trailing "/" or an existing directory means "into"; a directory's
// contents, not the directory itself), and writing them into a rootfs with
// the safe tar apply, so no symlink in the image can send a write outside it.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import type { Header } from 'tar-stream';
import { invalid, notFound } from '../errors.js';
import { applyLayer } from '../archive/index.js';
import { ensureSafeDir } from '../archive/safe-path.js';
import { walk } from '../archive/walk.js';
import { resolveInRoot } from '../containers/rootfs-path.js';
import { readRootfsFile } from '../runtime/in-rootfs.js';
import { parseGroup, parsePasswd } from '../runtime/passwd.js';
import { sha256, type BuildContext, type EntryType } from './context.js';

/** One file, directory or symlink to copy, relative to its source's root. */
export interface SourceEntry {
  /** "" for the source itself, else "sub/file" */
  readonly rel: string;
  readonly abs: string;
  readonly type: EntryType;
  readonly mode: number;
  readonly size: number;
  readonly mtime: Date;
  readonly linkname: string;
  /** content hash when known (context files); "" to hash on demand */
  readonly hash: string;
}

export interface CopySource {
  /** the name a file source gets inside a destination directory */
  readonly name: string;
  readonly type: EntryType;
  readonly entries: readonly SourceEntry[];
  /** ADD of a local tar: unpacked into the destination */
  readonly archive?: boolean;
}

const GLOB = /[*?[]/;

/** fnmatch as Go's filepath.Match: `*` and `?` never match "/". */
export function globRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) out += escapeRe(pattern[++i]!);
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) throw invalid(`syntax error in pattern ${JSON.stringify(pattern)}`);
      let body = pattern.slice(i + 1, close);
      if (body.startsWith('!') || body.startsWith('^')) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else out += escapeRe(c);
  }
  return new RegExp(`^${out}$`);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A context path from a COPY source: normalised, refusing ones that leave the context. */
export function contextPath(source: string): string {
  const clean = path.posix.normalize(`/${source}`).slice(1).replace(/\/+$/, '');
  if (path.posix.normalize(source).split('/')[0] === '..') {
    throw invalid(`forbidden path outside the build context: ${source}`);
  }
  return clean;
}

/** The sources one COPY/ADD argument names in the build context. */
export function contextSources(context: BuildContext, source: string): CopySource[] {
  const rel = contextPath(source);
  const all = [...context.entries.values()];
  const matches = GLOB.test(rel)
    ? all.filter((e) => globRegExp(rel).test(e.rel))
    : rel === '' ? [{ rel: '', abs: context.dir, type: 'directory' as const, mode: 0o755, size: 0, mtime: new Date(0), hash: '', linkname: '' }]
    : all.filter((e) => e.rel === rel);
  if (matches.length === 0) {
    if (GLOB.test(rel)) throw notFound(`no source files were specified: no file in the build context matches ${source}`);
    throw notFound(`file not found in build context or excluded by .dockerignore: stat ${source}: file does not exist`);
  }
  return matches.map((match) => {
    const prefix = match.rel === '' ? '' : `${match.rel}/`;
    const entries = match.type === 'directory'
      ? all.filter((e) => e.rel.startsWith(prefix)).map((e) => ({ ...e, rel: e.rel.slice(prefix.length) }))
      : [{ ...match, rel: '' }];
    return { name: path.posix.basename(match.rel) || '.', type: match.type, entries };
  });
}

/** The sources one COPY --from argument names inside another image's rootfs. */
export async function rootfsSources(rootfs: string, source: string): Promise<CopySource[]> {
  const inside = path.posix.normalize(`/${source}`);
  const base = path.posix.basename(inside);
  let candidates: string[];
  if (GLOB.test(base)) {
    const dir = resolveInRoot(rootfs, path.posix.dirname(inside));
    const re = globRegExp(base);
    candidates = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => re.test(n)).sort().map((n) => path.join(dir, n)) : [];
  } else {
    const host = resolveInRoot(rootfs, inside);
    candidates = fs.existsSync(host) ? [host] : [];
  }
  if (candidates.length === 0) throw notFound(`file not found: ${source}`);
  const sources: CopySource[] = [];
  for (const abs of candidates) {
    const stats = fs.lstatSync(abs);
    const type = entryType(stats);
    if (!type) continue;
    const entries: SourceEntry[] = [sourceEntry('', abs, stats)];
    if (type === 'directory') for await (const e of walk(abs)) if (entryType(e.stats)) entries.push(sourceEntry(e.rel, e.abs, e.stats));
    sources.push({ name: path.basename(abs), type, entries: type === 'directory' ? entries.slice(1) : entries });
  }
  return sources;
}

function entryType(stats: fs.Stats): EntryType | undefined {
  return stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : stats.isSymbolicLink() ? 'symlink' : undefined;
}

function sourceEntry(rel: string, abs: string, stats: fs.Stats): SourceEntry {
  return { rel, abs, type: entryType(stats)!, mode: stats.mode & 0o7777, size: stats.size, mtime: stats.mtime, linkname: stats.isSymbolicLink() ? fs.readlinkSync(abs) : '', hash: '' };
}

/** A local file that is a tar (plain, gzip, bzip2 or xz): ADD unpacks it. */
export function archiveKind(file: string): 'tar' | 'gzip' | 'bzip2' | 'xz' | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const n = fs.readSync(fd, head, 0, 512, 0);
    if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (n >= 3 && head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
    if (n >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
    if (n >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** A hash over what a COPY puts where (names, types, modes, content), for the cache key. */
export function sourcesHash(sources: readonly CopySource[]): string {
  const lines: string[] = [];
  for (const source of sources) {
    lines.push(`source ${source.name} ${source.type}${source.archive ? ' archive' : ''}`);
    for (const e of source.entries) lines.push([e.rel, e.type, e.mode.toString(8), e.hash || hashNow(e), e.linkname].join('\0'));
  }
  const hash = sha256(lines.join('\n'));
  const kind = sources.length === 1 && sources[0]!.entries.length <= 1 && sources[0]!.type !== 'directory' ? 'file' : sources.length === 1 ? 'dir' : 'multi';
  return `${kind}:${hash}`;
}

function hashNow(entry: SourceEntry): string {
  if (entry.type === 'file') return sha256(fs.readFileSync(entry.abs));
  return '';
}

export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** --chown=user[:group] by name or number, names looked up in the image's passwd and group files; a lone user gives gid = uid... unless passwd names it. */
export function resolveChown(rootfs: string, spec: string): Owner {
  const [user = '', group] = spec.split(':');
  const lookup = (value: string, file: string, parse: (t: string) => Array<{ name: string } & ({ uid: number } | { gid: number })>, what: string) => {
    if (/^\d+$/.test(value)) return Number(value);
    const found = parse(readRootfsFile(rootfs, file) ?? '').find((e) => e.name === value);
    if (!found) throw invalid(`unable to convert ${what} "${value}" for --chown=${spec}: no such ${what} in ${file}`);
    return 'uid' in found ? found.uid : found.gid;
  };
  if (user === '') throw invalid(`invalid --chown=${spec}: give user[:group]`);
  const uid = lookup(user, '/etc/passwd', parsePasswd, 'user');
  const gid = group === undefined || group === '' ? uid : lookup(group, '/etc/group', parseGroup, 'group');
  return { uid, gid };
}

export interface PlaceOptions {
  readonly rootfs: string;
  /** absolute destination in the image; a trailing "/" means a directory */
  readonly dest: string;
  readonly sources: readonly CopySource[];
  readonly owner?: Owner;
  /** --chmod: permission bits for every file and directory copied */
  readonly chmod?: number;
  /** opens the decompressed tar of an archive source */
  readonly openArchive?: (entry: SourceEntry) => Readable;
}

/** Writes the sources into the rootfs where COPY puts them. */
export async function placeSources(options: PlaceOptions): Promise<void> {
  const { rootfs, dest, sources } = options;
  const intoDir = dest.endsWith('/') || sources.length > 1;
  if (sources.length > 1 && !dest.endsWith('/')) {
    throw invalid(`When using COPY with more than one source file, the destination must be a directory and end with a /`);
  }
  const destHost = resolveInRoot(rootfs, dest);
  const destIsDir = intoDir || (fs.lstatSync(destHost, { throwIfNoEntry: false })?.isDirectory() ?? false);
  for (const source of sources) {
    if (source.archive) {
      const dir = makeDir(rootfs, dest);
      await applyLayer(dir, options.openArchive!(source.entries[0]!), { whiteouts: 'delete' });
    } else if (source.type === 'directory') {
      const dir = makeDir(rootfs, dest);
      await applyLayer(dir, tarOf(source.entries, '', options.owner, options.chmod), { whiteouts: 'delete' });
    } else {
      const target = destIsDir ? path.posix.join(dest, source.name) : dest;
      const dir = makeDir(rootfs, path.posix.dirname(target));
      const name = path.posix.basename(target);
      if (fs.lstatSync(path.join(dir, name), { throwIfNoEntry: false })?.isDirectory()) {
        throw invalid(`cannot copy the file ${source.name} over the directory ${target}`);
      }
      await applyLayer(dir, tarOf(source.entries, name, options.owner, options.chmod), { whiteouts: 'delete' });
    }
  }
}

/** The host path of directory `inside`, created (mode 0755) when missing; never through a symlink out of the rootfs. */
export function makeDir(rootfs: string, inside: string): string {
  const host = resolveInRoot(rootfs, inside);
  const rel = path.relative(rootfs, host);
  if (rel.startsWith('..')) throw invalid(`destination ${inside} resolves outside the image's root`);
  ensureSafeDir(rootfs, rel === '' ? '' : rel.split(path.sep).join('/'), inside);
  return host;
}

/** A tar of `entries`, the source root named `rootName` ("" for a directory's contents). */
function tarOf(entries: readonly SourceEntry[], rootName: string, owner?: Owner, chmod?: number): Readable {
  const pack = tarStream.pack();
  void (async () => {
    for (const e of entries) {
      const name = [rootName, e.rel].filter(Boolean).join('/');
      if (name === '') continue;
      const header: Header = {
        name: e.type === 'directory' ? `${name}/` : name,
        type: e.type,
        mode: chmod !== undefined && e.type !== 'symlink' ? chmod : e.mode,
        uid: owner?.uid ?? 0,
        gid: owner?.gid ?? 0,
        mtime: e.mtime,
        size: e.type === 'file' ? e.size : 0,
        linkname: e.type === 'symlink' ? e.linkname : '',
        uname: '',
        gname: '',
        devmajor: 0,
        devminor: 0,
      };
      if (e.type !== 'file') {
        await new Promise<void>((resolve, reject) => pack.entry(header, Buffer.alloc(0), (error) => (error ? reject(error) : resolve())));
        continue;
      }
      const content = fs.readFileSync(e.abs);
      if (content.length !== e.size) throw invalid(`${e.abs} changed while the build was reading it`);
      await new Promise<void>((resolve, reject) => pack.entry(header, content, (error) => (error ? reject(error) : resolve())));
    }
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error as Error));
  return Readable.from(pack as unknown as AsyncIterable<Buffer>);
}
