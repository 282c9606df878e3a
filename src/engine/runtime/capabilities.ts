// Capability names -> the numbers the kernel uses (linux/capability.h), for
// the native runtime, which drops capabilities by number.
import { invalid } from '../errors.js';

/** In kernel order: index = capability number. */
const NAMES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
] as const;

/** The highest capability number this table knows (CAP_LAST_CAP of Linux 5.9+). */
export const CAP_LAST_CAP = NAMES.length - 1;

/** "CAP_NET_RAW", "NET_RAW" or "net_raw" -> 13; an unknown name is an 'invalid' error, as in `docker run --cap-add`. */
export function capabilityNumber(name: string): number {
  const bare = name.toUpperCase().replace(/^CAP_/, '');
  const index = (NAMES as readonly string[]).indexOf(bare);
  if (index < 0) throw invalid(`unknown capability: "${name}"`);
  return index;
}

/** 13 -> "CAP_NET_RAW". */
export function capabilityName(number: number): string {
  const name = NAMES[number];
  if (name === undefined) throw invalid(`unknown capability number ${number}`);
  return `CAP_${name}`;
}
