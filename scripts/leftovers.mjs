// What a test (or a user's `berth rm`) must not leave behind, looked up in the
// kernel's own tables: mounts under the state root, the cgroup parent's
// children, and processes started on the state root.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';

/** mountinfo's escapes (\040 for a space) undone. */
const unescapeMount = (field) => field.replace(/\\([0-7]{3})/g, (_m, octal) => String.fromCharCode(parseInt(octal, 8)));

/**
 * The parent's directory in every cgroup hierarchy a test could have
 * touched: each v1 controller (and named) hierarchy, the cgroup2 mount
 * (the only one on a v2 machine, /sys/fs/cgroup/unified on a hybrid one),
 * and the cgroup2 mount the cgroup2-root setting names (BERTH_CGROUP2_ROOT).
 */
function cgroupDirs(parent) {
  const roots = new Set();
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const fields = line.split(' ');
    const fstype = fields[fields.indexOf('-') + 1];
    if (fstype === 'cgroup' || fstype === 'cgroup2') roots.add(unescapeMount(fields[4]));
  }
  if (process.env.BERTH_CGROUP2_ROOT) roots.add(path.resolve(process.env.BERTH_CGROUP2_ROOT));
  return [...roots].map((root) => path.join(root, parent));
}

/** Where the engine keeps a state root's attach sockets (src/engine/paths.ts). */
export function socketsDir(root) {
  const base = fs.existsSync('/run') ? '/run/berth' : path.join(process.env.TMPDIR || '/tmp', 'berth-run');
  return path.join(base, crypto.createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 16));
}

/** Runs a command to its end (synchronously: leftovers() is called in a polling loop), its output kept, not shown. */
const quietly = $.sync({ nothrow: true, quiet: true });

/** A command's output, line by line; none when it failed or is not installed (no bridge tools: nothing to report). */
const lines = (result) => (result.ok ? result.stdout.split('\n') : []);

/** Links, addresses, netfilter rules and network namespaces of a test's bridge. */
function networkLeftovers(bridge) {
  const found = [];
  for (const line of lines(quietly`ip -o link`)) if (line.includes(` ${bridge}:`) || line.includes(`master ${bridge} `)) found.push(`link ${line.split(':')[1]?.trim()}`);
  for (const line of lines(quietly`iptables-save`)) if (line.includes(bridge.toUpperCase())) found.push(`iptables ${line}`);
  try {
    for (const name of fs.readdirSync('/run/netns')) if (name.startsWith(`${bridge}-`)) found.push(`netns ${name}`);
  } catch { /* no named namespaces */ }
  return found;
}

export function leftovers(root, cgroupParent, sockets = socketsDir(root), bridge) {
  const found = bridge ? networkLeftovers(bridge) : [];
  try {
    for (const name of fs.readdirSync(sockets)) found.push(`socket ${path.join(sockets, name)}`);
  } catch { /* no sockets dir: nothing left */ }
  const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  for (const line of mountinfo) {
    const mountPoint = line.split(' ')[4];
    if (mountPoint && (mountPoint === root || mountPoint.startsWith(root + '/'))) found.push(`mount ${mountPoint}`);
  }
  for (const dir of cgroupDirs(cgroupParent)) {
    let children = [];
    try {
      children = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
    } catch { continue; }
    for (const child of children) found.push(`cgroup ${path.join(dir, child.name)}`);
  }
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline = '';
    try { cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }
    if (cmdline.includes(root + '/') && Number(pid) !== process.pid) found.push(`process ${pid} ${cmdline.replace(/\0/g, ' ').trim()}`);
  }
  return found;
}

export function removeCgroupParent(parent) {
  for (const dir of cgroupDirs(parent)) {
    try { fs.rmdirSync(dir); } catch { /* absent, or still busy: reported by leftovers() */ }
  }
}
