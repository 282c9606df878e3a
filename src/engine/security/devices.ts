// Devices a container may use: the default allow-list (oci-defaults.ts
// DEVICE_RULES) plus --device HOST[:CONTAINER[:rwm]] entries, as
// config.json's linux.devices (nodes made in /dev) and
// linux.resources.devices (the cgroup rules).  As Docker does it (cli
// opts.ParseDevice, moby oci.DevicesFromPath, runc devices.HostDevices): the
// host node is stat'ed when the container starts, for its type, numbers and
// mode; a directory gives every device below it; --privileged gets every
// device node of the host's /dev.
import fs from 'node:fs';
import path from 'node:path';
import { invalid } from '../errors.js';
import type { OciDevice, OciDeviceRule } from '../runtime/oci-types.js';
import type { DeviceMapping } from './types.js';

/** Docker's validDeviceMode: some of r, w, m, each at most once. */
function validMode(mode: string): boolean {
  return mode.length > 0 && mode.length <= 3 && /^[rwm]+$/.test(mode) && new Set(mode).size === mode.length;
}

/** "--device /dev/fuse" / "/dev/sda:/dev/xvda:r" / "/dev/sda:rw" -> a mapping; invalid input is an 'invalid' error. */
export function parseDevice(spec: string): DeviceMapping {
  const parts = spec.split(':');
  if (parts.length > 3 || !parts[0]) throw invalid(`invalid device specification: ${spec}: use --device /dev/HOST[:/dev/CONTAINER[:rwm]]`);
  const host = parts[0];
  let container = host;
  let permissions = 'rwm';
  if (parts.length === 3) {
    container = parts[1]!;
    permissions = parts[2]!;
    if (!validMode(permissions)) throw invalid(`invalid device specification: ${spec}: bad mode specified: ${permissions} (use some of r, w and m)`);
  } else if (parts.length === 2) {
    // "/dev/sda:rw" is a mode, "/dev/sda:/dev/xvda" a path (Docker reads it the same way).
    if (validMode(parts[1]!)) permissions = parts[1]!;
    else container = parts[1]!;
  }
  if (!host.startsWith('/')) throw invalid(`invalid device specification: ${spec}: ${host} is not an absolute path`);
  if (!container.startsWith('/')) throw invalid(`invalid device specification: ${spec}: ${container} is not an absolute path`);
  return { PathOnHost: host, PathInContainer: path.posix.normalize(container), CgroupPermissions: permissions };
}

const S_IFMT = 0o170000, S_IFCHR = 0o020000, S_IFBLK = 0o060000;
const major = (rdev: number) => Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn);
const minor = (rdev: number) => Number(BigInt(rdev) & 0xffn) | Number((BigInt(rdev) >> 12n) & ~0xffn);

/** The node at `file` (symlinks not followed), or undefined when it is not a char or block device. */
function deviceAt(file: string, inContainer: string): OciDevice | undefined {
  const st = fs.lstatSync(file);
  const type = (st.mode & S_IFMT) === S_IFCHR ? 'c' : (st.mode & S_IFMT) === S_IFBLK ? 'b' : undefined;
  if (!type) return undefined;
  return { path: inContainer, type, major: major(st.rdev), minor: minor(st.rdev), fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

/** Every device node below `dir` (runc's GetDevices), skipping what the container gets its own of. */
function devicesBelow(dir: string, map: (file: string) => string, skip: (rel: string) => boolean = () => false): OciDevice[] {
  const found: OciDevice[] = [];
  const walk = (current: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch {
      return; // vanished or unreadable: runc skips it too
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (skip(path.relative(dir, full))) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isCharacterDevice() || entry.isBlockDevice()) {
        try {
          const device = deviceAt(full, map(full));
          if (device) found.push(device);
        } catch { /* gone meanwhile */ }
      }
    }
  };
  walk(dir);
  return found;
}

/** What --privileged leaves out of the host's /dev, as runc does: its own ptys, shm, mqueue; the console and ptmx come from the container's devpts. */
const PRIVILEGED_SKIP = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev', 'console', 'ptmx']);

/** The nodes and cgroup rules for one --device entry (a directory: every device below it). */
function mappingEntries(mapping: DeviceMapping): { devices: OciDevice[]; rules: OciDeviceRule[] } {
  const fail = (why: string) => invalid(`error gathering device information while adding custom device "${mapping.PathOnHost}": ${why}`);
  let resolved = mapping.PathOnHost;
  let st: fs.Stats;
  try {
    // A symlink (/dev/disk/by-id/...) is the device it names (moby DevicesFromPath).
    if (fs.lstatSync(resolved).isSymbolicLink()) resolved = fs.realpathSync(resolved);
    st = fs.lstatSync(resolved);
  } catch (error) {
    throw fail((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message);
  }
  let devices: OciDevice[];
  if (st.isDirectory()) {
    devices = devicesBelow(resolved, (file) => path.posix.join(mapping.PathInContainer, path.relative(resolved, file)));
    if (devices.length === 0) throw fail('not a device node');
  } else {
    const device = deviceAt(resolved, mapping.PathInContainer);
    if (!device) throw fail('not a device node');
    devices = [device];
  }
  const rules = devices.map((d) => ({ allow: true, type: d.type, major: d.major, minor: d.minor, access: mapping.CgroupPermissions }));
  return { devices, rules };
}

/** The nodes and cgroup rules the --device entries add (privileged: every host device, rules: none beyond "allow all"). */
export function deviceEntries(mappings: readonly DeviceMapping[], privileged: boolean, hostDev = '/dev'): { devices: OciDevice[]; rules: OciDeviceRule[] } {
  const devices: OciDevice[] = [];
  const rules: OciDeviceRule[] = [];
  if (privileged) devices.push(...devicesBelow(hostDev, (file) => path.posix.join('/dev', path.relative(hostDev, file)), (rel) => PRIVILEGED_SKIP.has(rel.split('/')[0]!)));
  for (const mapping of mappings) {
    const entries = mappingEntries(mapping);
    rules.push(...entries.rules);
    // A --device path wins over the host's node at the same place.
    for (const device of entries.devices) {
      const at = devices.findIndex((d) => d.path === device.path);
      if (at >= 0) devices.splice(at, 1);
      devices.push(device);
    }
  }
  return { devices, rules };
}
