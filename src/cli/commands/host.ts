// `berth host create|rm|ls` and the global `--host NAME`: a simulated
// production host (src/engine/host/host.ts) and a way to act on it.  A
// network namespace is per thread and Node has many, so `--host` re-executes
// berth under nsenter (network namespace only: mounts and cgroups stay
// shared with this machine, as the engine expects) with the host's root.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Cli } from '../program.js';
import { deriveSettings, Engine, PACKAGE_ROOT, resolveSettings, type HostRecord, type Hosts, type Settings } from '../../engine/index.js';

const BERTH_BIN = path.join(PACKAGE_ROOT, 'bin', 'berth.js');

/** Global options that take a value, as program.ts declares them. */
const VALUED = new Set(['--root', '-s', '--storage-driver', '--host']);

export interface HostSplit {
  /** the host named by --host */
  readonly host: string;
  /** --root, if given: where the host's record lives */
  readonly root?: string;
  /** the command line to run there, without --host and --root */
  readonly rest: string[];
}

/** Finds `--host NAME` (or --host=NAME) among the global options before the command name. */
export function splitHostOption(args: readonly string[]): HostSplit | undefined {
  let host: string | undefined;
  let root: string | undefined;
  const rest: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-')) break;
    const eq = /^(--[a-z-]+)=(.*)$/s.exec(arg);
    const name = eq ? eq[1]! : arg;
    if (!VALUED.has(name)) {
      rest.push(arg);
      continue;
    }
    const value = eq ? eq[2]! : args[++i];
    if (value === undefined) return undefined; // commander reports the missing value
    if (name === '--host') host = value;
    else if (name === '--root') root = value;
    else rest.push(name, value);
  }
  if (host === undefined) return undefined;
  return { host, root, rest: [...rest, ...args.slice(i)] };
}

/** Runs `berth ARGS` on the host; resolves the exit code (stdio inherited or captured). */
export function runOnHost(hosts: Hosts, host: HostRecord, args: readonly string[], capture = false): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [file, ...rest] = hosts.command(host, BERTH_BIN, args);
    const child = spawn(file!, rest, { env: hosts.env(host), stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    if (!capture) {
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve({ code: code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGINT' ? 2 : 15), stdout, stderr });
    });
  });
}

/** main()'s hook: `berth --host NAME ...` runs there; undefined when --host is not given. */
export async function dispatchToHost(args: readonly string[]): Promise<number | undefined> {
  const split = splitHostOption(args);
  if (!split) return undefined;
  const hosts = Engine.hosts(trustHostRegistries(resolveSettings({ flags: { root: split.root } })));
  return (await runOnHost(hosts, hosts.get(split.host), split.rest)).code;
}

/**
 * On this machine, the registry port 5000 on each host's link (where the
 * host finds the developer's registry) is plain HTTP, as it is on the host:
 * `berth push 10.87.0.1:5000/app:v2` then works without BERTH_INSECURE_REGISTRIES.
 */
export function trustHostRegistries(settings: Settings): Settings {
  const links = Engine.hosts(settings).list().map((h) => `${h.gatewayAddress}:5000`);
  if (links.length === 0) return settings;
  return deriveSettings(settings, { insecureRegistries: [...new Set([...settings.insecureRegistries, ...links])] });
}

/** Empties the host's engine from inside its namespace: every container, then its hub. */
async function clearEngine(hosts: Hosts, host: HostRecord): Promise<void> {
  const ps = await runOnHost(hosts, host, ['ps', '-aq', '--no-trunc'], true);
  const ids = ps.stdout.split('\n').filter(Boolean);
  if (ids.length) {
    const removed = await runOnHost(hosts, host, ['rm', '-f', ...ids], true);
    if (removed.code !== 0) process.stderr.write(removed.stderr);
  }
  await runOnHost(hosts, host, ['hub', 'stop'], true);
}

export function registerHostCommands(cli: Cli): void {
  const host = cli.program.command('host').description('Simulated production hosts: an engine of their own in a network namespace');
  const hosts = () => Engine.hosts(cli.settings());

  host
    .command('create')
    .description('Make a host: a network namespace joined to this machine, NAT egress, its own state root')
    .argument('<name>', 'e.g. prod')
    .action(async (name: string) => {
      const made = await hosts().create(name, { onProgress: (line) => console.log(line) });
      console.log(`${made.name}: ${made.address} (it reaches this machine at ${made.gatewayAddress}; run commands there with: berth --host ${made.name} COMMAND)`);
    });

  host
    .command('rm')
    .description('Remove hosts: their containers, namespace, link, rules and state')
    .argument('<name...>')
    .action(async (names: string[]) => {
      const all = hosts();
      let missing = 0;
      for (const name of names) {
        if (await all.remove(name, { clearEngine: (host) => clearEngine(all, host) })) console.log(name);
        else {
          process.stderr.write(`Error: no such host: ${name}\n`);
          missing += 1;
        }
      }
      if (missing) process.exitCode = 1;
    });

  host
    .command('ls')
    .description('List hosts')
    .action(async () => {
      const rows = hosts().list().map((h) => [h.name, h.address, h.gatewayAddress, h.netns, h.root]);
      const all = [['NAME', 'ADDRESS', 'GATEWAY', 'NETNS', 'ROOT'], ...rows];
      const widths = all[0]!.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
      for (const row of all) console.log(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join(''));
    });
}
