// Every setting of the engine, resolved once: flags beat the environment
// (BERTH_*), which beats the config file (<config dir>/config.json), which
// beats the defaults.  This is the one module that reads process.env for a
// setting (test/architecture/settings-env.ts checks it); everything below the
// Engine gets the values it needs from the resolved Settings, and every child
// process berth starts gets them back explicitly through childEnv().
//
// The config file is JSON with the keys of the README's settings table:
//
//   { "bridge": "berth1", "address-pools": [{ "base": "172.80.0.0/16", "size": 24 }],
//     "insecure-registries": ["classroom:5000"], "index": "http://teacher:5000" }
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { invalid, isErrno } from './errors.js';
import { parseAddressPools, parseCidr, DEFAULT_ADDRESS_POOLS, type AddressPool } from './network/cidr.js';
import { checkBridgeName } from './network/names.js';
import { checkCgroupParent } from './runtime/cgroup-parent.js';
import { DRIVER_NAMES, type DriverName } from './storage/driver.js';
import { RUNTIME_NAMES, type RuntimeName } from './runtime/driver.js';
import type { PortDriver } from './network/container-network.js';

/** The engine's settings, complete: what `Engine.open` runs with. */
export interface Settings {
  /** the state root */
  readonly root: string;
  /** cached, expensive-to-make inputs (debootstrap trees), shared across roots */
  readonly cache: string;
  /** undefined: the one the state root was set up with, else overlay */
  readonly storageDriver?: DriverName;
  /** the runtime of containers that name none */
  readonly runtime: RuntimeName;
  /** published ports through kernel DNAT rules or userland proxies */
  readonly portDriver: PortDriver;
  /** the bridge; every name berth adds to the kernel derives from it */
  readonly bridge: string;
  /** one fixed subnet for the bridge instead of a choice from the pools */
  readonly subnet?: string;
  /** where the bridge's subnet is chosen from (Docker's default-address-pools) */
  readonly addressPools: readonly AddressPool[];
  /** the cgroup every container's cgroup is made under */
  readonly cgroupParent: string;
  /** a cgroup2 mount to use as if it were the machine's only one (tests of the v2 paths on a hybrid machine) */
  readonly cgroup2Root?: string;
  /** the local hub's port; 0: any free port */
  readonly hubPort: number;
  /** the index unqualified names resolve to; undefined: the local hub */
  readonly index?: string;
  /** registries spoken to in plain HTTP besides loopback */
  readonly insecureRegistries: readonly string[];
  /** the user's config dir: config.json, auth.json */
  readonly configDir: string;
  /** inside a `berth host`: that host's address (load-test may target it) */
  readonly hostAddress?: string;
}

export type SettingName = keyof Settings;

/** What a setting's value came from, to say so in an error. */
type Source = { kind: 'flag' | 'env' | 'file' | 'option'; label: string };

interface Definition<K extends SettingName> {
  readonly env: string;
  /** the key in config.json; undefined: not settable there */
  readonly key?: string;
  readonly flag?: string;
  /** from an env or flag string, or a config file's JSON value */
  parse(value: unknown, from: Source): Settings[K];
  /** back to the env's string form, for child processes */
  format?(value: NonNullable<Settings[K]>): string;
}

type Definitions = { readonly [K in SettingName]: Definition<K> };

const bad = (from: Source, value: unknown, what: string) =>
  invalid(`invalid ${from.label} ${JSON.stringify(value)}: ${what}`);

function text(value: unknown, from: Source, what = 'a string'): string {
  if (typeof value !== 'string' || value.trim() === '') throw bad(from, value, `expected ${what}`);
  return value.trim();
}

function oneOf<T extends string>(names: readonly T[]) {
  return (value: unknown, from: Source): T => {
    const name = text(value, from);
    if (!(names as readonly string[]).includes(name)) throw bad(from, value, `use ${names.join(', ')}`);
    return name as T;
  };
}

function list(value: unknown, from: Source): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (!items || items.some((item) => typeof item !== 'string')) throw bad(from, value, 'expected a list of host:port, e.g. ["classroom:5000"] (in the environment: comma-separated)');
  return (items as string[]).map((h) => h.trim()).filter(Boolean);
}

