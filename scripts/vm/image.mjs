// The VM's parts, built from Debian packages and cached under
// /var/cache/berth-vm (BERTH_VM_CACHE): a stock kernel, an initramfs that
// mounts the root disk, and an ext4 root of a debootstrap'd bookworm with
// this machine's node.  Each part's cache name carries a hash of its inputs,
// so a changed input (a kernel update, another node, an edited init) builds
// a new part and an unchanged one is reused.  The berth checkout itself is
// not in the root: it goes on the job disk of each run (job-disk.mjs), so a
// code change does not rebuild the image.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';

const here = path.dirname(new URL(import.meta.url).pathname);
export const CACHE = process.env.BERTH_VM_CACHE || '/var/cache/berth-vm';
const SUITE = 'bookworm';
/** The kernel's meta package: it depends on the current linux-image-6.1.0-N-amd64. */
const KERNEL_META = 'linux-image-amd64';
/**
 * What the initramfs loads, dependencies first: the stock kernel builds
 * virtio and ext4 as modules (the list a by-hand boot of this kernel needed).
 */
export const INITRAMFS_MODULES = ['virtio_ring', 'virtio', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio_pci', 'virtio_blk', 'crc16', 'mbcache', 'jbd2', 'crc32c_generic', 'ext4'];
/**
 * What the engine needs at run time in the VM (scripts/setup.sh's list less
 * the build tools, the registry and hub tools and the btrfs driver the
 * focused set does not use), plus kmod so the kernel can load netfilter,
 * bridge, veth and overlay modules on demand.
 */
export const ROOT_PACKAGES = ['busybox-static', 'iptables', 'iproute2', 'runc', 'procps', 'util-linux', 'e2fsprogs', 'kmod', 'libseccomp2'];
const ROOT_SIZE = '4G'; // sparse; the VM's writes go to a throw-away snapshot

const quiet = $({ quiet: true });
const sha = (...parts) => crypto.createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);
const fileSha = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 16);
const log = (line) => process.stderr.write(`berth-vm: ${line}\n`);

/**
 * A cached part, `<kind>-<key>`: made by `build` into a temporary path and
 * renamed into place when complete, so a killed build leaves no half part.
 * A new part replaces the older ones of its kind (a root image is 1 GB).
 */
