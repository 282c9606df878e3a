// The vfs driver: every layer is a full copy of its parent in
// storage/vfs/dir/<id>; nothing is mounted.  Slow and big, but it works on
// any filesystem, which makes it the reference the other drivers are tested against.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { applyLayer, packChanges } from '../archive/index.js';
import type { Paths } from '../paths.js';
import type { Change, DriverName, StorageDriver } from './driver.js';
import { checkCanCreate, checkExists, checkNoChildren } from './layer-checks.js';
import { isLayerName } from './layer-id.js';
import { changedBytes, naiveChanges } from './naive-diff.js';
import { readParentFile, writeParentFile } from './parent-file.js';
import { runCommand } from './run-command.js';
import { temporaryName } from './temporary-name.js';

/**
 * Copies a tree keeping everything a layer needs (mode, owner, times,
 * symlinks, hard links, devices, xattrs).  `cp -a` does all of it in C, and
 * --reflink=auto shares blocks on filesystems that can (btrfs, xfs), so this
 * is both faster and more complete than a copy written in Node.
 */
export function copyTree(from: string, to: string): Promise<string> {
  return runCommand('cp', ['-a', '--reflink=auto', '--', from, to]);
}

export class VfsDriver implements StorageDriver {
  readonly name: DriverName = 'vfs';
  private readonly home: string;
  private readonly dirs: string;
  private readonly parents: string;

  constructor(paths: Paths) {
    this.home = path.join(paths.storage, 'vfs');
    this.dirs = path.join(this.home, 'dir');
    this.parents = path.join(this.home, 'parent');
  }

  private dir(id: string): string {
    return path.join(this.dirs, id);
  }

  async init(): Promise<void> {
    fs.mkdirSync(this.dirs, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.parents, { recursive: true, mode: 0o700 });
  }

  async create(id: string, parent?: string): Promise<void> {
    await this.init();
    checkCanCreate(this, id, parent);
    // Built under a temporary name and renamed, so a layer is whole or absent.
    const building = path.join(this.dirs, temporaryName(id));
    try {
      if (parent === undefined) fs.mkdirSync(building, { mode: 0o755 });
      else await copyTree(this.dir(parent), building);
      writeParentFile(path.join(this.parents, id), parent);
      fs.renameSync(building, this.dir(id));
    } catch (error) {
      fs.rmSync(building, { recursive: true, force: true });
      fs.rmSync(path.join(this.parents, id), { force: true });
      throw error;
    }
  }

  async mount(id: string): Promise<string> {
    checkExists(this, id);
    return this.dir(id);
  }

  async unmount(_id: string): Promise<void> {
    // nothing is mounted
  }

  async remove(id: string): Promise<void> {
    if (!this.exists(id)) return;
    checkNoChildren(this, id);
    const removing = path.join(this.dirs, temporaryName(id));
    fs.renameSync(this.dir(id), removing);
    fs.rmSync(path.join(this.parents, id), { force: true });
    fs.rmSync(removing, { recursive: true, force: true });
  }

  exists(id: string): boolean {
    return isLayerName(id) && fs.existsSync(this.dir(id));
  }

  parent(id: string): string | undefined {
    return readParentFile(path.join(this.parents, id));
  }

  list(): string[] {
    if (!fs.existsSync(this.dirs)) return [];
    return fs.readdirSync(this.dirs).filter(isLayerName).sort();
  }

  async changes(id: string): Promise<Change[]> {
    checkExists(this, id);
    const parent = this.parent(id);
    return naiveChanges(parent === undefined ? undefined : this.dir(parent), this.dir(id));
  }

  diff(id: string): Readable {
    checkExists(this, id);
    const parent = this.parent(id);
    return packChanges(this.dir(id), naiveChanges(parent === undefined ? undefined : this.dir(parent), this.dir(id)));
  }

  async applyDiff(id: string, tar: Readable): Promise<number> {
    checkExists(this, id);
    return applyLayer(this.dir(id), tar, { whiteouts: 'delete' });
  }

  async size(id: string): Promise<number> {
    return changedBytes(this.dir(id), await this.changes(id));
  }

  async shutdown(): Promise<void> {
    // nothing of its own is mounted
  }
}
