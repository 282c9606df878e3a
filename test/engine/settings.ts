// The settings resolver (src/engine/settings.ts): flags beat the environment,
// which beats the config file, which beats the defaults; a bad file or value
// is an error that names where it came from and what to write; every BERTH_*
// variable the engine knows is a setting, and the README's table lists them.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { childEnv, configFile, defaultSettings, deriveSettings, resolveSettings, settingsEnv, SETTINGS, type Settings } from '../../src/engine/settings.js';
import { PACKAGE_ROOT } from '../../src/engine/sys.js';
import { eventually, tempDir } from '../_helpers.js';
import { engineSuite } from '../_engine.js';
import { cgroupFor, cgroupHost } from '../../src/engine/runtime/cgroups.js';
import { sourceFiles } from '../architecture/_sources.js';

const test = suite('settings');

/** A config dir holding `config` as its config.json (or the text as it is). */
function configDir(config?: unknown): string {
  const dir = tempDir('config-');
  if (config !== undefined) fs.writeFileSync(configFile(dir), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

function throwsWith(fn: () => unknown, ...patterns: RegExp[]): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof Error, 'it throws');
  assert.is((error as { kind?: string }).kind, 'invalid');
  for (const pattern of patterns) assert.match((error as Error).message, pattern);
}

test('defaults when nothing is given: every setting the engine reads', () => {
  const settings = resolveSettings({ env: { BERTH_CONFIG_DIR: configDir() } });
  assert.is(settings.root, '/var/lib/berth');
  assert.is(settings.cache, '/var/cache/berth');
  assert.is(settings.storageDriver, undefined, 'the state root\'s own driver, else overlay');
  assert.is(settings.runtime, 'native');
  assert.is(settings.portDriver, 'kernel');
  assert.is(settings.bridge, 'berth0');
  assert.is(settings.subnet, undefined);
  assert.equal(settings.addressPools.map((p) => p.base), ['10.88.0.0/16', '172.17.0.0/16', '172.18.0.0/16', '172.19.0.0/16', '172.20.0.0/16', '172.21.0.0/16', '172.22.0.0/16', '172.23.0.0/16', '172.24.0.0/16', '172.25.0.0/16', '172.26.0.0/16', '172.27.0.0/16', '172.28.0.0/16', '172.29.0.0/16', '172.30.0.0/16', '172.31.0.0/16', '192.168.0.0/16']);
  assert.is(settings.cgroupParent, 'berth');
  assert.is(settings.hubPort, 5151);
  assert.is(settings.index, undefined, 'the local hub');
  assert.equal(settings.insecureRegistries, []);
  assert.is(resolveSettings({ env: {}, home: '/home/ada' }).configDir, '/home/ada/.config/berth');
  // every setting has a definition: an env variable, and one of the defaults or an optional field
  const names = SETTINGS.map((s) => s.name).sort();
  assert.equal(names, ['addressPools', 'cache', 'cgroup2Root', 'cgroupParent', 'configDir', 'bridge', 'hostAddress', 'hubPort', 'index', 'insecureRegistries', 'portDriver', 'root', 'runtime', 'storageDriver', 'subnet'].sort());
  for (const name of Object.keys(defaultSettings())) assert.ok(name in settings, name);
});

test('flags beat the environment, which beats the config file, which beats the defaults', () => {
  const dir = configDir({ bridge: 'filebr', 'hub-port': 7000, 'cgroup-parent': 'file-parent', root: '/srv/file-root', 'insecure-registries': ['classroom:5000'], 'address-pools': [{ base: '172.80.0.0/16', size: 24 }] });
  const env = { BERTH_CONFIG_DIR: dir, BERTH_BRIDGE: 'envbr', BERTH_HUB_PORT: '6000', BERTH_ROOT: '/srv/env-root' };
  const settings = resolveSettings({ env, flags: { bridge: 'flagbr', root: undefined } });
  assert.is(settings.bridge, 'flagbr', 'flag > env > file');
  assert.is(settings.hubPort, 6000, 'env > file');
  assert.is(settings.root, '/srv/env-root', 'an undefined flag is not given');
  assert.is(settings.cgroupParent, 'file-parent', 'file > default');
  assert.equal(settings.insecureRegistries, ['classroom:5000']);
  assert.equal(settings.addressPools, [{ base: '172.80.0.0/16', size: 24 }]);
  assert.is(settings.runtime, 'native', 'default');
  assert.is(settings.configDir, dir);
  // the environment's string forms parse like the file's JSON ones
  const fromEnv = resolveSettings({ env: { BERTH_CONFIG_DIR: dir, BERTH_INSECURE_REGISTRIES: 'a:5000, b:5000', BERTH_ADDRESS_POOLS: 'base=10.1.0.0/16,size=20', BERTH_PORT_DRIVER: 'proxy', BERTH_SUBNET: '10.99.0.0/24' } });
  assert.equal(fromEnv.insecureRegistries, ['a:5000', 'b:5000']);
  assert.equal(fromEnv.addressPools, [{ base: '10.1.0.0/16', size: 20 }]);
  assert.is(fromEnv.portDriver, 'proxy');
  assert.is(fromEnv.subnet, '10.99.0.0/24');
  // the config dir itself: flag > env
  const other = configDir({ bridge: 'otherbr' });
  assert.is(resolveSettings({ env, flags: { configDir: other } }).bridge, 'envbr');
  assert.is(resolveSettings({ env: { BERTH_CONFIG_DIR: dir }, flags: { configDir: other } }).bridge, 'otherbr');
});