async function cached(kind, key, build) {
  const name = `${kind}-${key}`;
  const final = path.join(CACHE, name);
  if (fs.existsSync(final)) return final;
  fs.mkdirSync(CACHE, { recursive: true });
  const partial = `${final}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  try {
    await build(partial);
    fs.renameSync(partial, final);
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
  }
  for (const old of fs.readdirSync(CACHE)) {
    if (old !== name && old.startsWith(`${kind}-`) && !old.includes('.partial-')) fs.rmSync(path.join(CACHE, old), { recursive: true, force: true });
  }
  return final;
}

/** What this machine lacks to build and boot the VM: one sentence per missing thing, none when all is there. */
export async function missingTools() {
  const tools = { 'qemu-system-x86_64': 'qemu-system-x86', debootstrap: 'debootstrap', 'mkfs.ext4': 'e2fsprogs', debugfs: 'e2fsprogs', cpio: 'cpio', 'apt-get': 'apt', 'dpkg-deb': 'dpkg', depmod: 'kmod' };
  const missing = [];
  for (const [tool, pkg] of Object.entries(tools)) {
    const found = await quiet({ nothrow: true })`sh -c ${`command -v ${tool} || test -x /usr/sbin/${tool} || test -x /sbin/${tool}`}`;
    if (!found.ok) missing.push(`${tool} is not installed (Debian package ${pkg})`);
  }
  if (!fs.existsSync('/bin/busybox')) missing.push('/bin/busybox is not installed (Debian package busybox-static)');
  return missing;
}

/** The kernel package linux-image-amd64 points to now, and its version (apt's lists; `apt-get update` refreshes them). */
async function kernelPackage() {
  const wanted = process.env.BERTH_VM_KERNEL;
  const name = wanted || /Depends: (linux-image-\S+-amd64)/.exec((await quiet`apt-cache depends ${KERNEL_META}`).stdout)?.[1];
  if (!name) throw new Error(`no kernel package: apt-cache knows no ${KERNEL_META} (run apt-get update)`);
  const version = /^Version: (\S+)/m.exec((await quiet`apt-cache show --no-all-versions ${name}`).stdout)?.[1];
  if (!version) throw new Error(`no kernel package: apt-cache show ${name} gave no version (run apt-get update)`);
  return { name, version, release: name.replace(/^linux-image-/, '') };
}

/** The stock kernel package, downloaded (never installed on this machine) and unpacked: vmlinuz and its modules. */
async function kernel() {
  const pkg = await kernelPackage();
  const dir = await cached('kernel', `${pkg.release}-${pkg.version.replace(/[^A-Za-z0-9.+-]/g, '_')}`, async (partial) => {
    log(`downloading ${pkg.name} ${pkg.version}`);
    fs.mkdirSync(partial, { recursive: true });
    await quiet({ cwd: partial })`apt-get download ${`${pkg.name}=${pkg.version}`}`;
    const deb = fs.readdirSync(partial).find((f) => f.endsWith('.deb'));
    await quiet`dpkg-deb -x ${path.join(partial, deb)} ${path.join(partial, 'tree')}`;
    fs.rmSync(path.join(partial, deb));
    // The package leaves modules.dep to its postinst: made here, as installing it would.
    await quiet`depmod -b ${path.join(partial, 'tree')} ${pkg.release}`;
  });
  const tree = path.join(dir, 'tree');
  return { ...pkg, vmlinuz: path.join(tree, 'boot', `vmlinuz-${pkg.release}`), modules: path.join(tree, 'lib', 'modules', pkg.release) };
}

/** Where each module of the list is in the kernel's tree (modules.dep names every module's path). */
function modulePaths(k, names) {
  const paths = new Map();
  for (const line of fs.readFileSync(path.join(k.modules, 'modules.dep'), 'utf8').split('\n')) {
    const file = line.split(':')[0];
    if (file) paths.set(path.basename(file).replace(/\.ko(\.\w+)?$/, '').replace(/-/g, '_'), file);
  }
  return names.map((name) => {
    const file = paths.get(name);
    if (!file) throw new Error(`the kernel ${k.release} has no module ${name}`);
    return path.join(k.modules, file);
  });
}

/** busybox (static) + the modules + initramfs-init.sh, as a gzipped newc cpio. */
async function initramfs(k) {
  const init = path.join(here, 'initramfs-init.sh');
  const key = sha(k.release, k.version, INITRAMFS_MODULES.join(','), fileSha(init), fileSha('/bin/busybox'));
  return cached('initramfs', `${key}.cpio.gz`, async (partial) => {
    const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-vm-initramfs-'));
    try {
      for (const dir of ['bin', 'dev', 'proc', 'sys', 'modules', 'root']) fs.mkdirSync(path.join(stage, dir));
      fs.copyFileSync('/bin/busybox', path.join(stage, 'bin', 'busybox'));
      fs.chmodSync(path.join(stage, 'bin', 'busybox'), 0o755);
      fs.symlinkSync('busybox', path.join(stage, 'bin', 'sh'));
      fs.copyFileSync(init, path.join(stage, 'init'));
      fs.chmodSync(path.join(stage, 'init'), 0o755);
      modulePaths(k, INITRAMFS_MODULES).forEach((file, i) => fs.copyFileSync(file, path.join(stage, 'modules', `${INITRAMFS_MODULES[i]}.ko`)));
      fs.writeFileSync(path.join(stage, 'modules.order'), INITRAMFS_MODULES.join('\n') + '\n');
      await $({ quiet: true, cwd: stage })`sh -c ${`find . | cpio -o -H newc --quiet | gzip -1 > ${partial}`}`;
    } finally {
      fs.rmSync(stage, { recursive: true, force: true });
    }
  });
}

/** Debian's mirror for the suite, as the engine's debootstrap picks it (this machine's apt sources, else Debian's default). */
async function mirror() {
  const { hostMirror } = await import(path.join(here, '..', '..', 'dist', 'src', 'engine', 'hub', 'apt-mirror.js'));
  return process.env.BERTH_VM_MIRROR || hostMirror(SUITE);
}

/** A debootstrap'd bookworm (minbase) with ROOT_PACKAGES, as a directory. */
async function base() {
  const from = await mirror();
  const key = sha(SUITE, from, ROOT_PACKAGES.join(','));
  return cached(`base-${SUITE}`, key, async (partial) => {
    log(`debootstrap ${SUITE} with ${ROOT_PACKAGES.join(' ')} (once; cached in ${CACHE})`);
    const result = await $({ quiet: true, nothrow: true, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' } })`debootstrap --variant=minbase --include=${ROOT_PACKAGES.join(',')} ${SUITE} ${partial} ${from}`;
    if (!result.ok) throw new Error(`debootstrap failed (exit ${result.exitCode}):\n${result.stdall.split('\n').slice(-20).join('\n')}`);
    // Nothing of apt's downloads is needed in the image.
    fs.rmSync(path.join(partial, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });
  });
}

/** The root disk: the base, the kernel's modules (depmod'ed), this machine's node and root-init.sh as /sbin/berth-vm-init. */
async function root(k) {
  const baseDir = await base();
  const init = path.join(here, 'root-init.sh');
  const node = fs.realpathSync(process.execPath);
  const key = sha(path.basename(baseDir), k.release, k.version, fileSha(node), fileSha(init), ROOT_SIZE);
  return cached('root', `${key}.ext4`, async (partial) => {
    log('making the root disk');
    const stage = fs.mkdtempSync(path.join(CACHE, 'stage-'));
    try {
      await quiet`cp -a ${baseDir}/. ${stage}`;
      fs.mkdirSync(path.join(stage, 'lib', 'modules'), { recursive: true });
      await quiet`cp -a ${k.modules} ${path.join(stage, 'lib', 'modules', k.release)}`;
      fs.copyFileSync(node, path.join(stage, 'usr', 'local', 'bin', 'node'));
      fs.chmodSync(path.join(stage, 'usr', 'local', 'bin', 'node'), 0o755);
      fs.copyFileSync(init, path.join(stage, 'sbin', 'berth-vm-init'));
      fs.chmodSync(path.join(stage, 'sbin', 'berth-vm-init'), 0o755);
      fs.writeFileSync(path.join(stage, 'etc', 'hostname'), 'berth-vm\n');
      await quiet`mkfs.ext4 -q -F -L berth-root -d ${stage} ${partial} ${ROOT_SIZE}`;
    } finally {
      fs.rmSync(stage, { recursive: true, force: true });
    }
  });
}

/** Every part, built or taken from the cache: { kernel, initrd, root, release }. */
export async function vmImage() {
  const k = await kernel();
  const initrd = await initramfs(k);
  const rootDisk = await root(k);
  return { kernel: k.vmlinuz, initrd, root: rootDisk, release: k.release };
}
