// startup: `run --rm <bench image> bench-nop` through the engine API (per
// network mode) and through the CLI, against a native fork+exec of the same
// static binary, `unshare` with the same namespaces, `runc run` on the same
// rootfs, and `docker run` when a daemon answers.  Timed with benchmark.js,
// interleaved (src/bench/startup.ts is the stand-alone version of this).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PAPER, SEED } from '../claims.js';
import { BENCH_IMAGE, benchTar, IN_IMAGE, NATIVE, type BenchContext } from '../context.js';
import { timeInterleaved, type TimedVariant } from '../timing.js';
import { buildOciSpec, PACKAGE_ROOT, resolveSettings, type Engine } from '../../engine/index.js';

const find = (...candidates: string[]) => candidates.find((p) => fs.existsSync(p));

/** A rootfs copied out of the bench image and a config.json runc can run. */
async function runcBundle(engine: Engine, dir: string): Promise<string> {
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(rootfs, { recursive: true });
  const container = await engine.create({ image: BENCH_IMAGE, cmd: [IN_IMAGE('nop')], network: 'none' });
  try {
    await engine.copy(`${container.id}:/.`, rootfs);
  } finally {
    await engine.remove(container.id, { force: true });
  }
  const spec = buildOciSpec({
    id: 'bench', rootfs, args: [IN_IMAGE('nop')], env: ['PATH=/bin'], hostname: 'bench',
    user: { uid: 0, gid: 0 }, network: 'none', cgroupsPath: `/${resolveSettings().cgroupParent}/bench-runc-${process.pid}`,
  });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
  return dir;
}

