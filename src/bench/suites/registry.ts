// registry: berth's registry against Docker's distribution (Debian's
// docker-registry 2.8), side by side in one run, on a filesystem and on one
// S3 server: push and pull of a 2×100 MB image with skopeo, a room of 20
// skopeo processes pulling a 10 MB image at once, and 200 GETs of that
// image's layer at once.  Rounds interleave the two registries (the order
// reversed every other round) so a busy machine slows both alike; the rows
// are medians and the ratio berth / distribution.  Every failed pull or GET
// is counted and named in the row's note.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SEED } from '../claims.js';
import type { BenchContext } from '../context.js';
import { summarize } from '../figures.js';
import { makeBenchImage } from '../registry-image.js';
import { concurrentGets, removeLayouts, skopeoCopies, type Timed } from '../registry-load.js';
import { DISTRIBUTION, startRegistries, type BenchRegistry, type BenchStorage } from '../registry-servers.js';
import { startS3ForBench } from '../registry-s3.js';

export type StorageKind = 'fs' | 's3';

export interface RegistryBenchOptions {
  readonly storages: readonly StorageKind[];
  /** the push/pull image: layers × mb */
  readonly layers: number;
  readonly mb: number;
  /** the room: `room` skopeo pulls at once of a one-layer image of roomMb */
  readonly room: number;
  readonly roomMb: number;
  /** GETs at once of the room image's layer */
  readonly gets: number;
  /** measured rounds (after an unmeasured warm-up), fewer if the time budget runs out */
  readonly rounds: number;
  /** no new round starts after this many ms of a storage's rounds (at least one runs) */
  readonly budgetMs: number;
}

export function registryBenchDefaults(quick: boolean): RegistryBenchOptions {
  return quick
    ? { storages: ['fs', 's3'], layers: 2, mb: 20, room: 20, roomMb: 10, gets: 200, rounds: 1, budgetMs: 60_000 }
    : { storages: ['fs', 's3'], layers: 2, mb: 100, room: 20, roomMb: 10, gets: 200, rounds: 5, budgetMs: 600_000 };
}

type Op = 'push' | 'pull' | 'room' | 'gets';

/** One row's raw figures, per registry: wall times (ms) and failures. */
export interface RegistryRow {
  readonly storage: StorageKind;
  readonly op: Op;
  readonly title: string;
  readonly ms: Record<BenchRegistry['name'], number[]>;
  readonly failed: Record<BenchRegistry['name'], number>;
  readonly errors: string[];
}

function titles(o: RegistryBenchOptions): Record<Op, string> {
  return {
    push: `push ${o.layers}×${o.mb} MB ms`,
    pull: `pull ${o.layers}×${o.mb} MB ms`,
    room: `${o.room} pulls at once, ${o.roomMb} MB ms`,
    gets: `${o.gets} blob GETs at once ms`,
  };
}

export async function registrySuite(ctx: BenchContext): Promise<void> {
  await measureRegistries(ctx, registryBenchDefaults(ctx.quick));
}

/** Runs the rounds on each storage, adds a report row per figure, and returns the raw figures. */
export async function measureRegistries(ctx: BenchContext, options: RegistryBenchOptions): Promise<RegistryRow[]> {
  for (const tool of ['skopeo', DISTRIBUTION]) {
    if (!fs.existsSync(tool.includes('/') ? tool : `/usr/bin/${tool}`)) {
      ctx.skip('registry', 'suite', `${tool} is not installed (scripts/setup.sh installs skopeo and docker-registry)`);
      return [];
    }
  }
  const rows: RegistryRow[] = [];
  for (const kind of options.storages) {
    ctx.checkAborted();
    let storage: BenchStorage = { kind: 'fs' };
    if (kind === 's3') {
      const s3 = await startS3ForBench(ctx, path.join(ctx.work, 'registry-s3-server'));
      if (typeof s3 === 'string') {
        ctx.skip('registry', 'S3 rows', s3);
        continue;
      }
      storage = s3;
    }
    rows.push(...(await measureOn(ctx, storage, options)));
  }
  for (const row of rows) addComparison(ctx, row);
  return rows;
}

function addComparison(ctx: BenchContext, row: RegistryRow): void {
  const range = (xs: number[]) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;
  const failures = row.op === 'room' || row.op === 'gets' ? `; failed: berth ${row.failed.berth}, distribution ${row.failed.distribution}${row.errors.length ? ` (${row.errors[0]})` : ''}` : '';
  ctx.compare({
    suite: 'registry', id: `registry.${row.storage}.${row.op}`, title: `${row.title} (${row.storage})`, better: 'lower',
    native: { label: `distribution (${row.storage})`, ...summarize(row.ms.distribution, 'ms') },
    container: { label: `berth (${row.storage})`, ...summarize(row.ms.berth, 'ms') },
    expected: 1, seedClaim: SEED.none, paperFinding: 'not measured (no registry in the paper)',
    note: `reference is Docker's distribution 2.8 on the same storage; ${row.ms.berth.length} rounds; min–max berth ${range(row.ms.berth)} ms, distribution ${range(row.ms.distribution)} ms${failures}`,
  });
}

