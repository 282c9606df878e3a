// The cgroup all of one engine's containers are made under
// (<hierarchy>/<parent>/<id>), checked: it becomes part of paths under
// /sys/fs/cgroup, so no "..", no "/x".  Its own small module so the settings
// resolver checks it without loading the cgroup code.
import { invalid } from '../errors.js';

/** A cgroup name: what the parent's segments and a container id may be. */
export const CGROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Returns `parent` when every "/"-separated segment is a cgroup name; `source` says where it came from. */
export function checkCgroupParent(parent: string, source = 'BERTH_CGROUP_PARENT'): string {
  if (!parent.split('/').every((segment) => CGROUP_NAME.test(segment))) {
    throw invalid(`invalid cgroup parent "${parent}" (from ${source}): use names of letters, digits, "_", "." and "-", separated by "/"`);
  }
  return parent;
}
