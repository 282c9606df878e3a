// /sys/fs/cgroup inside a container of the native runtime: config.json's
// mount of type "cgroup" (oci-defaults.ts CGROUP_MOUNT) is a request runc
// expands itself; here it becomes ordinary mount records, in Docker/runc's
// layout.  The container's init joins its cgroup and unshares the cgroup
// namespace before it mounts anything (init.c join_cgroups, then
// prepare_rootfs), so each cgroup filesystem mounted here is rooted at the
// container's own cgroup: it sees its cgroup and its limits, nothing of the
// host's tree.
//
//   v2:  cgroup2 on /sys/fs/cgroup, read-only
//   v1:  a tmpfs on /sys/fs/cgroup, one `cgroup -o <controllers>` per
//        hierarchy below it, named as on the host ("cpu,cpuacct", "memory",
//        "systemd" for name=systemd), each read-only, and the tmpfs itself
//        remounted read-only last.  Where Docker makes symlinks "cpu" and
//        "cpuacct" to a joint "cpu,cpuacct", the same hierarchy is mounted
//        there again (a symlink would need the tmpfs writable after the
//        mounts; the view is the same).
import path from 'node:path';
import { machineCgroups, type MachineCgroups } from './cgroups.js';
import { v1Hierarchies, type V1Hierarchy } from './cgroup-v1.js';

interface MountLike {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

function expandOne(m: MountLike, host: MachineCgroups, hierarchies: readonly V1Hierarchy[]): MountLike[] {
  const options = (m.options ?? []).filter((o) => o !== 'rbind' && o !== 'bind');
  if (host.version === 2) return [{ destination: m.destination, type: 'cgroup2', source: 'cgroup2', options }];
  const tmpfsData = ['mode=755', 'size=64k'];
  const out: MountLike[] = [{ destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noexec', 'nodev', ...tmpfsData] }];
  const names = new Set<string>();
  const add = (name: string, select: string[]) => {
    if (!name || names.has(name)) return;
    names.add(name);
    out.push({ destination: path.posix.join(m.destination, name), type: 'cgroup', source: 'cgroup', options: [...options, ...select] });
  };
  const real = hierarchies.filter((h) => h.controllers.length > 0 || h.name); // not a hybrid machine's cgroup2: runc leaves it out too
  for (const h of real) add(path.basename(h.mountPoint), h.controllers.length > 0 ? [...h.controllers] : ['none', `name=${h.name}`]);
  for (const h of real) if (h.controllers.length > 1) for (const c of h.controllers) add(c, [...h.controllers]);
  // Read-only as a whole, now that its mount points exist (or writable for --privileged, as asked).
  if (options.includes('ro')) out.push({ destination: m.destination, source: 'none', options: ['remount', 'ro', 'nosuid', 'noexec', 'nodev', ...tmpfsData] });
  return out;
}

/** config.json mounts -> the same, with each "cgroup" mount expanded for this machine's cgroups. */
export function expandCgroupfs<M extends MountLike>(mounts: readonly M[], host?: MachineCgroups, hierarchies?: readonly V1Hierarchy[]): Array<M | MountLike> {
  return mounts.flatMap((m): Array<M | MountLike> => {
    if (m.type !== 'cgroup') return [m];
    const h = host ?? machineCgroups();
    return expandOne(m, h, hierarchies ?? (h.version === 1 ? v1Hierarchies(undefined, true) : []));
  });
}