test('a bad config file: the error names the file, and the key', () => {
  const broken = configDir('{"bridge": ');
  throwsWith(() => resolveSettings({ env: { BERTH_CONFIG_DIR: broken } }), new RegExp(`the config file ${configFile(broken)} is not valid JSON`), /fix it or delete it/);
  const list = configDir('["bridge"]');
  throwsWith(() => resolveSettings({ env: { BERTH_CONFIG_DIR: list } }), /must hold a JSON object of settings/);
  const typo = configDir({ brigde: 'x' });
  throwsWith(() => resolveSettings({ env: { BERTH_CONFIG_DIR: typo } }), /unknown setting "brigde"/, new RegExp(configFile(typo)), /the settings are root, cache, .*bridge/);
  const port = configDir({ 'hub-port': 'fifty' });
  throwsWith(() => resolveSettings({ env: { BERTH_CONFIG_DIR: port } }), new RegExp(`invalid setting "hub-port" in the config file ${configFile(port)} "fifty"`), /0 for any free port/);
  const bridge = configDir({ bridge: 'a-bridge-name-far-too-long' });
  throwsWith(() => resolveSettings({ env: { BERTH_CONFIG_DIR: bridge } }), /setting "bridge"/, /up to 15 letters/);
  // the environment's value is not even looked at when a flag gives the setting
  assert.is(resolveSettings({ env: { BERTH_CONFIG_DIR: configDir(), BERTH_BRIDGE: '!!' }, flags: { bridge: 'ok0' } }).bridge, 'ok0');
});

test('a bad value from the environment or a flag names the variable or the flag and what to write', () => {
  const env = { BERTH_CONFIG_DIR: configDir() };
  throwsWith(() => resolveSettings({ env: { ...env, BERTH_PORT_DRIVER: 'userland' } }), /invalid BERTH_PORT_DRIVER "userland": use kernel, proxy/);
  throwsWith(() => resolveSettings({ env: { ...env, BERTH_CGROUP_PARENT: '../..' } }), /invalid cgroup parent "\.\.\/\.\." \(from BERTH_CGROUP_PARENT\)/);
  throwsWith(() => resolveSettings({ env: { ...env, BERTH_SUBNET: '10.88.0.1/16' } }), /invalid BERTH_SUBNET "10\.88\.0\.1\/16": .*host bits set/);
  throwsWith(() => resolveSettings({ env: { ...env, BERTH_ADDRESS_POOLS: 'base=10.1.0.0/16,size=8' } }), /invalid BERTH_ADDRESS_POOLS pool/);
  throwsWith(() => resolveSettings({ env: { ...env, BERTH_HUB_PORT: '70000' } }), /invalid BERTH_HUB_PORT "70000"/);
  throwsWith(() => resolveSettings({ env, flags: { storageDriver: 'zfs' as never } }), /invalid --storage-driver "zfs": use overlay, btrfs, vfs/);
  throwsWith(() => resolveSettings({ env, flags: { runtime: 'crun' as never } }), /invalid option runtime "crun": use native, runc/);
});

test('resolved settings pass through again unchanged; derived ones too', () => {
  const settings = resolveSettings({ env: { BERTH_CONFIG_DIR: configDir(), BERTH_BRIDGE: 'bra' } });
  assert.is(resolveSettings({ flags: settings, env: { BERTH_BRIDGE: 'brb' } }), settings);
  const derived = deriveSettings(settings, { bridge: 'brc' });
  assert.is(resolveSettings({ flags: derived }), derived);
  assert.is(derived.bridge, 'brc');
  assert.is(settings.bridge, 'bra');
});

