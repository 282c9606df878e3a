// The btrfs driver: each layer is a subvolume at storage/btrfs/subvolumes/<id>,
// a snapshot of its parent's, so a child costs nothing until it changes.
// changes() and diff() compare it with the parent's subvolume.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { applyLayer, packChanges } from '../archive/index.js';
import type { Paths } from '../paths.js';
import { ensureBtrfs, releaseBtrfs } from './btrfs-filesystem.js';
import type { Change, DriverName, StorageDriver } from './driver.js';
import { checkCanCreate, checkExists, checkNoChildren } from './layer-checks.js';
import { isLayerName } from './layer-id.js';
import { changedBytes, naiveChanges } from './naive-diff.js';
import { readParentFile, writeParentFile } from './parent-file.js';
import { runCommand } from './run-command.js';
import { temporaryName } from './temporary-name.js';

export class BtrfsDriver implements StorageDriver {
  readonly name: DriverName = 'btrfs';
  private readonly storage: string;
  private readonly home: string;
  private readonly subvolumes: string;
  private readonly parents: string;

  constructor(paths: Paths) {
    this.storage = paths.storage;
    this.home = path.join(paths.storage, 'btrfs');
    this.subvolumes = path.join(this.home, 'subvolumes');
    this.parents = path.join(this.home, 'parents');
  }

  private subvolume(id: string): string {
    return path.join(this.subvolumes, id);
  }

  async init(): Promise<void> {
    fs.mkdirSync(this.storage, { recursive: true, mode: 0o700 });
    await ensureBtrfs(this.storage, this.home);
    fs.mkdirSync(this.subvolumes, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.parents, { recursive: true, mode: 0o700 });
  }

  async create(id: string, parent?: string): Promise<void> {
    await this.init();
    checkCanCreate(this, id, parent);
    // Made under a temporary name and renamed (subvolumes can be), so a layer is whole or absent.
    const building = path.join(this.subvolumes, temporaryName(id));
    try {
      if (parent === undefined) await runCommand('btrfs', ['-q', 'subvolume', 'create', building]);
      else await runCommand('btrfs', ['-q', 'subvolume', 'snapshot', this.subvolume(parent), building]);
      writeParentFile(path.join(this.parents, id), parent);
      fs.renameSync(building, this.subvolume(id));
    } catch (error) {
      if (fs.existsSync(building)) await runCommand('btrfs', ['-q', 'subvolume', 'delete', building]);
      fs.rmSync(path.join(this.parents, id), { force: true });
      throw error;
    }
  }

  async mount(id: string): Promise<string> {
    await this.init();
    checkExists(this, id);
    return this.subvolume(id);
  }

  async unmount(_id: string): Promise<void> {
    // a subvolume is always reachable while the filesystem is mounted
  }

  async remove(id: string): Promise<void> {
    await this.init();
    if (!this.exists(id)) return;
    checkNoChildren(this, id);
    const removing = path.join(this.subvolumes, temporaryName(id));
    fs.renameSync(this.subvolume(id), removing);
    fs.rmSync(path.join(this.parents, id), { force: true });
    await runCommand('btrfs', ['-q', 'subvolume', 'delete', removing]);
  }

  exists(id: string): boolean {
    return isLayerName(id) && fs.existsSync(this.subvolume(id));
  }

  parent(id: string): string | undefined {
    return readParentFile(path.join(this.parents, id));
  }

  list(): string[] {
    if (!fs.existsSync(this.subvolumes)) return [];
    return fs.readdirSync(this.subvolumes).filter(isLayerName).sort();
  }

  private naive(id: string): Change[] {
    const parent = this.parent(id);
    return naiveChanges(parent === undefined ? undefined : this.subvolume(parent), this.subvolume(id));
  }

  async changes(id: string): Promise<Change[]> {
    await this.init();
    checkExists(this, id);
    return this.naive(id);
  }

  diff(id: string): Readable {
    checkExists(this, id);
    return packChanges(this.subvolume(id), this.naive(id));
  }

  async applyDiff(id: string, tar: Readable): Promise<number> {
    await this.init();
    checkExists(this, id);
    return applyLayer(this.subvolume(id), tar, { whiteouts: 'delete' });
  }

  async size(id: string): Promise<number> {
    return changedBytes(this.subvolume(id), await this.changes(id));
  }

  async shutdown(): Promise<void> {
    releaseBtrfs(this.storage, this.home);
  }
}
