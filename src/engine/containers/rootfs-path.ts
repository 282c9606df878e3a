// Paths inside a container's rootfs, resolved on the host the way the kernel
// would resolve them inside the container: symlinks are followed relative to
// the rootfs and can never lead out of it (an image may hold `etc -> /` or
// `x -> ../../..`).  resolveInRoot gives a host path, fine for an image or a
// stopped container; openInRoot holds what it resolved as file descriptors,
// for a running container that may swap names while the host works in it
// (CVE-2018-15664: `cp` against a dir <-> symlink swap loop).
import fs from 'node:fs';
import path from 'node:path';
import { invalid } from '../errors.js';

const MAX_LINKS = 40;

/** Host path of `inside` (absolute, in the container) under `root`, following symlinks within root. */
export function resolveInRoot(root: string, inside: string): string {
  return path.join(root, ...walk(root, [], inside));
}

/** open(2)'s O_PATH (Linux, every architecture Node runs on but alpha/parisc/sparc): a handle, nothing read or followed. */
export const O_PATH = 0o10000000;

/** /proc/self/fd/N[/name]: a path the kernel starts from the object fd N holds, never re-walking its path. */
export function fdPath(fd: number, name?: string): string {
  return name ? `/proc/self/fd/${fd}/${name}` : `/proc/self/fd/${fd}`;
}

/** What openInRoot found: handles on the final object and its directory, both inside the root. */
export interface InRoot {
  /** the root, as realpath gives it */
  readonly root: string;
  /** O_PATH handle on the directory that holds the final component */
  readonly parentFd: number;
  /** the final component's name in that directory; "" when the path is the root itself */
  readonly name: string;
  /** O_PATH handle on the final object (a symlink itself when not followed); undefined when it does not exist */
  readonly fd?: number;
  /** fstat of `fd` */
  readonly stats?: fs.Stats;
  /** Closes every handle. */
  close(): void;
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return codes.includes((error as NodeJS.ErrnoException)?.code ?? '');
}

function splitPath(p: string): string[] {
  return p.split('/').filter((part) => part && part !== '.');
}

/**
 * Throws unless the object `fd` holds lies inside `root` right now (the
 * kernel's own name for it, after whatever renames happened since it was opened).
 */
export function checkInside(root: string, fd: number, inside: string): void {
  const now = fs.readlinkSync(fdPath(fd)).replace(/ \(deleted\)$/, '');
  if (now !== root && !now.startsWith(root + '/')) throw invalid(`${inside} leads outside the container's filesystem (to ${now}); refusing to use it`);
}

/**
 * Resolves `inside` (a path in the container) under `root` the way the
 * kernel's RESOLVE_IN_ROOT would, holding every directory it passes as an
 * O_PATH file descriptor: each component is opened with O_NOFOLLOW relative
 * to the directory handle before it (through /proc/self/fd/N/name), a symlink
 * is read from that same directory and restarted at the root handle when
 * absolute, and ".." pops a handle (never above the root).  Nothing is walked
 * by host path after the root, so a container swapping a directory for a
 * symlink to "/" while this runs gets, at worst, another path *inside* its
 * rootfs.  The final component is followed only with `followFinal`.
 * Callers operate on the handles (fdPath), and checkInside just before use.
 */
export function openInRoot(rootfs: string, inside: string, options: { followFinal?: boolean } = {}): InRoot {
  const root = fs.realpathSync(rootfs);
  const rootFd = fs.openSync(root, O_PATH | fs.constants.O_DIRECTORY);
  // stack[i] is the handle of names[i] (names[0] = "" for the root)
  const stack: number[] = [rootFd];
  const names: string[] = [''];
  const extra: number[] = [];
  const closeAll = () => {
    for (const fd of [...stack, ...extra]) try { fs.closeSync(fd); } catch { /* closed */ }
    stack.length = 0;
    extra.length = 0;
  };
  const result = (parentFd: number, name: string, fd: number | undefined): InRoot => {
    const stats = fd === undefined ? undefined : fs.fstatSync(fd);
    return { root, parentFd, name, fd, stats, close: closeAll };
  };
  try {
    const pending = splitPath(inside);
    let links = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '..') {
        if (stack.length > 1) { fs.closeSync(stack.pop()!); names.pop(); }
        continue;
      }
      const last = pending.length === 0;
      const top = stack[stack.length - 1]!;
      let fd: number;
      try {
        fd = fs.openSync(fdPath(top, part), O_PATH | fs.constants.O_NOFOLLOW);
      } catch (error) {
        if (last && isCode(error, 'ENOENT')) return result(top, part, undefined);
        if (isCode(error, 'ENOENT', 'ENOTDIR')) throw Object.assign(new Error(`${inside}: no such file or directory in the container`), { code: 'ENOENT' });
        throw error;
      }
      const stats = fs.fstatSync(fd);
      if (stats.isSymbolicLink() && (!last || options.followFinal)) {
        if (++links > MAX_LINKS) { fs.closeSync(fd); throw invalid(`too many levels of symbolic links in ${inside}`); }
        let target: string | undefined;
        try {
          target = fs.readlinkSync(fdPath(top, part));
          // The name may have been swapped since it was opened: read the link the handle holds.
          const now = fs.lstatSync(fdPath(top, part));
          if (now.ino !== stats.ino || now.dev !== stats.dev) target = undefined;
        } catch {
          target = undefined;
        }
        fs.closeSync(fd);
        if (target === undefined) {
          pending.unshift(part); // changed under us: look again (bounded by the links count)
          continue;
        }
        if (target.startsWith('/')) while (stack.length > 1) { fs.closeSync(stack.pop()!); names.pop(); }
        pending.unshift(...splitPath(target));
        continue;
      }
      if (last) {
        extra.push(fd);
        return result(top, part, fd);
      }
      if (!stats.isDirectory()) {
        fs.closeSync(fd);
        throw Object.assign(new Error(`${inside}: not a directory in the container`), { code: 'ENOTDIR' });
      }
      stack.push(fd);
      names.push(part);
    }
    // Ended on a directory on the stack: the root itself, or where ".." or a link left it.
    const fd = stack[stack.length - 1]!;
    if (stack.length === 1) return result(rootFd, '', fd);
    return result(stack[stack.length - 2]!, names[names.length - 1]!, fd);
  } catch (error) {
    closeAll();
    throw error;
  }
}