function directory(value: unknown, from: Source): string {
  return path.resolve(text(value, from, 'a directory'));
}

const DEFINITIONS: Definitions = {
  root: { env: 'BERTH_ROOT', key: 'root', flag: '--root', parse: directory },
  cache: { env: 'BERTH_CACHE', key: 'cache', parse: directory },
  storageDriver: { env: 'BERTH_STORAGE_DRIVER', key: 'storage-driver', flag: '--storage-driver', parse: oneOf(DRIVER_NAMES) },
  runtime: { env: 'BERTH_RUNTIME', key: 'runtime', parse: oneOf(RUNTIME_NAMES) },
  portDriver: { env: 'BERTH_PORT_DRIVER', key: 'port-driver', parse: oneOf<PortDriver>(['kernel', 'proxy']) },
  bridge: {
    env: 'BERTH_BRIDGE', key: 'bridge',
    parse: (value, from) => {
      const name = text(value, from);
      if (!checkBridgeName(name)) throw bad(from, value, 'a bridge name is up to 15 letters, digits, _ or -, starting with a letter');
      return name;
    },
  },
  subnet: {
    env: 'BERTH_SUBNET', key: 'subnet',
    parse: (value, from) => {
      try {
        return parseCidr(text(value, from, 'a subnet, e.g. 10.99.0.0/24')).text;
      } catch (error) {
        throw bad(from, value, `${(error as Error).message}; write a subnet, e.g. 10.99.0.0/24`);
      }
    },
  },
  addressPools: {
    env: 'BERTH_ADDRESS_POOLS', key: 'address-pools',
    parse: (value, from) => parseAddressPools(typeof value === 'string' ? value : JSON.stringify(value), from.label),
    format: (pools) => JSON.stringify(pools),
  },
  cgroupParent: {
    env: 'BERTH_CGROUP_PARENT', key: 'cgroup-parent',
    parse: (value, from) => checkCgroupParent(text(value, from), from.label),
  },
  cgroup2Root: { env: 'BERTH_CGROUP2_ROOT', key: 'cgroup2-root', parse: directory },
  hubPort: {
    env: 'BERTH_HUB_PORT', key: 'hub-port',
    parse: (value, from) => {
      const port = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw bad(from, value, 'a port from 1 to 65535, or 0 for any free port');
      return port;
    },
    format: String,
  },
  index: { env: 'BERTH_INDEX', key: 'index', parse: (value, from) => text(value, from, 'a URL, e.g. http://teacher:5000') },
  insecureRegistries: { env: 'BERTH_INSECURE_REGISTRIES', key: 'insecure-registries', parse: list, format: (hosts) => hosts.join(',') },
  configDir: { env: 'BERTH_CONFIG_DIR', parse: directory },
  hostAddress: { env: 'BERTH_HOST_ADDRESS', parse: (value, from) => text(value, from, 'an IPv4 address') },
};

const NAMES = Object.keys(DEFINITIONS) as SettingName[];

/** Every setting's environment variable, config key and flag (for the README table's test, and for childEnv). */
export const SETTINGS: readonly { readonly name: SettingName; readonly env: string; readonly key?: string; readonly flag?: string }[] =
  NAMES.map((name) => ({ name, env: DEFINITIONS[name].env, key: DEFINITIONS[name].key, flag: DEFINITIONS[name].flag }));

/** The defaults, for a setting given nowhere. */
export function defaultSettings(home = os.homedir()): Settings {
  return {
    root: '/var/lib/berth',
    cache: '/var/cache/berth',
    runtime: 'native',
    portDriver: 'kernel',
    bridge: 'berth0',
    addressPools: DEFAULT_ADDRESS_POOLS,
    cgroupParent: 'berth',
    hubPort: 5151,
    insecureRegistries: [],
    configDir: path.join(home, '.config', 'berth'),
  };
}

export interface SettingSources {
  /** the CLI's flags or Engine.open's options: win over everything; undefined values count as not given */
  readonly flags?: Partial<Settings>;
  /** default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** the user's home, for the default config dir (default os.homedir()) */
  readonly home?: string;
}

