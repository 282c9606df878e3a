// Push and pull of a 200 MB image against berth's registry and against the
// distribution registry (Debian's docker-registry), skopeo as the client for
// both, in interleaved rounds on loopback.  Figures are medians; the verdict
// is the ratio berth / distribution from the same run.
//
//   node dist/src/bench/registry.js [--mb 200] [--rounds 3]
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { $, type ProcessPromise } from 'zx';
import { Engine, PACKAGE_ROOT, freePort } from '../engine/index.js';

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return index > 0 && process.argv[index + 1] ? process.argv[index + 1]! : fallback;
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(500) })).status < 500) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not answer`);
}

/** A one-layer image of `mb` MB of random (incompressible) bytes, as an OCI layout skopeo reads. */
async function makeImage(engine: Engine, work: string, mb: number, label: string): Promise<string> {
  const pack = tarStream.pack();
  const size = mb * 1024 * 1024;
  const feeding = (async () => {
    const entry = pack.entry({ name: 'data.bin', size, mode: 0o644 });
    for (let left = size; left > 0; left -= 1 << 20) {
      const chunk = crypto.randomBytes(Math.min(left, 1 << 20));
      if (!entry.write(chunk)) await new Promise<void>((r) => entry.once('drain', () => r()));
    }
    entry.end(() => undefined);
    pack.finalize();
  })();
  const image = await engine.importImage(pack as unknown as Readable, { ref: 'bench-registry:payload' });
  await feeding;
  const archive = path.join(work, `payload-${label}.tar`);
  await engine.save([`bench-registry:payload`], fs.createWriteStream(archive));
  const oci = path.join(work, `payload-oci-${label}`);
  await $`skopeo copy -q docker-archive:${archive} oci:${oci}:payload`;
  fs.rmSync(archive);
  await engine.removeImage(image.id, true);
  return oci;
}

/** Wall time of one `skopeo copy <from> <to>` (plain HTTP on loopback). */
async function time(from: string, to: string): Promise<number> {
  const start = performance.now();
  await $({ quiet: true })`skopeo copy -q --src-tls-verify=false --dest-tls-verify=false ${from} ${to}`;
  return performance.now() - start;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const mb = Number(argument('--mb', '200'));
  const rounds = Number(argument('--rounds', '3'));
  const engine = await Engine.open();
  const work = fs.mkdtempSync(path.join(engine.paths.tmp, `bench-${process.pid}-`));
  // The two registries, run until the end (quiet: their request logs are not shown).
  const servers: ProcessPromise[] = [];
  const serve = $({ quiet: true, nothrow: true });
  try {
    const berthPort = await freePort();
    servers.push(serve`${process.execPath} -- ${path.join(PACKAGE_ROOT, 'bin', 'berth.js')} registry serve --port ${berthPort} --storage ${path.join(work, 'berth-storage')}`);
    const distPort = await freePort();
    fs.writeFileSync(path.join(work, 'config.yml'), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${work}/dist-storage\nhttp:\n  addr: 127.0.0.1:${distPort}\n`);
    servers.push(serve`docker-registry serve ${path.join(work, 'config.yml')}`);
    await waitFor(`http://127.0.0.1:${berthPort}/v2/`);
    await waitFor(`http://127.0.0.1:${distPort}/v2/`);
    const registries = [{ name: 'berth', port: berthPort }, { name: 'distribution', port: distPort }];
    const samples: Record<string, number[]> = {};
    for (let round = 0; round < rounds; round++) {
      // Fresh random bytes each round: no registry (and no client cache) has them, so every push uploads all of it.
      process.stderr.write(`registry: round ${round + 1}: making a ${mb} MB image\n`);
      const oci = await makeImage(engine, work, mb, String(round));
      const order = round % 2 === 0 ? registries : [...registries].reverse();
      for (const r of order) {
        // A new repository each round, so every push uploads every byte.
        const repo = `127.0.0.1:${r.port}/bench/r${round}`;
        (samples[`${r.name} push`] ??= []).push(await time(`oci:${oci}:payload`, `docker://${repo}:v1`));
        const out = path.join(work, `pulled-${r.name}-${round}`);
        (samples[`${r.name} pull`] ??= []).push(await time(`docker://${repo}:v1`, `oci:${out}:v1`));
        fs.rmSync(out, { recursive: true, force: true });
      }
      fs.rmSync(oci, { recursive: true, force: true });
    }
    console.log(`${mb} MB image, skopeo as the client, ${rounds} interleaved rounds (median)`);
    for (const op of ['push', 'pull']) {
      const b = median(samples[`berth ${op}`]!);
      const d = median(samples[`distribution ${op}`]!);
      console.log(`${op.padEnd(5)} berth ${b.toFixed(0).padStart(6)} ms (${((mb / b) * 1000).toFixed(0)} MB/s)   distribution ${d.toFixed(0).padStart(6)} ms (${((mb / d) * 1000).toFixed(0)} MB/s)   berth/distribution ${(b / d).toFixed(2)}x`);
    }
  } finally {
    await Promise.all(servers.map(async (server) => {
      if (server.stage === 'running') await server.kill('SIGTERM');
      await server;
    }));
    fs.rmSync(work, { recursive: true, force: true });
    await engine.stopHub();
    await engine.shutdown();
  }
}

await main();
