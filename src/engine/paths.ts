// Where berth keeps its state.  Everything lives under one root (the root
// setting: /var/lib/berth, BERTH_ROOT or --root) so a test can use a
// temporary one and `rm -rf` it afterwards.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Paths {
  readonly root: string;
  /** content-addressed blobs: blobs/sha256/<hex> */
  readonly blobs: string;
  /** repo:tag -> manifest digest, one JSON file */
  readonly references: string;
  /** one directory per container: containers/<id>/ */
  readonly containers: string;
  /** exit records of --rm containers, kept a while after removal so a waiter still learns the exit code */
  readonly exits: string;
  /** storage driver data: storage/<driver>/ */
  readonly storage: string;
  /** cached, expensive-to-make inputs (debootstrap trees); shared across roots by default */
  readonly cache: string;
  /** temporary files that must be on the same filesystem as the state (for rename) */
  readonly tmp: string;
  /** the global lock file */
  readonly lock: string;
  /** engine settings chosen at first use (storage driver, runtime) */
  readonly config: string;
  /**
   * attach sockets.  A unix socket path must fit 108 bytes, which a state root
   * plus a 64-character id does not, so they live in a short directory under
   * /run (a tmpfs: sockets die with the boot, as containers do), one per root.
   */
  readonly sockets: string;
}

/** The cache setting's default: shared by every state root on the machine. */
export const DEFAULT_CACHE = '/var/cache/berth';

export function statePaths(root: string, cache = DEFAULT_CACHE): Paths {
  const abs = path.resolve(root);
  return {
    root: abs,
    blobs: path.join(abs, 'blobs'),
    references: path.join(abs, 'references.json'),
    containers: path.join(abs, 'containers'),
    exits: path.join(abs, 'exits'),
    storage: path.join(abs, 'storage'),
    cache: path.resolve(cache),
    tmp: path.join(abs, 'tmp'),
    lock: path.join(abs, 'lock'),
    config: path.join(abs, 'config.json'),
    sockets: path.join(fs.existsSync('/run') ? '/run/berth' : path.join(os.tmpdir(), 'berth-run'), crypto.createHash('sha256').update(abs).digest('hex').slice(0, 16)),
  };
}
