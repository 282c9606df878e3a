// Docker's USER / -u: "name", "uid", "name:group", "uid:gid", ... resolved
// against the image's own /etc/passwd and /etc/group (read safely: see
// in-rootfs.ts), with Docker's rules and messages.
import { invalid } from '../errors.js';
import { readRootfsFile } from './in-rootfs.js';
import { parseGroup, parsePasswd } from './passwd.js';

export interface ResolvedUser {
  readonly uid: number;
  readonly gid: number;
  /** the groups the process holds: gid first, then those that list the user as a member */
  readonly additionalGids: number[];
  /** from passwd; "/" for a uid passwd does not know */
  readonly home: string;
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const MAX_ID = 2 ** 31 - 1;

function numeric(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  if (value > MAX_ID) throw invalid(`uids and gids must be in range 0-${MAX_ID}: ${text}`);
  return value;
}

/**
 * Resolves a USER value inside `rootfs`.  A numeric uid absent from passwd is
 * allowed (gid 0, home "/"), a name is not; an explicit group replaces the
 * supplementary groups, as in Docker.
 */
export function resolveUser(rootfs: string, spec: string | undefined): ResolvedUser {
  const text = (spec ?? '').trim();
  const parts = text === '' ? [''] : text.split(':');
  if (parts.length > 2) throw invalid(`invalid user "${spec}": use name, uid, name:group or uid:gid`);
  const [userArg = '', groupArg = ''] = parts;
  const uidArg = userArg === '' ? 0 : numeric(userArg);
  const gidArg = groupArg === '' ? undefined : numeric(groupArg);

  const passwd = parsePasswd(readRootfsFile(rootfs, '/etc/passwd') ?? '');
  // A number is always a uid, never a name, even if some user is called "1000".
  const entry = passwd.find((u) => (uidArg !== undefined ? u.uid === uidArg : u.name === userArg));
  if (!entry && uidArg === undefined) throw invalid(`unable to find user ${userArg}: no matching entries in passwd file`);
  const uid = entry?.uid ?? uidArg!;
  let gid = entry?.gid ?? 0;
  const home = entry?.home ?? '/';

  const groups = parseGroup(readRootfsFile(rootfs, '/etc/group') ?? '');
  let supplementary: number[] = [];
  if (groupArg !== '') {
    const group = groups.find((g) => (gidArg !== undefined ? g.gid === gidArg : g.name === groupArg));
    if (!group && gidArg === undefined) throw invalid(`unable to find group ${groupArg}: no matching entries in group file`);
    gid = group?.gid ?? gidArg!;
  } else if (entry) {
    supplementary = groups.filter((g) => g.members.includes(entry.name)).map((g) => g.gid);
  }
  return { uid, gid, additionalGids: [...new Set([gid, ...supplementary])], home };
}

const keyOf = (entry: string) => entry.slice(0, entry.indexOf('=') === -1 ? entry.length : entry.indexOf('='));

/**
 * The environment a container starts with, as Docker builds it: PATH and
 * HOSTNAME (and TERM for a tty) unless the image or user set them, their
 * variables in order (a later duplicate replaces an earlier one in place),
 * and HOME from passwd when nobody set it.
 */
export function defaultEnv(env: readonly string[], user: Pick<ResolvedUser, 'home'> & Partial<ResolvedUser>, hostname?: string, tty = false): string[] {
  const result: string[] = [];
  const index = new Map<string, number>();
  const set = (entry: string) => {
    const key = keyOf(entry);
    const at = index.get(key);
    if (at === undefined) { index.set(key, result.length); result.push(entry); } else result[at] = entry;
  };
  set(`PATH=${DEFAULT_PATH}`);
  if (hostname) set(`HOSTNAME=${hostname}`);
  if (tty) set('TERM=xterm');
  for (const entry of env) set(entry);
  if (!index.has('HOME')) set(`HOME=${user.home}`);
  return result;
}