test('a child process gets every setting back as BERTH_*, and nothing inherited in its place', () => {
  const settings = resolveSettings({ env: { BERTH_CONFIG_DIR: configDir({ index: 'http://teacher:5000' }) }, flags: { root: '/srv/r', bridge: 'brz', insecureRegistries: ['a:1', 'b:2'] } });
  const env = settingsEnv(settings);
  assert.is(env.BERTH_ROOT, '/srv/r');
  assert.is(env.BERTH_BRIDGE, 'brz');
  assert.is(env.BERTH_INDEX, 'http://teacher:5000', 'a setting from the file goes explicitly too');
  assert.is(env.BERTH_INSECURE_REGISTRIES, 'a:1,b:2');
  assert.not.ok('BERTH_SUBNET' in env, 'an unset optional setting is left out');
  // what the child resolves from it is what the parent had
  const again = resolveSettings({ env: { ...env, BERTH_CONFIG_DIR: configDir() } });
  for (const name of SETTINGS.map((s) => s.name).filter((n) => n !== 'configDir')) assert.equal(again[name], settings[name], name);
  // childEnv: this process's PATH etc., its own BERTH_* settings replaced by the given ones
  const saved = process.env.BERTH_SUBNET;
  process.env.BERTH_SUBNET = '10.5.0.0/24';
  try {
    const child = childEnv(settings, { EXTRA: '1' });
    assert.is(child.PATH, process.env.PATH);
    assert.not.ok('BERTH_SUBNET' in child, 'an inherited setting the engine does not have is not passed on');
    assert.is(child.BERTH_BRIDGE, 'brz');
    assert.is(child.EXTRA, '1');
  } finally {
    if (saved === undefined) delete process.env.BERTH_SUBNET;
    else process.env.BERTH_SUBNET = saved;
  }
});

test('the test runner\'s BERTH_* apply to Engine.open({}) callers: resolveSettings() reads process.env', () => {
  const settings: Settings = resolveSettings();
  assert.is(settings.root, path.resolve(process.env.BERTH_ROOT!));
  assert.is(settings.bridge, process.env.BERTH_BRIDGE);
  assert.is(settings.cgroupParent, process.env.BERTH_CGROUP_PARENT);
  assert.is(settings.hubPort, 0);
});

// Every BERTH_* variable named in src/engine is a setting (or one of the few
// labels below), and the README's settings table has a row for each setting.
const NOT_SETTINGS = new Set(['BERTH_HOST']); // set for a host's commands as a label; read by nothing

test('every BERTH_* variable the engine names is a setting; the README table lists each one', () => {
  const known = new Set(SETTINGS.map((s) => s.env));
  const named = new Set<string>();
  for (const file of sourceFiles(path.join(PACKAGE_ROOT, 'src', 'engine'))) {
    for (const match of fs.readFileSync(file, 'utf8').matchAll(/\bBERTH_[A-Z0-9_]+\b/g)) named.add(match[0]);
  }
  const strays = [...named].filter((v) => !known.has(v) && !NOT_SETTINGS.has(v) && !v.startsWith('BERTH_KEY_'));
  assert.equal(strays, [], 'variables named in src/engine that settings.ts does not know');
  const readme = fs.readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const rows = readme.split('\n').filter((line) => line.startsWith('| `BERTH_'));
  for (const setting of SETTINGS) {
    const row = rows.find((r) => r.startsWith(`| \`${setting.env}\``));
    assert.ok(row, `README settings table: no row for ${setting.env}`);
    if (setting.key) assert.ok(row!.includes(`\`${setting.key}\``), `README: ${setting.env}'s config key ${setting.key}`);
    if (setting.flag) assert.ok(row!.includes(`\`${setting.flag}\``), `README: ${setting.env}'s flag ${setting.flag}`);
  }
});

test.run();

// A detached container's exit hook (`berth system reconcile`, run by its
// monitor long after this process) must run with this engine's settings,
// even one given only as an Engine.open option: the monitor inherits this
// process's environment, which names another cgroup parent.  Were the hook to
// go by that, it would look for the cgroup in the wrong place and leave it.
const parent = `${process.env.BERTH_CGROUP_PARENT}/flagged`;
const { test: children, engine } = engineSuite('settings: child processes', { cgroupParent: parent });

children('a detached container\'s exit hook runs with the engine\'s settings (a flag-only cgroup parent), not the inherited environment', async () => {
  const host = cgroupHost({ cgroupParent: parent });
  try {
    await engine().pull('busybox');
    const created = await engine().create({ image: 'busybox', cmd: ['sh', '-c', 'sleep 0.3'], network: 'none' });
    await engine().start(created.id);
    const dirs = cgroupFor(created.id, host).paths;
    assert.ok(dirs.some((dir) => dir.includes('/flagged/')), dirs.join(', '));
    // only the hook removes it: nothing in this process reconciles meanwhile
    await eventually(() => dirs.every((dir) => !fs.existsSync(dir)), 15_000, 'the exit hook to remove the container\'s cgroup under the flag-only parent');
    await engine().remove(created.id, { force: true });
  } finally {
    const bases = host.version === 2 ? [host.root] : host.hierarchies;
    for (const base of bases) try { fs.rmdirSync(path.join(base, parent)); } catch { /* not made there */ }
  }
});

children.run();

