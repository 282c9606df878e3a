// `cp` between a container's filesystem and the host.  Paths inside the
// container are resolved as the container would see them (symlinks stay
// inside its rootfs), and what was resolved is held as file descriptors
// (openInRoot) and used through them, never walked again by host path: a
// running container that swaps a directory and a symlink to "/" in a loop
// (CVE-2018-15664) gets at most another path inside its own rootfs.  The
// engine also freezes a running container for the copy (runtime/freeze.ts),
// as Docker does, which covers the walk of a whole tree too.
//
// Out: a directory goes through GNU tar, which walks with openat(O_NOFOLLOW)
// from the held directory; a file is copied by `cp -a` from the held handle
// itself; a symlink is copied as the symlink (as docker cp does), its
// target read from the handle's directory.  In: the same safe tar apply as
// image layers, rooted at the held directory.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, invalid, notFound } from '../errors.js';
import { applyLayer, packDirectory } from '../archive/index.js';
import { checkInside, fdPath, openInRoot, type InRoot } from './rootfs-path.js';

/** Resolves when the child exits 0 (or another of `okCodes`); rejects with its stderr. */
function finished(child: ChildProcess, name: string, okCodes: readonly number[] = [0]): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (okCodes.includes(code ?? -1) ? resolve() : reject(new BerthError('internal', `${name}: ${stderr.trim() || `exit status ${code}`}`))));
  });
}

/** A command whose fd 3 is `fd` (an O_PATH handle: /proc/self/fd/3 in the child leads to the held object). */
function withFd3(command: string, args: string[], fd: number): ChildProcess {
  return spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe', fd] });
}

const TAR_KEEP = ['--numeric-owner', '--xattrs', '--xattrs-include=*', '--acls'];

/** The tree under the held directory `fd` into the host directory `destination` (made if missing). */
async function copyTreeOut(fd: number, destination: string): Promise<void> {
  if (!fs.existsSync(destination)) fs.mkdirSync(destination);
  // In the child, /proc/self/fd/3 is the held directory; tar goes on from it with openat.
  const pack = withFd3('tar', ['-C', '/proc/self/fd/3', ...TAR_KEEP, '--warning=no-file-changed', '-cf', '-', '.'], fd);
  const unpack = spawn('tar', ['-C', destination, ...TAR_KEEP, '--same-owner', '--same-permissions', '-xf', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
  pack.stdout!.pipe(unpack.stdin!);
  // 1: a file changed while it was read (a container without a freezer keeps writing), as docker cp allows.
  await Promise.all([finished(pack, 'tar (reading the container)', [0, 1]), finished(unpack, 'tar (writing the host)')]);
}

/** A symlink copied as itself, owner and times kept (cp -a's behaviour for a link). */
function copySymlinkOut(held: InRoot, destination: string): void {
  const target = fs.readlinkSync(fdPath(held.parentFd, held.name));
  const now = fs.lstatSync(fdPath(held.parentFd, held.name));
  if (now.ino !== held.stats!.ino) throw new BerthError('conflict', `${held.name} changed while it was copied; try again`);
  const existing = fs.lstatSync(destination, { throwIfNoEntry: false });
  if (existing?.isDirectory()) throw invalid(`cannot overwrite directory ${destination} with a symlink`);
  if (existing) fs.unlinkSync(destination);
  fs.symlinkSync(target, destination);
  fs.lchownSync(destination, now.uid, now.gid);
  fs.lutimesSync(destination, now.atime, now.mtime);
}

/** Container -> host, like `cp -a` (a trailing "/." copies a directory's contents). */
export async function copyOut(rootfs: string, containerPath: string, hostPath: string, what: string): Promise<void> {
  const contentsOnly = containerPath.endsWith('/.');
  // A symlink is copied as the link, unless the path asks for what it points to.
  let held: InRoot;
  try {
    held = openInRoot(rootfs, containerPath, { followFinal: contentsOnly || containerPath.endsWith('/') });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw notFound(`Could not find the file ${containerPath} in container ${what}`);
    throw error;
  }
  try {
    if (held.fd === undefined || !held.stats) throw notFound(`Could not find the file ${containerPath} in container ${what}`);
    const isDir = held.stats.isDirectory();
    if (contentsOnly && !isDir) throw invalid(`${containerPath}: not a directory in container ${what}`);
    let destination = path.resolve(hostPath);
    const destinationIsDir = fs.existsSync(destination) && fs.statSync(destination).isDirectory();
    if (destinationIsDir && !contentsOnly && held.name !== '') destination = path.join(destination, held.name);
    else if (!destinationIsDir && !fs.existsSync(path.dirname(destination))) throw notFound(`destination directory ${path.dirname(destination)} does not exist`);
    checkInside(held.root, held.fd, containerPath);
    if (isDir) await copyTreeOut(held.fd, destination);
    else if (held.stats.isSymbolicLink()) copySymlinkOut(held, destination);
    // -L follows only /proc/self/fd/3 itself, the magic link to the held file: no name is looked up again.
    else await finished(withFd3('cp', ['-a', '-L', '-T', '--', '/proc/self/fd/3', destination], held.fd), 'cp');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !(error instanceof BerthError)) throw notFound(`Could not find the file ${containerPath} in container ${what}`);
    throw error;
  } finally {
    held.close();
  }
}

/** Host -> container: a file or a tree, written with the safe tar apply. */
export async function copyIn(rootfs: string, hostPath: string, containerPath: string, what: string, tmp: string): Promise<void> {
  const source = path.resolve(hostPath);
  let stats: fs.Stats;
  try {
    stats = fs.statSync(source);
  } catch {
    throw notFound(`could not find the file ${hostPath} on the host`);
  }
  const missingDir = () => notFound(`Could not find the directory ${containerPath.endsWith('/') ? containerPath : path.posix.dirname(containerPath)} in container ${what}`);
  let held: InRoot;
  let name: string;
  try {
    held = openInRoot(rootfs, containerPath, { followFinal: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') throw missingDir();
    throw error;
  }
  try {
    if (held.stats?.isDirectory()) {
      name = path.basename(source);
    } else if (containerPath.endsWith('/')) {
      // "dir/" names a directory, as docker cp reads it: never a file to make in its parent.
      throw missingDir();
    } else {
      held.close();
      name = path.posix.basename(containerPath);
      try {
        held = openInRoot(rootfs, path.posix.dirname(containerPath), { followFinal: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') throw missingDir();
        throw error;
      }
      if (!held.stats?.isDirectory()) throw missingDir();
    }
    if (!name || name === '.' || name === '..') throw invalid(`invalid destination path: ${containerPath}`);
    const dirFd = held.fd!;
    // Stage the source under its new name so one tar carries it whole.
    const stage = fs.mkdtempSync(path.join(tmp, `cp-${process.pid}-`));
    try {
      await finished(spawn('cp', ['-a', '--', source, path.join(stage, name)], { stdio: ['ignore', 'ignore', 'pipe'] }), 'cp');
      const there = fs.lstatSync(fdPath(dirFd, name), { throwIfNoEntry: false });
      if (!stats.isDirectory() && there?.isDirectory()) throw invalid(`cannot overwrite directory ${containerPath} with a file`);
      checkInside(held.root, dirFd, containerPath);
      // Rooted at the held directory: every entry is made relative to it, with the layer checks.
      await applyLayer(fdPath(dirFd), packDirectory(stage), { whiteouts: 'delete' });
    } finally {
      fs.rmSync(stage, { recursive: true, force: true });
    }
  } finally {
    held!.close();
  }
}
