// Docker's defaults for a container that asked for nothing special, as data:
// what it may do (capabilities), what of the kernel it may not see (masked
// and read-only paths), and what /dev holds.  Checked against moby's
// oci/defaults.go and runc's libcontainer (Docker 25+, runc 1.1).
import type { OciDevice, OciMount } from './oci-types.js';

/** Docker's 14: enough for a distro's init scripts and package manager, nothing that reaches the host. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** Hidden: a file under /dev/null, a directory under an empty read-only tmpfs.  They leak host details or poke hardware. */
export const MASKED_PATHS: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Visible but read-only: writing there would change the host kernel, not the container. */
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** The kernel filesystems every container gets, in mount order (/dev before what lives in it). */
export const DEFAULT_MOUNTS: readonly OciMount[] = [
  { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
  { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
];

/** Docker's read-only view of the container's own cgroup (optional: see BuildSpecInput.cgroupfs). */
export const CGROUP_MOUNT: OciMount = { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] };

const OWNER_ALL = { fileMode: 0o666, uid: 0, gid: 0 };
/** The device nodes in /dev (config-linux.md "Default Devices"); ptmx comes from devpts, console from the tty. */
export const DEFAULT_DEVICES: readonly OciDevice[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3, ...OWNER_ALL },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, ...OWNER_ALL },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, ...OWNER_ALL },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, ...OWNER_ALL },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, ...OWNER_ALL },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, ...OWNER_ALL },
];

/**
 * The /dev symlinks.  OCI has no field for them: runc makes them itself
 * (setupDevSymlinks), so the native runtime takes them from this list.
 */
export const DEFAULT_DEV_SYMLINKS: ReadonlyArray<{ readonly target: string; readonly path: string }> = [
  { target: '/proc/self/fd', path: '/dev/fd' },
  { target: '/proc/self/fd/0', path: '/dev/stdin' },
  { target: '/proc/self/fd/1', path: '/dev/stdout' },
  { target: '/proc/self/fd/2', path: '/dev/stderr' },
  { target: 'pts/ptmx', path: '/dev/ptmx' },
];

/** The devices cgroup: nothing but the default devices, ptys, and mknod (Docker's list). */
export const DEVICE_RULES = [
  { allow: false, access: 'rwm' },
  ...DEFAULT_DEVICES.map((d) => ({ allow: true, type: d.type, major: d.major, minor: d.minor, access: 'rwm' })),
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' }, // /dev/console
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // /dev/pts/ptmx
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // /dev/pts/*
  { allow: true, type: 'c', access: 'm' }, // mknod of any char device (CAP_MKNOD)
  { allow: true, type: 'b', access: 'm' }, // ...and block device; using them stays denied
] as const;
