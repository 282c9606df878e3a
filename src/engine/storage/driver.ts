// The copy-on-write storage contract.  Every driver (overlay, btrfs, vfs)
// implements it and passes test/engine/storage/_conformance.ts.
//
// A layer is a directory tree identified by an id (image layers: their chain
// id; a container's writable layer: the container id).  A layer has at most
// one parent; its full filesystem is the parent's plus its own changes.
import type { Readable } from 'node:stream';

/** One change of a layer against its parent, as `berth diff` prints it. */
export interface Change {
  /** absolute path inside the layer, e.g. "/etc/passwd" */
  readonly path: string;
  readonly kind: 'A' | 'C' | 'D';
}

export interface StorageDriver {
  readonly name: DriverName;
  /** Prepares the driver's home (directories; for btrfs a loopback filesystem). Idempotent. */
  init(): Promise<void>;
  /** Creates layer `id` on `parent` (none: empty). Throws BerthError conflict if `id` exists, not-found if `parent` does not. */
  create(id: string, parent?: string): Promise<void>;
  /** Makes the layer's full filesystem available read-write and returns its path. Calling it again returns the same path. */
  mount(id: string): Promise<string>;
  /** Undoes mount(); a no-op when not mounted. */
  unmount(id: string): Promise<void>;
  /** Removes the layer (unmounting it first). Throws conflict when another layer has it as parent. A no-op when it does not exist. */
  remove(id: string): Promise<void>;
  exists(id: string): boolean;
  parent(id: string): string | undefined;
  /** Every layer id this driver holds. */
  list(): string[];
  /** The layer's changes against its parent, sorted by path. */
  changes(id: string): Promise<Change[]>;
  /** The layer's changes against its parent as an uncompressed OCI layer tar (with .wh. whiteouts). */
  diff(id: string): Readable;
  /** Applies an uncompressed OCI layer tar to a layer just created on its parent. Returns the bytes of file content written. */
  applyDiff(id: string, tar: Readable): Promise<number>;
  /** Bytes the layer's own changes use on disk (approximate). */
  size(id: string): Promise<number>;
  /** Unmounts what this driver mounted for itself (the btrfs loopback); used by tests and `system prune -a`. Layers stay. */
  shutdown(): Promise<void>;
}

export type DriverName = 'overlay' | 'btrfs' | 'vfs';
export const DRIVER_NAMES: readonly DriverName[] = ['overlay', 'btrfs', 'vfs'];