async function measureOn(ctx: BenchContext, storage: BenchStorage, o: RegistryBenchOptions): Promise<RegistryRow[]> {
  const work = path.join(ctx.work, `registry-${storage.kind}`);
  const progress = (what: string, at?: { round: number; rounds: number }) => ctx.progress('registry', `${storage.kind}: ${what}`, at);
  progress('starting berth and distribution');
  const registries = await startRegistries(ctx, work, storage, String(process.pid));
  const title = titles(o);
  const rows = new Map<Op, RegistryRow>((['push', 'pull', 'room', 'gets'] as const).map((op) => [op, {
    storage: storage.kind, op, title: title[op], ms: { berth: [], distribution: [] }, failed: { berth: 0, distribution: 0 }, errors: [],
  }]));
  const record = (op: Op, r: BenchRegistry, t: Timed, mustSucceed: boolean) => {
    const row = rows.get(op)!;
    if (t.failed && mustSucceed) throw new Error(`${op} on ${r.name}'s registry (${storage.kind}) failed: ${t.error}`);
    row.ms[r.name].push(t.ms);
    row.failed[r.name] += t.failed;
    if (t.error) row.errors.push(`${r.name}: ${t.error}`);
  };
  const must = (what: string, t: Timed) => {
    if (t.failed) throw new Error(`${what} failed: ${t.error}`);
  };
  try {
    // Warm-up, unmeasured: both registries' first requests, and the room image pushed to each.
    progress('warm-up');
    const warm = await makeBenchImage(path.join(work, 'warm'), 1, 1);
    const room = await makeBenchImage(path.join(work, 'room'), 1, o.roomMb);
    for (const r of registries) {
      must(`warm-up push to ${r.name}`, await skopeoCopies(ctx, warm.source, () => `docker://${r.address}/bench/warm:v1`));
      must(`warm-up pull from ${r.name}`, await skopeoCopies(ctx, `docker://${r.address}/bench/warm:v1`, () => `oci:${path.join(work, `warm-${r.name}`)}:v1`));
      must(`room image push to ${r.name}`, await skopeoCopies(ctx, room.source, () => `docker://${r.address}/bench/room:v1`));
    }
    removeLayouts([warm.dir, ...registries.map((r) => path.join(work, `warm-${r.name}`))]);
    const layer = room.layers[0]!;
    const started = performance.now();
    for (let round = 0; round < o.rounds; round++) {
      if (round > 0 && performance.now() - started > o.budgetMs) {
        ctx.skip('registry', `${storage.kind} rounds ${round + 1}–${o.rounds}`, `the time budget (${o.budgetMs / 1000} s) ran out after ${round} rounds`);
        break;
      }
      const at = { round: round + 1, rounds: o.rounds };
      const order = round % 2 === 0 ? registries : [...registries].reverse();
      progress(`round ${at.round}/${at.rounds}: making a ${o.layers}×${o.mb} MB image`, at);
      const image = await makeBenchImage(path.join(work, `image-${round}`), o.layers, o.mb);
      for (const r of order) {
        ctx.checkAborted();
        // A new repository and new bytes each round: every push uploads every byte.
        const ref = `docker://${r.address}/bench/big-${round}:v1`;
        progress(`round ${at.round}/${at.rounds}: ${r.name} push`, at);
        record('push', r, await skopeoCopies(ctx, image.source, () => ref), true);
        progress(`round ${at.round}/${at.rounds}: ${r.name} pull`, at);
        const out = path.join(work, `pulled-${r.name}`);
        record('pull', r, await skopeoCopies(ctx, ref, () => `oci:${out}:v1`), true);
        removeLayouts([out]);
      }
      removeLayouts([image.dir]);
      for (const r of order) {
        ctx.checkAborted();
        progress(`round ${at.round}/${at.rounds}: ${r.name} ${o.room} pulls at once`, at);
        const outs = Array.from({ length: o.room }, (_, i) => path.join(work, `room-${r.name}-${i}`));
        record('room', r, await skopeoCopies(ctx, `docker://${r.address}/bench/room:v1`, (i) => `oci:${outs[i]}:v1`, o.room), false);
        removeLayouts(outs);
      }
      for (const r of order) {
        ctx.checkAborted();
        progress(`round ${at.round}/${at.rounds}: ${r.name} ${o.gets} GETs at once`, at);
        record('gets', r, await concurrentGets(`http://${r.address}/v2/bench/room/blobs/${layer.digest}`, o.gets, layer.size), false);
      }
    }
  } finally {
    await Promise.all(registries.map((r) => r.stop()));
    fs.rmSync(work, { recursive: true, force: true });
  }
  return [...rows.values()].filter((row) => row.ms.berth.length && row.ms.distribution.length);
}
