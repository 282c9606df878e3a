// The bridge network's state on disk: its subnet, which address each
// container holds, and the sysctls berth changed (to restore them when the
// network is torn down).  Read and written under the engine's lock.
import fs from 'node:fs';
import path from 'node:path';
import { readJson, writeJsonAtomic } from '../fs-atomic.js';

export interface NetworkState {
  subnet: string;
  gateway: string;
  prefixLength: number;
  /** address -> container id */
  addresses: Record<string, string>;
  /** sysctl -> the value it had before berth changed it */
  changedSysctls: Record<string, string>;
  /** set once the bridge and its chains are all in place (a crash in between leaves it unset) */
  ready?: boolean;
  /** which set of base rules the bridge's chains hold (see RULES_VERSION in bridge.ts); absent: the first */
  rules?: number;
}

export function stateFile(root: string, bridge: string): string {
  return path.join(root, 'network', `${bridge}.json`);
}

export function loadNetworkState(root: string, bridge: string): NetworkState | undefined {
  return readJson<NetworkState | undefined>(stateFile(root, bridge), undefined);
}

export function saveNetworkState(root: string, bridge: string, state: NetworkState): void {
  fs.mkdirSync(path.dirname(stateFile(root, bridge)), { recursive: true, mode: 0o700 });
  writeJsonAtomic(stateFile(root, bridge), state);
}

export function deleteNetworkState(root: string, bridge: string): void {
  fs.rmSync(stateFile(root, bridge), { force: true });
}