/** A bind mount as the container sees it: `source` (a host path) appears at `destination`. */
export interface BindView {
  readonly source: string;
  readonly destination: string;
}

/**
 * Host path of `inside` in the container's mount namespace: the rootfs with
 * the binds mounted over it, later binds over earlier ones (as the runtime
 * mounts them, each destination resolved in the tree made so far).  Every
 * component is looked up in whichever tree holds it (the bind source under a
 * bind destination, else the rootfs) without following host symlinks: a link
 * is read and resolved again as a container path (absolute ones from the
 * container's root, ".." within the container's tree), so no link in an image
 * or in a bind source leads out to the host.  Without binds it is resolveInRoot.
 */
export function resolveInContainer(root: string, binds: readonly BindView[], inside: string): string {
  const mounts: Array<{ at: string[]; source: string }> = [];
  for (const bind of binds) mounts.push({ at: walk(root, mounts, bind.destination), source: path.resolve(bind.source) });
  return hostOf(root, mounts, walk(root, mounts, inside));
}

/** The host path of a resolved container path: under the innermost (last) mount whose destination holds it. */
function hostOf(root: string, mounts: ReadonlyArray<{ at: string[]; source: string }>, parts: readonly string[]): string {
  let best: { at: string[]; source: string } | undefined;
  for (const m of mounts) {
    if (m.at.length <= parts.length && m.at.every((p, i) => parts[i] === p) && (!best || m.at.length >= best.at.length)) best = m;
  }
  return best ? path.join(best.source, ...parts.slice(best.at.length)) : path.join(root, ...parts);
}

/** Resolves `inside` to container path components, every symlink followed as the kernel would in the container. */
function walk(root: string, mounts: ReadonlyArray<{ at: string[]; source: string }>, inside: string): string[] {
  const parts = splitPath(inside);
  const resolved: string[] = [];
  let links = 0;
  while (parts.length) {
    const part = parts.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = hostOf(root, mounts, [...resolved, part]);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(candidate);
    } catch {
      stat = undefined;
    }
    if (stat?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw invalid(`too many levels of symbolic links in ${inside}`);
      const target = fs.readlinkSync(candidate);
      if (target.startsWith('/')) resolved.length = 0;
      parts.unshift(...splitPath(target));
      continue;
    }
    resolved.push(part);
  }
  return resolved;
}

export type Lookup = { found: string } | { error: 'not-found' | 'not-executable' | 'is-directory' };

/**
 * Finds the command the container would exec, as execvp would with the
 * container's PATH, in the container's view: `binds` mounted over the rootfs
 * (a command or PATH entry under a volume is found in the volume).
 */
export function findExecutable(root: string, command: string, env: readonly string[], binds: readonly BindView[] = []): Lookup {
  const check = (inside: string): Lookup => {
    let stat: fs.Stats;
    try {
      // Resolved through every link already: lstat, so nothing on the host is followed.
      stat = fs.lstatSync(resolveInContainer(root, binds, inside));
    } catch {
      return { error: 'not-found' };
    }
    if (stat.isDirectory()) return { error: 'is-directory' };
    if ((stat.mode & 0o111) === 0) return { error: 'not-executable' };
    return { found: inside };
  };
  if (command.includes('/')) return check(command);
  const pathVar = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  let firstError: Lookup | undefined;
  for (const dir of pathVar.split(':').filter(Boolean)) {
    const result = check(path.posix.join(dir, command));
    if ('found' in result) return result;
    if (result.error === 'not-executable') firstError ??= result;
  }
  return firstError ?? { error: 'not-found' };
}
