// `debian:bookworm`, made on this machine by debootstrap (minbase variant)
// from the mirror the host's apt uses.  debootstrap takes minutes, so the
// resulting rootfs tarball is cached in paths.cache (shared by every state
// root) and built once: a lock file in the cache keeps two builders from
// racing, and the tarball appears under its final name only when complete.
import fs from 'node:fs';
import path from 'node:path';
import { Lock } from '../lock.js';
import type { Paths } from '../paths.js';
import type { Image, ImageStore } from '../store/images.js';
import { importTarball } from '../store/import.js';
import { ociArchitecture } from '../store/oci.js';
import { hostMirror } from './apt-mirror.js';
import { runDebootstrap } from './debootstrap.js';
import { unmountAllUnder } from '../mount-table.js';
import { packDirectory } from '../archive/index.js';
import { pipeline } from 'node:stream/promises';
import type { Listener, PhaseEvent } from '../events.js';

export const DEBIAN_SUITE = 'bookworm';
export const DEBIAN_REFERENCE = `debian:${DEBIAN_SUITE}`;
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Seeding reports phases: debootstrap's own, then the hub's ("writing", "importing"). */
export type Progress = Listener<PhaseEvent>;
const hubPhase = (name: string, text: string): PhaseEvent => ({ type: 'phase', work: 'hub', name, text });

/** Returns debian:bookworm, importing it from the cached tarball (built first if absent). */
export async function ensureDebian(store: ImageStore, onProgress?: Progress): Promise<Image> {
  const existing = store.find(DEBIAN_REFERENCE);
  if (existing) return existing;
  const tarball = await ensureDebianTarball(store.paths, onProgress);
  onProgress?.(hubPhase('importing', `importing ${tarball} as ${DEBIAN_REFERENCE}`));
  return importTarball(store, fs.createReadStream(tarball), {
    ref: DEBIAN_REFERENCE,
    changes: [`ENV ${PATH_ENV}`, 'CMD ["bash"]', 'LABEL org.opencontainers.image.description="Debian 12 (bookworm), minimal base system built with debootstrap"'],
    // The tarball's date, so every store importing the same tarball gets the same image id.
    created: fs.statSync(tarball).mtime.toISOString(),
    createdBy: `debootstrap --variant=minbase ${DEBIAN_SUITE}`,
    message: 'built locally by the berth hub',
  });
}

/** The cached rootfs tarball's path (whether or not it exists yet). */
export function debianTarballPath(paths: Paths): string {
  return path.join(paths.cache, `debian-${DEBIAN_SUITE}-minbase-${ociArchitecture()}.tar`);
}

/** Makes the cached tarball if it is missing; returns its path. */
export async function ensureDebianTarball(paths: Paths, onProgress?: Progress): Promise<string> {
  const tarball = debianTarballPath(paths);
  if (fs.existsSync(tarball)) return tarball;
  fs.mkdirSync(paths.cache, { recursive: true });
  await new Lock(path.join(paths.cache, `debian-${DEBIAN_SUITE}.lock`)).with(async () => {
    if (fs.existsSync(tarball)) return; // another builder finished while we waited
    await buildTarball(paths, tarball, onProgress);
  });
  return tarball;
}

async function buildTarball(paths: Paths, tarball: string, onProgress?: Progress): Promise<void> {
  const mirror = hostMirror(DEBIAN_SUITE);
  onProgress?.(hubPhase('building', `building ${DEBIAN_REFERENCE} with debootstrap from ${mirror} (takes a few minutes, once; cached in ${paths.cache})`));
  fs.mkdirSync(paths.tmp, { recursive: true });
  const target = fs.mkdtempSync(path.join(paths.tmp, `debootstrap-${process.pid}-`));
  const partial = `${tarball}.${process.pid}.partial`;
  try {
    await runDebootstrap(target, DEBIAN_SUITE, mirror, onProgress);
    unmountAllUnder(target);
    slimTree(target);
    onProgress?.(hubPhase('writing', `writing ${tarball}`));
    await pipeline(packDirectory(target), fs.createWriteStream(partial, { mode: 0o644 }));
    const fd = fs.openSync(partial, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(partial, tarball);
  } finally {
    fs.rmSync(partial, { force: true });
    // Never rm -rf across a mount: unmountAllUnder throws if one stays.
    unmountAllUnder(target);
    fs.rmSync(target, { recursive: true, force: true });
  }
}

/** Drops what an image should not carry: package caches, index files, the host's name and resolver. */
function slimTree(root: string): void {
  const emptyDir = (relative: string, keep: string[] = []) => {
    const dir = path.join(root, relative);
    if (!fs.existsSync(dir)) return;
    for (const name of fs.readdirSync(dir)) {
      if (!keep.includes(name)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    }
  };
  // Contents of /dev, /proc and /sys come from the runtime, not the image (nothing is mounted there any more).
  for (const dir of ['dev', 'proc', 'sys']) emptyDir(dir);
  emptyDir('var/cache/apt/archives', ['partial', 'lock']);
  emptyDir('var/cache/apt/archives/partial');
  emptyDir('var/lib/apt/lists', ['partial', 'lock']);
  emptyDir('var/lib/apt/lists/partial');
  for (const name of fs.existsSync(path.join(root, 'var/cache/apt')) ? fs.readdirSync(path.join(root, 'var/cache/apt')) : []) {
    if (name.endsWith('.bin')) fs.rmSync(path.join(root, 'var/cache/apt', name), { force: true });
  }
  // Copied from the host by debootstrap; the runtime bind-mounts its own over them.
  for (const file of ['etc/hostname', 'etc/resolv.conf']) {
    const full = path.join(root, file);
    if (fs.existsSync(full) && fs.lstatSync(full).isFile()) {
      fs.writeFileSync(full, '');
      fs.chmodSync(full, 0o644);
    }
  }
  fs.rmSync(path.join(root, 'debootstrap'), { recursive: true, force: true });
}
