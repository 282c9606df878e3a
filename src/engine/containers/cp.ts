// `cp` between a container's filesystem and the host.  Paths inside the
// container are resolved as the container would see them (symlinks stay
// inside its rootfs).  Copying in goes through the same safe tar apply as
// image layers, so a symlink in the container can never redirect a write
// onto the host.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { invalid, notFound } from '../errors.js';
import { applyLayer, packDirectory } from '../archive/index.js';
import { resolveInRoot } from './rootfs-path.js';

const run = promisify(execFile);

/** Container -> host, like `cp -a` (a trailing "/." copies a directory's contents). */
export async function copyOut(rootfs: string, containerPath: string, hostPath: string, what: string): Promise<void> {
  const contentsOnly = containerPath.endsWith('/.');
  const source = resolveInRoot(rootfs, containerPath);
  if (!fs.existsSync(source)) throw notFound(`Could not find the file ${containerPath} in container ${what}`);
  let destination = path.resolve(hostPath);
  const destinationIsDir = fs.existsSync(destination) && fs.statSync(destination).isDirectory();
  if (destinationIsDir && !contentsOnly) destination = path.join(destination, path.basename(source));
  else if (!fs.existsSync(path.dirname(destination))) throw notFound(`destination directory ${path.dirname(destination)} does not exist`);
  await run('cp', ['-a', '--', contentsOnly ? `${source}/.` : source, destination]);
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
  const target = resolveInRoot(rootfs, containerPath);
  let dir: string;
  let name: string;
  if (fs.existsSync(target) && fs.statSync(target).isDirectory()) {
    dir = target;
    name = path.basename(source);
  } else {
    dir = resolveInRoot(rootfs, path.posix.dirname(containerPath));
    name = path.posix.basename(containerPath);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw notFound(`Could not find the directory ${path.posix.dirname(containerPath)} in container ${what}`);
  }
  if (!name || name === '.' || name === '..') throw invalid(`invalid destination path: ${containerPath}`);
  // Stage the source under its new name so one tar carries it whole.
  const stage = fs.mkdtempSync(path.join(tmp, `cp-${process.pid}-`));
  try {
    await run('cp', ['-a', '--', source, path.join(stage, name)]);
    if (!stats.isDirectory() && fs.lstatSync(path.join(dir, name), { throwIfNoEntry: false })?.isDirectory()) {
      throw invalid(`cannot overwrite directory ${containerPath} with a file`);
    }
    await applyLayer(dir, packDirectory(stage), { whiteouts: 'delete' });
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}