export async function startupSuite(ctx: BenchContext): Promise<void> {
  const engine = await ctx.engine();
  const check = (what: string) => (r: { code: number | null; stderr: string }) => {
    if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr.trim()}`);
  };
  const variants: TimedVariant[] = [
    { name: 'native fork+exec', once: () => ctx.spawn(NATIVE('nop'), [], 10_000).then(check('bench-nop')) },
  ];
  const unshare = find('/usr/bin/unshare', '/bin/unshare');
  if (unshare) variants.push({ name: 'unshare -fpmuin', once: () => ctx.spawn(unshare, ['--fork', '--pid', '--mount', '--uts', '--ipc', '--net', NATIVE('nop')], 10_000).then(check('unshare')) });
  else ctx.skip('startup', 'unshare', 'unshare (util-linux) is not installed');

  const runc = find('/usr/sbin/runc', '/usr/bin/runc');
  if (runc) {
    const bundle = await runcBundle(engine, path.join(ctx.work, 'runc-bundle'));
    const state = path.join(ctx.work, 'runc-state');
    variants.push({
      name: 'runc run',
      once: async () => {
        const id = `bench-${crypto.randomBytes(4).toString('hex')}`;
        try {
          await ctx.spawn(runc, ['--root', state, 'run', '--bundle', bundle, id], 10_000).then(check('runc run'));
        } finally {
          await ctx.spawn(runc, ['--root', state, 'delete', '-f', id], 10_000);
        }
      },
    });
  } else ctx.skip('startup', 'runc run', 'runc is not installed');

  for (const network of ['none', 'host', 'bridge'] as const) {
    variants.push({
      name: `berth API --net ${network}`,
      once: async () => {
        const result = await engine.run({ image: BENCH_IMAGE, cmd: [IN_IMAGE('nop')], network, autoRemove: true });
        if (result.exitCode !== 0) throw new Error(`berth run --net ${network} exited ${result.exitCode}: ${result.error}`);
      },
    });
  }
  // The same start without the seccomp filter, to show what the default profile costs.
  variants.push({
    name: 'berth API --net none seccomp=unconfined',
    once: async () => {
      const result = await engine.run({ image: BENCH_IMAGE, cmd: [IN_IMAGE('nop')], network: 'none', autoRemove: true, security: { securityOpt: ['seccomp=unconfined'] } });
      if (result.exitCode !== 0) throw new Error(`berth run seccomp=unconfined exited ${result.exitCode}: ${result.error}`);
    },
  });
  const berthBin = path.join(PACKAGE_ROOT, 'bin', 'berth.js');
  const berthEnv = ctx.berthEnv(); // made once, outside the timed runs
  variants.push({
    name: 'berth CLI run --rm',
    once: () => ctx.spawn(process.execPath, ['--', berthBin, '--root', engine.paths.root, '--storage-driver', engine.storageDriver, 'run', '--rm', '--net', 'none', BENCH_IMAGE, IN_IMAGE('nop')], 30_000, berthEnv).then(check('berth run --rm')),
  });

  const docker = await dockerImage(ctx);
  if (docker) {
    variants.push({ name: 'docker run --rm', once: () => ctx.spawn('docker', ['run', '--rm', '--network', 'none', docker, IN_IMAGE('nop')], 30_000).then(check('docker run')) });
  }

  // A bridged container kept up meanwhile, so --net bridge measures one
  // container's network (netns, veth, address), not building the bridge.
  const holder = await engine.create({ image: BENCH_IMAGE, cmd: [IN_IMAGE('nop'), '3600'], network: 'bridge' });
  ctx.onCleanup(() => engine.remove(holder.id, { force: true }).catch(() => undefined));
  await engine.start(holder.id);
  try {
    const figures = await timeInterleaved(variants, {
      rounds: ctx.quick ? 2 : 4,
      maxTime: ctx.quick ? 0.2 : 2,
      minSamples: ctx.quick ? 3 : 10,
      signal: ctx.signal,
      progress: (what, at) => ctx.progress('startup', what, at),
    });
    const native = { label: 'native fork+exec', ...figures.get('native fork+exec')! };
    for (const v of variants.slice(1)) {
      ctx.compare({
        suite: 'startup', id: `startup.${v.name.replace(/[^a-zA-Z0-9]+/g, '-')}`, title: `start ${v.name} ms`, better: 'lower',
        native, container: { label: v.name, ...figures.get(v.name)! },
        seedClaim: SEED.none, paperFinding: PAPER.startup,
        ...(v.name.includes('CLI') ? { note: 'includes starting Node.js and loading berth (a new process per command: daemonless)' } : {}),
      });
    }
    const unconfined = figures.get('berth API --net none seccomp=unconfined');
    const confined = figures.get('berth API --net none');
    if (unconfined && confined) {
      ctx.compare({
        suite: 'startup', id: 'startup.seccomp-cost', title: 'default seccomp / unconfined', better: 'lower',
        native: { label: 'seccomp=unconfined', ...unconfined }, container: { label: 'default profile', ...confined },
        seedClaim: SEED.none, paperFinding: PAPER.startup,
        note: "what Docker's default seccomp profile adds to a start (building and loading the filter)",
      });
    }
    // The figure the paper-era numbers are quoted against: runc on the same rootfs.
    const runcFigure = figures.get('runc run');
    if (runcFigure) {
      for (const name of ['berth API --net none', 'berth CLI run --rm', 'docker run --rm']) {
        const figure = figures.get(name);
        if (!figure) continue;
        ctx.compare({
          suite: 'startup', id: `startup.vs-runc.${name.replace(/[^a-zA-Z0-9]+/g, '-')}`, title: `${name.replace('berth ', '')} / runc`, better: 'lower',
          native: { label: 'runc run', ...runcFigure }, container: { label: name, ...figure },
          seedClaim: SEED.none, paperFinding: PAPER.startup,
          note: 'reference is runc run on the same rootfs (not native): what berth adds over a bare OCI runtime',
        });
      }
    }
  } finally {
    await engine.remove(holder.id, { force: true });
  }
}

/** The bench image in docker (imported from the same tar), when a docker daemon answers; removed at cleanup. */
async function dockerImage(ctx: BenchContext): Promise<string | undefined> {
  const dockerBin = find('/usr/bin/docker', '/usr/local/bin/docker');
  if (!dockerBin) {
    ctx.skip('startup', 'docker run', 'docker is not installed');
    return undefined;
  }
  const ping = await ctx.spawn(dockerBin, ['version', '--format', '{{.Server.Version}}'], 5_000).catch(() => undefined);
  if (!ping || ping.code !== 0) {
    ctx.skip('startup', 'docker run', 'no docker daemon answers');
    return undefined;
  }
  const tarFile = path.join(ctx.work, 'bench-image.tar');
  const chunks: Buffer[] = [];
  for await (const chunk of benchTar()) chunks.push(chunk as Buffer);
  fs.writeFileSync(tarFile, Buffer.concat(chunks));
  const name = `berth-bench-${process.pid}:latest`;
  const imported = await ctx.spawn(dockerBin, ['import', tarFile, name], 60_000);
  if (imported.code !== 0) {
    ctx.skip('startup', 'docker run', `docker import failed: ${imported.stderr.trim()}`);
    return undefined;
  }
  ctx.onCleanup(async () => {
    await ctx.spawn(dockerBin, ['rmi', '-f', name], 30_000).catch(() => undefined);
  });
  return name;
}
