// The overlay driver: storage/overlay/<id>/{diff,work,merged} plus a `parent`
// file.  diff holds the layer's own changes (the overlay upper dir); mount()
// stacks it on the parents' diff dirs.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { applyLayer, packOverlayUpper } from '../archive/index.js';
import type { Paths } from '../paths.js';
import type { Change, DriverName, StorageDriver } from './driver.js';
import { checkCanCreate, checkExists, checkNoChildren } from './layer-checks.js';
import { isLayerName } from './layer-id.js';
import { isMountPoint } from '../mount-table.js';
import { bindMount, mountOverlay, unmount } from './overlay-mount.js';
import { overlayChanges, upperBytes } from './overlay-changes.js';
import { readParentFile, writeParentFile } from './parent-file.js';
import { temporaryName } from './temporary-name.js';

export class OverlayDriver implements StorageDriver {
  readonly name: DriverName = 'overlay';
  private readonly home: string;

  constructor(paths: Paths) {
    this.home = path.join(paths.storage, 'overlay');
  }

  private layerDir(id: string): string {
    return path.join(this.home, id);
  }
  private diffDir(id: string): string {
    return path.join(this.home, id, 'diff');
  }
  private mergedDir(id: string): string {
    return path.join(this.home, id, 'merged');
  }

  /** The ids below `id`, nearest first. */
  private ancestors(id: string): string[] {
    const chain: string[] = [];
    for (let p = this.parent(id); p !== undefined; p = this.parent(p)) chain.push(p);
    return chain;
  }

  async init(): Promise<void> {
    fs.mkdirSync(this.home, { recursive: true, mode: 0o700 });
  }

  async create(id: string, parent?: string): Promise<void> {
    await this.init();
    checkCanCreate(this, id, parent);
    // Built under a temporary name and renamed, so a layer is whole or absent.
    const building = path.join(this.home, temporaryName(id));
    try {
      fs.mkdirSync(building, { mode: 0o700 });
      for (const sub of ['diff', 'work', 'merged']) fs.mkdirSync(path.join(building, sub), { mode: 0o755 });
      writeParentFile(path.join(building, 'parent'), parent);
      fs.renameSync(building, this.layerDir(id));
    } catch (error) {
      fs.rmSync(building, { recursive: true, force: true });
      throw error;
    }
  }

  async mount(id: string): Promise<string> {
    checkExists(this, id);
    const merged = this.mergedDir(id);
    if (isMountPoint(merged)) return merged;
    const lowers = this.ancestors(id);
    if (lowers.length === 0) bindMount(this.diffDir(id), merged);
    else mountOverlay({ home: this.home, upper: `${id}/diff`, work: `${id}/work`, lowers: lowers.map((l) => `${l}/diff`) }, merged);
    return merged;
  }

  async unmount(id: string): Promise<void> {
    if (!this.exists(id)) return;
    const merged = this.mergedDir(id);
    if (isMountPoint(merged)) unmount(merged);
  }

  async remove(id: string): Promise<void> {
    if (!this.exists(id)) return;
    checkNoChildren(this, id);
    await this.unmount(id);
    const removing = path.join(this.home, temporaryName(id));
    fs.renameSync(this.layerDir(id), removing);
    fs.rmSync(removing, { recursive: true, force: true });
  }

  exists(id: string): boolean {
    return isLayerName(id) && fs.existsSync(this.diffDir(id));
  }

  parent(id: string): string | undefined {
    return readParentFile(path.join(this.layerDir(id), 'parent'));
  }

  list(): string[] {
    if (!fs.existsSync(this.home)) return [];
    return fs.readdirSync(this.home).filter((name) => isLayerName(name) && this.exists(name)).sort();
  }

  async changes(id: string): Promise<Change[]> {
    checkExists(this, id);
    return overlayChanges(this.diffDir(id), this.ancestors(id).map((a) => this.diffDir(a)));
  }

  diff(id: string): Readable {
    checkExists(this, id);
    return packOverlayUpper(this.diffDir(id));
  }

  async applyDiff(id: string, tar: Readable): Promise<number> {
    checkExists(this, id);
    return applyLayer(this.diffDir(id), tar, { whiteouts: 'overlay' });
  }

  async size(id: string): Promise<number> {
    checkExists(this, id);
    return upperBytes(this.diffDir(id));
  }

  async shutdown(): Promise<void> {
    // overlay mounts belong to layers (unmount/remove); nothing of the driver's own
  }
}
