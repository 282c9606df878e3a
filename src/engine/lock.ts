// The engine's one global lock.  Every command that changes shared state
// (references, containers, storage layers, names) holds it while it reads,
// changes and writes.  flock(2) is released by the kernel when the process
// dies, so a `kill -9` in the middle never leaves a stale lock.
//
// Within one process the lock is also a mutex between concurrent async calls,
// and re-entrant for nested calls made while holding it (tracked with
// AsyncLocalStorage, so two unrelated concurrent calls never both get in).
import fs from 'node:fs';
import path from 'node:path';
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { sys, LOCK } from './sys.js';

export class Lock {
  private readonly holder = new AsyncLocalStorage<true>();
  private queue: Promise<void> = Promise.resolve();
  constructor(private readonly file: string) {}

  /** Runs fn holding the lock exclusively. */
  async with<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.holder.getStore()) return fn();
    let release!: () => void;
    const previous = this.queue;
    this.queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    let fd = -1;
    try {
      fd = await this.flockFile();
      return await this.holder.run(true, fn);
    } finally {
      if (fd >= 0) {
        sys().flock(fd, LOCK.UN);
        fs.closeSync(fd);
      }
      release();
    }
  }

  private async flockFile(): Promise<number> {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const fd = fs.openSync(this.file, 'a', 0o600);
    // Poll with LOCK_NB instead of blocking: a blocking flock would freeze
    // Node's event loop (and with it any output the user is waiting for).
    for (let wait = 1; !sys().flock(fd, LOCK.EX | LOCK.NB); wait = Math.min(wait * 2, 50)) await sleep(wait);
    return fd;
  }
}
