// Builds against Docker's: a Dockerfile of COPY and ENV steps, built fresh
// (--no-cache) and rebuilt from cache, by `berth build` and by `docker build`
// (the classic builder, DOCKER_BUILDKIT=0, on a dockerd this script starts
// with its own data root and no iptables), both from the same busybox image
// (berth's, handed to docker with `berth save | docker load`).  Interleaved
// rounds; medians; ratios berth / docker from the same run.
//
//   node dist/src/bench/build.js [--rounds 5]
// Needs docker.io (dockerd) installed; CI does not run this.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { $ } from 'zx';
import { PACKAGE_ROOT } from '../engine/index.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 5);
const BERTH = [process.execPath, '--', path.join(PACKAGE_ROOT, 'bin', 'berth.js')];

function makeContext(dir: string): void {
  fs.mkdirSync(path.join(dir, 'site', 'assets'), { recursive: true });
  for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(dir, 'site', 'assets', `file-${i}.txt`), crypto.randomBytes(2048).toString('hex'));
  fs.writeFileSync(path.join(dir, 'site', 'index.html'), '<h1>bench</h1>\n');
  fs.writeFileSync(path.join(dir, 'data.bin'), crypto.randomBytes(20 * 1024 * 1024));
  fs.writeFileSync(path.join(dir, 'Dockerfile'), [
    'FROM busybox:latest',
    'ENV APP_HOME=/srv/app',
    'COPY data.bin /srv/app/data.bin',
    'ENV STAGE=copy',
    'COPY site /srv/app/site',
    'WORKDIR /srv/app',
    'ENV PORT=8080',
    'LABEL org.opencontainers.image.description="build bench"',
    'CMD ["httpd", "-f", "-p", "8080", "-h", "/srv/app/site"]',
    '',
  ].join('\n'));
}

/** Wall time of one command (which must succeed: a failure throws with its stderr). */
async function timed(command: Promise<unknown>): Promise<number> {
  const start = performance.now();
  await command;
  return performance.now() - start;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const work = fs.mkdtempSync('/tmp/berth-build-bench-');
  const socket = `unix://${work}/docker.sock`;
  const dockerEnv = { ...process.env, DOCKER_HOST: socket, DOCKER_BUILDKIT: '0' };
  const berthEnv = { ...process.env, BERTH_ROOT: path.join(work, 'berth'), BERTH_HUB_PORT: '0' };
  const docker = $({ env: dockerEnv, quiet: true });
  const berth = $({ env: berthEnv, quiet: true });
  const dockerd = docker({ nothrow: true })`dockerd --iptables=false --bridge=none --data-root ${work}/docker --exec-root ${work}/docker-exec --pidfile ${work}/docker.pid --host ${socket}`;
  try {
    makeContext(path.join(work, 'context'));
    for (let i = 0; i < 200 && !(await docker({ nothrow: true })`docker version`).ok; i++) await new Promise((r) => setTimeout(r, 100));
    await berth`${BERTH} pull busybox`;
    const archive = path.join(work, 'busybox.tar');
    await berth`${BERTH} save -o ${archive} busybox`;
    await docker`docker load -i ${archive}`;
    const context = path.join(work, 'context');
    const variants = {
      'berth fresh': () => timed(berth`${BERTH} build --no-cache -q -t bench:fresh ${context}`),
      'docker fresh': () => timed(docker`docker build --no-cache -q -t bench:fresh ${context}`),
      'berth cached': () => timed(berth`${BERTH} build -q -t bench:cached ${context}`),
      'docker cached': () => timed(docker`docker build -q -t bench:cached ${context}`),
    };
    for (const run of Object.values(variants)) await run(); // warm-up (and fills both caches)
    const samples: Record<string, number[]> = {};
    for (let round = 0; round < rounds; round++) {
      const names = Object.keys(variants) as Array<keyof typeof variants>;
      for (const name of round % 2 ? names.reverse() : names) (samples[name] ??= []).push(await variants[name]());
      process.stderr.write(`  round ${round + 1}/${rounds}\n`);
    }
    console.log(`Dockerfile of COPY/ENV steps (20 MB + 200 files), ${rounds} interleaved rounds, median wall time per build`);
    for (const kind of ['fresh', 'cached']) {
      const b = median(samples[`berth ${kind}`]!);
      const d = median(samples[`docker ${kind}`]!);
      console.log(`${kind.padEnd(7)} berth ${b.toFixed(0).padStart(6)} ms   docker ${d.toFixed(0).padStart(6)} ms   berth/docker ${(b / d).toFixed(2)}x`);
    }
  } finally {
    await berth({ nothrow: true })`${BERTH} hub stop`;
    if (dockerd.stage === 'running') await dockerd.kill('SIGTERM');
    await dockerd;
    // What dockerd left mounted under the work directory, deepest first.
    await $({ nothrow: true, quiet: true })`grep ${` ${work}`} /proc/mounts | cut -d' ' -f2 | sort -r | xargs -r -n1 umount -l`;
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
