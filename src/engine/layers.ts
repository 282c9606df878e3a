// Image layers on a storage driver.  Each image layer is unpacked once per
// driver under its chain id (sha256 of the parent's chain id + " " + the
// layer's diff id, as Docker and the OCI spec define it), and shared by every
// image and container built on it.  A layer counts as present only once its
// record in layerdb/ exists: a crash half-way through an unpack leaves a layer
// with no record, which the next unpack (or reconcile) removes and redoes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import { BerthError } from './errors.js';
import { readJson, writeJsonAtomic } from './fs-atomic.js';
import type { StorageDriver } from './storage/driver.js';
import type { Listener, TransferEvent } from './events.js';

export interface LayerRef {
  /** blob digest of the (possibly compressed) layer */
  readonly digest: string;
  /** sha256 of the uncompressed tar */
  readonly diffId: string;
  readonly mediaType: string;
}

interface LayerRecord {
  chainId: string;
  diffId: string;
  parent: string | null;
  size: number;
}

const hex = (digest: string) => digest.replace(/^sha256:/, '');

export function chainIds(diffIds: readonly string[]): string[] {
  const chains: string[] = [];
  for (const diffId of diffIds) {
    const parent = chains.at(-1);
    chains.push(parent ? `sha256:${crypto.createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}` : diffId);
  }
  return chains;
}

export class LayerStore {
  private readonly db: string;
  constructor(storageRoot: string, private readonly driver: StorageDriver, private readonly openBlob: (digest: string) => Readable) {
    this.db = path.join(storageRoot, 'layerdb', driver.name);
  }

  /** storage id of an image layer */
  static storageId(chainId: string): string {
    return hex(chainId);
  }

  has(chainId: string): boolean {
    return fs.existsSync(path.join(this.db, hex(chainId)));
  }

  /** Every chain id whose unpack completed. */
  list(): string[] {
    try {
      return fs.readdirSync(this.db).filter((f) => /^[0-9a-f]{64}$/.test(f)).map((f) => `sha256:${f}`);
    } catch {
      return [];
    }
  }

  size(chainId: string): number {
    return readJson<LayerRecord | undefined>(path.join(this.db, hex(chainId)), undefined)?.size ?? 0;
  }

  /** Unpacks what is missing of an image's layers and returns the storage id of the top one ('' for an image with no layers). */
  async prepare(layers: readonly LayerRef[], onEvent?: Listener<TransferEvent>): Promise<string> {
    const chains = chainIds(layers.map((l) => l.diffId));
    for (let i = 0; i < layers.length; i++) {
      const chainId = chains[i]!;
      if (this.has(chainId)) continue;
      const id = LayerStore.storageId(chainId);
      const parent = i > 0 ? LayerStore.storageId(chains[i - 1]!) : undefined;
      if (this.driver.exists(id)) await this.driver.remove(id); // a half-done unpack from a crash
      onEvent?.({ type: 'layer', id: hex(layers[i]!.digest).slice(0, 12), digest: layers[i]!.digest, status: 'Extracting' });
      await this.driver.create(id, parent);
      try {
        const size = await this.unpack(id, layers[i]!);
        fs.mkdirSync(this.db, { recursive: true });
        writeJsonAtomic(path.join(this.db, id), { chainId, diffId: layers[i]!.diffId, parent: i > 0 ? chains[i - 1]! : null, size } satisfies LayerRecord);
      } catch (error) {
        await this.driver.remove(id).catch(() => undefined);
        throw error;
      }
      onEvent?.({ type: 'layer', id: hex(layers[i]!.digest).slice(0, 12), digest: layers[i]!.digest, status: 'Pull complete' });
    }
    return chains.length ? LayerStore.storageId(chains.at(-1)!) : '';
  }

  /** Removes unpacked layers no image needs any more (children before parents). */
  async prune(keep: ReadonlySet<string>, inUseStorageIds: ReadonlySet<string>): Promise<number> {
    let removed = 0;
    for (let progress = true; progress; ) {
      progress = false;
      const records = this.list().map((c) => readJson<LayerRecord>(path.join(this.db, hex(c)), undefined as never));
      const parents = new Set(records.map((r) => r?.parent).filter(Boolean));
      for (const record of records) {
        if (!record || keep.has(record.chainId) || parents.has(record.chainId)) continue;
        const id = LayerStore.storageId(record.chainId);
        if (inUseStorageIds.has(id)) continue;
        try {
          await this.driver.remove(id);
        } catch {
          continue; // a container layer still sits on it
        }
        fs.rmSync(path.join(this.db, id), { force: true });
        removed++;
        progress = true;
      }
    }
    return removed;
  }

  private async unpack(id: string, layer: LayerRef): Promise<number> {
    const hash = crypto.createHash('sha256');
    const hashing = new Transform({
      transform(chunk, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const compressed = /gzip/.test(layer.mediaType);
    const source = this.openBlob(layer.digest);
    const tar = compressed ? source.pipe(zlib.createGunzip()) : source;
    tar.on('error', (error) => hashing.destroy(error));
    const size = await this.driver.applyDiff(id, tar.pipe(hashing));
    // The tar reader may stop at the end-of-archive blocks; the diff id covers
    // every byte, so drain what is left before comparing.
    if (!hashing.readableEnded) {
      hashing.resume();
      await finished(hashing);
    }
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== layer.diffId) {
      throw new BerthError('invalid', `layer ${layer.digest}: content does not match its diff id (expected ${layer.diffId}, got ${actual})`);
    }
    return size;
  }
}
