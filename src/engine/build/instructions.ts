// The instructions that change only the image's config (ENV, CMD, USER...):
// one handler each, taking the config so far and returning the change's
// description for the history ("/bin/sh -c #(nop)  ENV A=1", as Docker
// writes it).  RUN, COPY, ADD, WORKDIR, FROM and ARG need containers or the
// build's state and live in builder.ts.
import { invalid } from '../errors.js';
import type { ContainerConfig, HealthConfig } from '../store/oci.js';
import { parseSignal } from '../containers/signal.js';
import type { Instruction } from './dockerfile.js';
import { expandPairs, expandWord, expandWords, jsonArray, type Vars } from './words.js';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

export interface MetadataInput {
  readonly instruction: Instruction;
  /** a copy to change */
  readonly config: ContainerConfig;
  /** ARGs in scope and ENV, for expansion */
  readonly vars: Vars;
  readonly escape: string;
  /** CMD was set in this stage (ENTRYPOINT then keeps it) */
  readonly cmdSet: boolean;
}

export interface MetadataResult {
  /** what the history shows after "#(nop) " */
  readonly description: string;
  readonly author?: string;
  readonly setsCmd?: boolean;
}

type Handler = (input: MetadataInput) => MetadataResult;

export const METADATA: Readonly<Record<string, Handler>> = {
  ENV: ({ instruction, config, vars, escape }) => {
    const pairs = expandPairs('ENV', instruction.args, vars, escape);
    for (const [key, value] of pairs) {
      const env = config.Env ?? [];
      const at = env.findIndex((e) => envKey(e) === key);
      if (at >= 0) env[at] = `${key}=${value}`;
      else env.push(`${key}=${value}`);
      config.Env = env;
    }
    return { description: `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` };
  },
  LABEL: ({ instruction, config, vars, escape }) => {
    const pairs = expandPairs('LABEL', instruction.args, vars, escape);
    config.Labels = { ...(config.Labels ?? {}), ...Object.fromEntries(pairs) };
    return { description: `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` };
  },
  MAINTAINER: ({ instruction }) => ({ description: `MAINTAINER ${instruction.args}`, author: instruction.args }),
  CMD: ({ instruction, config }) => {
    config.Cmd = commandForm(instruction.args, config);
    return { description: `CMD ${JSON.stringify(config.Cmd)}`, setsCmd: true };
  },
  ENTRYPOINT: ({ instruction, config, cmdSet }) => {
    config.Entrypoint = commandForm(instruction.args, config);
    // Docker: a new ENTRYPOINT drops the CMD inherited from the base image.
    if (!cmdSet) config.Cmd = null;
    return { description: `ENTRYPOINT ${JSON.stringify(config.Entrypoint)}` };
  },
  USER: ({ instruction, config, vars, escape }) => {
    config.User = single('USER', instruction.args, vars, escape);
    return { description: `USER ${config.User}` };
  },
  EXPOSE: ({ instruction, config, vars, escape }) => {
    const ports = { ...(config.ExposedPorts ?? {}) };
    const words = expandWords(instruction.args, vars, escape);
    for (const word of words) for (const port of expandPorts(word)) ports[port] = {};
    config.ExposedPorts = ports;
    return { description: `EXPOSE ${words.join(' ')}` };
  },
  VOLUME: ({ instruction, config, vars, escape }) => {
    const dirs = jsonArray(instruction.args) ?? expandWords(instruction.args, vars, escape);
    if (dirs.length === 0 || dirs.some((d) => d.trim() === '')) throw invalid('VOLUME specified can not be an empty string');
    config.Volumes = { ...(config.Volumes ?? {}), ...Object.fromEntries(dirs.map((d) => [d, {}])) };
    return { description: `VOLUME ${JSON.stringify(dirs)}` };
  },
  STOPSIGNAL: ({ instruction, config, vars, escape }) => {
    const signal = single('STOPSIGNAL', instruction.args, vars, escape);
    parseSignal(signal);
    config.StopSignal = signal;
    return { description: `STOPSIGNAL ${signal}` };
  },
  HEALTHCHECK: ({ instruction, config }) => {
    config.Healthcheck = healthcheck(instruction);
    return { description: `HEALTHCHECK ${JSON.stringify(config.Healthcheck)}` };
  },
  SHELL: ({ instruction, config }) => {
    const shell = jsonArray(instruction.args);
    if (!shell || shell.length === 0) throw invalid('SHELL requires the arguments to be in JSON form, e.g. SHELL ["/bin/bash", "-c"]');
    config.Shell = shell;
    return { description: `SHELL ${JSON.stringify(shell)}` };
  },
  ONBUILD: ({ instruction, config }) => {
    const [word = '', ...rest] = instruction.args.split(/(\s+)/);
    const trigger = `${word.toUpperCase()}${rest.join('')}`;
    config.OnBuild = [...(config.OnBuild ?? []), trigger];
    return { description: `ONBUILD ${trigger}` };
  },
};

