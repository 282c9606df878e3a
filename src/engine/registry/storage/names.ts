// The distribution spec's grammar for repository names and tags, checked by
// the server (to answer NAME_INVALID) and by every storage backend (so that
// nothing else ever reaches a path).
import { invalid } from '../../errors.js';

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME_PATTERN = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_PATTERN = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** Clients (Docker's among them) refuse longer names; so does berth. */
export const NAME_MAX = 255;

/** True for a name such as `library/busybox` or `lab/img`: lowercase components joined by '/'. */
export function isRepositoryName(name: string): boolean {
  return name.length <= NAME_MAX && NAME_PATTERN.test(name);
}

export function validateRepositoryName(name: string): string {
  if (!isRepositoryName(name)) {
    throw invalid(`invalid repository name ${JSON.stringify(name)}: lowercase letters and digits joined by '.', '_', '__' or '-', components separated by '/', at most ${NAME_MAX} characters`);
  }
  return name;
}

/** True for `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`. */
export function isTag(tag: string): boolean {
  return TAG_PATTERN.test(tag);
}

export function validateTag(tag: string): string {
  if (!isTag(tag)) throw invalid(`invalid tag ${JSON.stringify(tag)}: up to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'`);
  return tag;
}