const resolved = new WeakSet<Settings>();

/** The config file of a config dir. */
export const configFile = (configDir: string): string => path.join(configDir, 'config.json');

function readConfigFile(file: string): Record<string, unknown> {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return {};
    throw invalid(`cannot read the config file ${file}: ${(error as Error).message}`, error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw invalid(`the config file ${file} is not valid JSON (${(error as Error).message}): fix it or delete it`, error);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid(`the config file ${file} must hold a JSON object of settings, e.g. {"bridge": "berth1"}`);
  const byKey = new Map(NAMES.filter((n) => DEFINITIONS[n].key).map((n) => [DEFINITIONS[n].key!, n]));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const name = byKey.get(key);
    if (!name) throw invalid(`unknown setting "${key}" in the config file ${file}: the settings are ${[...byKey.keys()].join(', ')} (see the README's settings table)`);
    out[name] = DEFINITIONS[name].parse(value, { kind: 'file', label: `setting "${key}" in the config file ${file}` });
  }
  return out;
}

/**
 * Resolves every setting: flags > environment > config file > defaults.
 * Throws BerthError 'invalid' naming the setting, where it came from and what
 * to write instead.  A Settings resolved here passes through again unchanged.
 */
export function resolveSettings(sources: SettingSources = {}): Settings {
  const flags = sources.flags ?? {};
  if (resolved.has(flags as Settings)) return flags as Settings;
  const env = sources.env ?? process.env;
  const given = (value: unknown) => value !== undefined && value !== '';
  const fromFlag = (name: SettingName): unknown => {
    const value = flags[name];
    if (!given(value)) return undefined;
    // Options from code are already typed; strings from the CLI are parsed like the environment's.
    return typeof value === 'string' ? DEFINITIONS[name].parse(value, { kind: 'flag', label: DEFINITIONS[name].flag ?? `option ${name}` }) : value;
  };
  const fromEnv = (name: SettingName): unknown => {
    const { env: variable } = DEFINITIONS[name];
    const value = env[variable];
    return given(value?.trim()) ? DEFINITIONS[name].parse(value, { kind: 'env', label: variable }) : undefined;
  };
  const defaults = defaultSettings(sources.home);
  const configDir = (fromFlag('configDir') ?? fromEnv('configDir') ?? defaults.configDir) as string;
  const file = readConfigFile(configFile(configDir));
  const settings: Record<string, unknown> = {};
  for (const name of NAMES) {
    const value = fromFlag(name) ?? fromEnv(name) ?? file[name] ?? (defaults as unknown as Record<string, unknown>)[name];
    if (value !== undefined) settings[name] = value;
  }
  settings.configDir = configDir;
  const complete = Object.freeze(settings) as unknown as Settings;
  resolved.add(complete);
  return complete;
}

/** `base` with some settings changed, still a resolved Settings (the changes are taken as they are, typed). */
export function deriveSettings(base: Settings, changes: Partial<Settings>): Settings {
  const derived = Object.freeze({ ...base, ...changes }) as Settings;
  resolved.add(derived);
  return derived;
}

/** The settings as BERTH_* variables: what a child berth needs to resolve the same ones. */
export function settingsEnv(settings: Settings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of NAMES) {
    const value = settings[name];
    if (value === undefined) continue;
    const format = DEFINITIONS[name].format as ((v: unknown) => string) | undefined;
    out[DEFINITIONS[name].env] = format ? format(value) : String(value);
  }
  return out;
}

/**
 * The environment of a process berth starts (the hub, a background registry,
 * a monitor's exit command, a lesson's commands, a host's engine): this
 * process's own (PATH, HOME, TERM...) without any inherited BERTH_* setting,
 * then every setting from `settings`, so the child runs with the same ones by
 * construction, not by accident of inheritance.
 */
export function childEnv(settings: Settings, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  const ours = new Set(NAMES.map((n) => DEFINITIONS[n].env));
  for (const [key, value] of Object.entries(process.env)) if (!ours.has(key)) out[key] = value;
  return { ...out, ...settingsEnv(settings), ...extra };
}
