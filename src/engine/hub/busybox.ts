// `busybox:latest`, made on this machine from the static busybox binary
// (Debian's busybox-static), so a fresh offline lab has an image to run.
// Like the real image: one layer with /bin/busybox, every applet a hard link
// to it, a minimal /etc, and `sh` as the command.  Every mtime and the
// creation date are fixed, so the same binary always gives the same image id.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { BerthError } from '../errors.js';
import type { Image, ImageStore } from '../store/images.js';
import { ociArchitecture } from '../store/oci.js';
import { putEntriesAsLayer, type TarEntry } from './tar-entries.js';

export const BUSYBOX_REFERENCE = 'busybox:latest';
export const BUSYBOX_BINARY = '/bin/busybox';
/** The fixed date of every file and of the image itself. */
export const BUSYBOX_EPOCH = new Date('2024-01-01T00:00:00Z');
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'daemon:x:1:1:daemon:/usr/sbin:/bin/false',
  'bin:x:2:2:bin:/bin:/bin/false',
  'sys:x:3:3:sys:/dev:/bin/false',
  'sync:x:4:100:sync:/bin:/bin/sync',
  'mail:x:8:8:mail:/var/spool/mail:/bin/false',
  'www-data:x:33:33:www-data:/var/www:/bin/false',
  'operator:x:37:37:Operator:/var:/bin/false',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
];
const GROUP = [
  'root:x:0:', 'daemon:x:1:', 'bin:x:2:', 'sys:x:3:', 'adm:x:4:', 'tty:x:5:', 'disk:x:6:', 'lp:x:7:', 'mail:x:8:',
  'kmem:x:9:', 'wheel:x:10:root', 'cdrom:x:11:', 'dialout:x:18:', 'floppy:x:19:', 'video:x:28:', 'audio:x:29:',
  'tape:x:32:', 'www-data:x:33:', 'operator:x:37:', 'utmp:x:43:', 'plugdev:x:46:', 'staff:x:50:', 'lock:x:54:',
  'netdev:x:82:', 'users:x:100:', 'nogroup:x:65534:',
];
const DIRECTORIES: Array<[string, number]> = [
  ['bin', 0o755], ['dev', 0o755], ['etc', 0o755], ['home', 0o755], ['proc', 0o555], ['root', 0o700],
  ['sbin', 0o755], ['sys', 0o555], ['tmp', 0o1777], ['usr', 0o755], ['usr/bin', 0o755], ['usr/sbin', 0o755],
  ['var', 0o755], ['var/spool', 0o755], ['var/spool/mail', 0o755], ['var/www', 0o755],
];

/** Returns busybox:latest, building it first if this store lacks it. */
export async function ensureBusybox(store: ImageStore, binary = BUSYBOX_BINARY): Promise<Image> {
  return store.find(BUSYBOX_REFERENCE) ?? buildBusybox(store, binary);
}

/** Builds (or rebuilds, to the same id) busybox:latest from `binary`. */
export async function buildBusybox(store: ImageStore, binary = BUSYBOX_BINARY): Promise<Image> {
  const program = readStaticBinary(binary);
  const layer = await putEntriesAsLayer(store.blobs, busyboxEntries(program, listApplets(binary)), BUSYBOX_EPOCH);
  const created = BUSYBOX_EPOCH.toISOString();
  return store.createImage({
    config: {
      created,
      architecture: ociArchitecture(),
      os: 'linux',
      config: { Env: [PATH_ENV], Cmd: ['sh'], Labels: { 'org.opencontainers.image.description': 'BusyBox: the Swiss Army knife of embedded Linux, a shell and 300 tools in one small static binary' } },
      history: [{ created, created_by: `berth hub: ${binary} (${busyboxVersion(binary)}) with its applets as hard links`, comment: 'built locally from busybox-static' }],
    },
    layers: [{ blobDigest: layer.blobDigest, diffId: layer.diffId, uncompressedSize: layer.uncompressedSize, mediaType: layer.mediaType }],
    tags: [BUSYBOX_REFERENCE],
  });
}

function* busyboxEntries(program: Buffer, applets: string[]): Generator<TarEntry> {
  for (const [name, mode] of DIRECTORIES) yield { type: 'directory', name, mode };
  yield { type: 'file', name: 'bin/busybox', mode: 0o755, data: program };
  const parents = new Set(DIRECTORIES.map(([name]) => name));
  for (const applet of applets) {
    const dir = applet.includes('/') ? applet.slice(0, applet.lastIndexOf('/')) : '';
    if (applet === 'bin/busybox' || !parents.has(dir)) continue;
    yield { type: 'link', name: applet, target: 'bin/busybox' };
  }
  yield { type: 'file', name: 'etc/passwd', mode: 0o644, data: Buffer.from(PASSWD.join('\n') + '\n') };
  yield { type: 'file', name: 'etc/group', mode: 0o644, data: Buffer.from(GROUP.join('\n') + '\n') };
}

/** Applet paths relative to /, e.g. "bin/sh", "usr/bin/wc", sorted and unique. */
function listApplets(binary: string): string[] {
  const out = execFileSync(binary, ['--list-full'], { encoding: 'utf8' });
  return [...new Set(out.split('\n').map((l) => l.trim().replace(/^\/+/, '')).filter(Boolean))].sort();
}

function busyboxVersion(binary: string): string {
  const banner = execFileSync(binary, [], { encoding: 'utf8' }).split('\n')[0] ?? '';
  return /BusyBox v\S+/.exec(banner)?.[0] ?? 'BusyBox';
}

/** The binary's bytes; refuses a missing or dynamically linked one (it would not run in the image). */
function readStaticBinary(binary: string): Buffer {
  let data: Buffer;
  try {
    data = fs.readFileSync(binary);
  } catch (error) {
    throw new BerthError('not-found', `cannot build busybox:latest: ${binary} not found (install the busybox-static package: apt-get install busybox-static)`, { cause: error });
  }
  if (hasInterpreter(data)) {
    throw new BerthError('invalid', `cannot build busybox:latest: ${binary} is dynamically linked and would not run in an image without libc (install busybox-static instead of busybox)`);
  }
  return data;
}

/** True when a 64-bit little-endian ELF has a PT_INTERP program header (a dynamic executable). */
function hasInterpreter(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 <= elf.length && elf.readUInt32LE(at) === 3 /* PT_INTERP */) return true;
  }
  return false;
}
