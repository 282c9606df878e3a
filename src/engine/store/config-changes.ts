// `import -c` and `commit -c`: Dockerfile-like instructions that change an
// image's run-time defaults, e.g. `CMD ["nginx","-g","daemon off;"]`,
// `ENV PATH=/opt/bin:$PATH`, `EXPOSE 80/tcp`.  Only the instructions that
// change configuration are accepted (as in Docker); RUN, COPY... are refused.
import path from 'node:path';
import { invalid } from '../errors.js';
import type { ContainerConfig } from './oci.js';
import { parseJsonArray, parsePairs, splitWords } from './change-words.js';

/** Instructions a change may use. */
export const CHANGE_INSTRUCTIONS = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'] as const;
/** Dockerfile instructions that exist but cannot be a change. */
const BUILD_ONLY = ['ADD', 'ARG', 'COPY', 'FROM', 'HEALTHCHECK', 'MAINTAINER', 'RUN', 'SHELL'];

type Apply = (config: ContainerConfig, args: string, env: Map<string, string>) => void;

const APPLY: Record<(typeof CHANGE_INSTRUCTIONS)[number], Apply> = {
  CMD: (config, args) => { config.Cmd = execOrShell(args); },
  ENTRYPOINT: (config, args) => { config.Entrypoint = execOrShell(args); },
  ENV: (config, args, env) => {
    for (const [key, value] of envPairs(args, env)) {
      env.set(key, value);
      config.Env = [...(config.Env ?? []).filter((e) => envKey(e) !== key), `${key}=${value}`];
    }
  },
  EXPOSE: (config, args, env) => {
    const ports = { ...(config.ExposedPorts ?? {}) };
    for (const word of splitWords(args, env)) for (const port of expandPorts(word)) ports[port] = {};
    config.ExposedPorts = ports;
  },
  LABEL: (config, args, env) => {
    config.Labels = { ...(config.Labels ?? {}), ...Object.fromEntries(parsePairs('LABEL', args, env)) };
  },
  ONBUILD: (config, args) => { config.OnBuild = [...(config.OnBuild ?? []), args]; },
  STOPSIGNAL: (config, args, env) => { config.StopSignal = single('STOPSIGNAL', args, env); },
  USER: (config, args, env) => { config.User = single('USER', args, env); },
  VOLUME: (config, args, env) => {
    const volumes = { ...(config.Volumes ?? {}) };
    for (const dir of parseJsonArray(args) ?? splitWords(args, env)) volumes[dir] = {};
    config.Volumes = volumes;
  },
  WORKDIR: (config, args, env) => {
    // A relative WORKDIR is relative to the previous one, as in a Dockerfile.
    config.WorkingDir = path.posix.resolve(config.WorkingDir || '/', single('WORKDIR', args, env));
  },
};

/**
 * Applies each change in order to a copy of `config` and returns it.
 * Throws 'invalid' naming the first change that is not understood.
 */
export function applyConfigChanges(config: ContainerConfig | undefined, changes: readonly string[]): ContainerConfig {
  const result: ContainerConfig = structuredClone(config ?? {});
  const env = new Map((result.Env ?? []).map((e) => [envKey(e), e.slice(envKey(e).length + 1)] as [string, string]));
  for (const change of changes) {
    const { instruction, args } = splitInstruction(change);
    APPLY[instruction](result, args, env);
  }
  return result;
}

/** Checks one change without applying it (for validating flags early). */
export function validateChange(change: string): void {
  applyConfigChanges({}, [change]);
}

function splitInstruction(change: string): { instruction: keyof typeof APPLY; args: string } {
  const trimmed = change.trim();
  const match = /^(\S+)\s*([\s\S]*)$/.exec(trimmed);
  if (!match) throw invalid('dockerfile parse error: empty change');
  const word = match[1]!.toUpperCase();
  if ((CHANGE_INSTRUCTIONS as readonly string[]).includes(word)) {
    if (match[2]!.trim() === '') throw invalid(`dockerfile parse error: ${word} requires at least one argument (in ${JSON.stringify(change)})`);
    return { instruction: word as keyof typeof APPLY, args: match[2]!.trim() };
  }
  if (BUILD_ONLY.includes(word)) throw invalid(`${word} is not a valid change command (use one of ${CHANGE_INSTRUCTIONS.join(', ')})`);
  throw invalid(`dockerfile parse error: unknown instruction: ${match[1]}`);
}

function execOrShell(args: string): string[] {
  return parseJsonArray(args) ?? ['/bin/sh', '-c', args];
}

function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

/** `ENV K=V K2="v 2"` or the legacy `ENV K the rest of the line`. */
function envPairs(args: string, env: Map<string, string>): Array<[string, string]> {
  const first = /^([^\s=]+)(\s+|=|$)/.exec(args);
  if (first && first[2] !== '=') {
    const value = splitWords(args.slice(first[0].length), env).join(' ');
    return [[first[1]!, value]];
  }
  return parsePairs('ENV', args, env);
}

function single(instruction: string, args: string, env: Map<string, string>): string {
  const words = splitWords(args, env);
  if (words.length !== 1) throw invalid(`${instruction} takes one argument, got ${JSON.stringify(args)}`);
  return words[0]!;
}

/** "80" -> ["80/tcp"]; "53/udp"; "8000-8002/tcp" -> three ports. */
function expandPorts(word: string): string[] {
  const match = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(word);
  if (!match) throw invalid(`EXPOSE: invalid port ${JSON.stringify(word)} (expected e.g. 80, 80/tcp, 53/udp or 8000-8010/tcp)`);
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : Number(match[2]);
  const proto = (match[3] ?? 'tcp').toLowerCase();
  if (low < 1 || high > 65535 || high < low) throw invalid(`EXPOSE: invalid port range ${JSON.stringify(word)} (ports are 1-65535)`);
  return Array.from({ length: high - low + 1 }, (_, i) => `${low + i}/${proto}`);
}