/** Exec form (JSON) as is; shell form through SHELL (default /bin/sh -c). */
export function commandForm(args: string, config: ContainerConfig): string[] {
  return jsonArray(args) ?? [...(config.Shell ?? DEFAULT_SHELL), args];
}

function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

function single(instruction: string, args: string, vars: Vars, escape: string): string {
  const words = expandWords(args, vars, escape);
  if (words.length !== 1) throw invalid(`${instruction} requires exactly one argument, got ${JSON.stringify(args)}`);
  return words[0]!;
}

/** "80" -> ["80/tcp"]; "53/udp"; "8000-8002" -> three ports. */
function expandPorts(word: string): string[] {
  const match = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(word);
  if (!match) throw invalid(`invalid containerPort: ${word} (expected e.g. 80, 80/tcp, 53/udp or 8000-8010/tcp)`);
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : Number(match[2]);
  const proto = (match[3] ?? 'tcp').toLowerCase();
  if (low < 1 || high > 65535 || high < low) throw invalid(`invalid port range ${word}: ports are 1-65535`);
  return Array.from({ length: high - low + 1 }, (_, i) => `${low + i}/${proto}`);
}

/** Go durations as HEALTHCHECK takes them: "30s", "1m30s", "500ms" -> nanoseconds. */
export function parseDuration(text: string, flag: string): number {
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw invalid(`invalid --${flag}=${text}: use a duration like 30s, 1m30s or 500ms`);
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0));
}

function healthcheck(instruction: Instruction): HealthConfig {
  const [kind = '', ...rest] = instruction.args.split(/\s+/);
  if (kind.toUpperCase() === 'NONE') {
    if (rest.length || Object.keys(instruction.flags).length) throw invalid('HEALTHCHECK NONE takes no arguments or flags');
    return { Test: ['NONE'] };
  }
  if (kind.toUpperCase() !== 'CMD') throw invalid(`Unknown type "${kind}" in HEALTHCHECK (try CMD)`);
  const command = instruction.args.slice(kind.length).trim();
  if (command === '') throw invalid('HEALTHCHECK CMD requires a command');
  const exec = jsonArray(command);
  const result: HealthConfig = { Test: exec ? ['CMD', ...exec] : ['CMD-SHELL', command] };
  const f = instruction.flags;
  if (f.interval !== undefined) result.Interval = parseDuration(f.interval, 'interval');
  if (f.timeout !== undefined) result.Timeout = parseDuration(f.timeout, 'timeout');
  if (f['start-period'] !== undefined) result.StartPeriod = parseDuration(f['start-period'], 'start-period');
  if (f['start-interval'] !== undefined) result.StartInterval = parseDuration(f['start-interval'], 'start-interval');
  if (f.retries !== undefined) {
    if (!/^\d+$/.test(f.retries) || Number(f.retries) < 1) throw invalid(`invalid --retries=${f.retries}: must be at least 1`);
    result.Retries = Number(f.retries);
  }
  return result;
}

/** `expandWord` for WORKDIR etc. (re-exported so the builder has one import). */
export { expandWord };
