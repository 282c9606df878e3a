// OCI mount options ("nosuid", "ro", "mode=755") -> mount(2) arguments.  runc
// does this in Go; the native runtime reads the same config.json, so it needs
// the same table.  Pure, so it is tested without mounting anything.
import { MS } from '../sys.js';

export interface MountArguments {
  /** MS_* flags for the mount(2) that creates the mount */
  flags: number;
  /** filesystem-specific options, comma-separated ("mode=755,size=65536k"), or "" */
  data: string;
  /**
   * MS_PRIVATE/SHARED/SLAVE/UNBINDABLE (| MS_REC), or 0.  The kernel reads a
   * propagation flag as "change this mount's type" instead of "mount", so it
   * must go in a second mount(2) call (source and type null) after the first.
   */
  propagation: number;
  /**
   * True for a bind mount with flags beyond MS_BIND|MS_REC (ro, nosuid...): the
   * kernel ignores those on the bind itself, so they need a second call with
   * MS_REMOUNT|MS_BIND|flags.
   */
  bindRemount: boolean;
}

/** Options that set a flag, and options that clear one ("rw" undoes "ro"). */
const SETS: Record<string, number> = {
  bind: MS.BIND, rbind: MS.BIND | MS.REC, ro: MS.RDONLY, nosuid: MS.NOSUID, nodev: MS.NODEV, noexec: MS.NOEXEC,
  sync: MS.SYNCHRONOUS, remount: MS.REMOUNT, mand: MS.MANDLOCK, dirsync: MS.DIRSYNC, noatime: MS.NOATIME,
  nodiratime: MS.NODIRATIME, silent: MS.SILENT, relatime: MS.RELATIME, strictatime: MS.STRICTATIME, lazytime: MS.LAZYTIME,
};
const CLEARS: Record<string, number> = {
  rw: MS.RDONLY, suid: MS.NOSUID, dev: MS.NODEV, exec: MS.NOEXEC, async: MS.SYNCHRONOUS, nomand: MS.MANDLOCK,
  atime: MS.NOATIME, diratime: MS.NODIRATIME, norelatime: MS.RELATIME, nostrictatime: MS.STRICTATIME, nolazytime: MS.LAZYTIME,
  defaults: 0,
};
const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC, shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC, unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};
/** runc-only options with no mount(2) meaning; passing them as data would make the mount fail. */
const IGNORED = new Set(['tmpcopyup', 'idmap', 'ridmap']);

/** Converts one mount's option list, later options winning, as runc reads them. */
export function mountFlags(options: readonly string[]): MountArguments {
  let flags = 0;
  let propagation = 0;
  const data: string[] = [];
  for (const option of options) {
    if (option in SETS) flags |= SETS[option]!;
    else if (option in CLEARS) flags &= ~CLEARS[option]!;
    else if (option in PROPAGATION) propagation = PROPAGATION[option]!;
    else if (!IGNORED.has(option)) data.push(option);
  }
  const bindRemount = (flags & MS.BIND) !== 0 && (flags & ~(MS.BIND | MS.REC)) !== 0;
  return { flags, data: data.join(','), propagation, bindRemount };
}
