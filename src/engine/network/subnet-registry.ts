// Which subnets the berth bridges of this machine hold, across state roots
// (every test file has its own root and bridge; `berth --host` engines; a
// second berth beside the first).  A host route shows a bridge that is up,
// but not one another berth is making right now, nor whose it is: so the
// choice is made under one machine-wide lock, and each bridge's subnet is
// recorded in /run/berth/networks/<network namespace>/<bridge>.json (tmpfs:
// gone at reboot, with the bridges) from the moment it is chosen until the
// bridge is torn down.  An entry whose state root no longer records that
// subnet is stale (a root deleted under a running bridge, a crash) and is
// ignored and removed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Lock } from '../lock.js';
import { readJson, writeJsonAtomic } from '../fs-atomic.js';
import type { HeldSubnet } from './cidr.js';
import { loadNetworkState } from './state.js';

interface Entry {
  readonly bridge: string;
  readonly subnet: string;
  readonly root: string;
}

const BASE = fs.existsSync('/run') ? '/run/berth' : path.join(os.tmpdir(), 'berth-run');

/** The network namespace we run in: routes and bridges are per namespace, so entries are too. */
function namespaceDir(): string {
  let ns = 'default';
  try {
    ns = fs.readlinkSync('/proc/self/ns/net').replace(/\D/g, '') || ns;
  } catch {
    // no /proc: one namespace as far as we can tell
  }
  return path.join(BASE, 'networks', ns);
}

const entryFile = (bridge: string) => path.join(namespaceDir(), `${bridge}.json`);

let machineLock: Lock | undefined;

/** Runs fn holding the machine-wide lock on subnet choice (flock: released if the process dies). */
export function withSubnetLock<T>(fn: () => Promise<T>): Promise<T> {
  machineLock ??= new Lock(path.join(BASE, 'networks.lock'));
  return machineLock.with(fn);
}

/** Subnets other berth bridges in this network namespace hold (not `ownBridge`), stale entries dropped. Under the lock. */
export function heldSubnets(ownBridge: string): HeldSubnet[] {
  const dir = namespaceDir();
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const held: HeldSubnet[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    let entry: Entry | undefined;
    let recorded: string | undefined;
    try {
      entry = readJson<Entry | undefined>(file, undefined);
      if (!entry || entry.bridge === ownBridge) continue;
      recorded = loadNetworkState(entry.root, entry.bridge)?.subnet;
    } catch {
      continue; // unreadable: neither trusted nor removed
    }
    if (recorded !== entry.subnet) {
      fs.rmSync(file, { force: true });
      continue;
    }
    held.push({ subnet: entry.subnet, by: `berth bridge ${entry.bridge} (state root ${entry.root})` });
  }
  return held;
}

/** Records that `bridge` of state root `root` holds `subnet`. Under the lock. */
export function recordSubnet(root: string, bridge: string, subnet: string): void {
  fs.mkdirSync(namespaceDir(), { recursive: true, mode: 0o700 });
  writeJsonAtomic(entryFile(bridge), { bridge, subnet, root: path.resolve(root) } satisfies Entry);
}

/** The bridge is gone: its subnet is free again. */
export function forgetSubnet(bridge: string): void {
  fs.rmSync(entryFile(bridge), { force: true });
}
