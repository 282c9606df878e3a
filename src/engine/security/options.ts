// The security flags of `run`/`create` (--privileged, --cap-add, --cap-drop,
// --security-opt, --device, --read-only), checked when the container is
// created and resolved into a SecurityConfig each time it starts.  The rules
// are Docker's (moby daemon/oci caps.TweakCapabilities, parseSecurityOpt):
// a user who knows `docker run` gets the same container.
import fs from 'node:fs';
import { invalid } from '../errors.js';
import { capabilityName, CAP_LAST_CAP, capabilityNumber } from '../runtime/capabilities.js';
import { DEFAULT_CAPABILITIES } from '../runtime/oci-defaults.js';
import { parseDevice } from './devices.js';
import { checkSeccompProfile, readSeccompProfile } from './seccomp.js';
import type { DeviceMapping, DockerSeccompProfile, SecurityConfig, SeccompChoice } from './types.js';

/** The fields of a container's HostConfig that hold its security settings (Docker's names). */
export interface SecurityHostConfig {
  readonly privileged?: boolean;
  readonly capAdd?: readonly string[];
  readonly capDrop?: readonly string[];
  /** "seccomp=unconfined", "seccomp=<profile JSON>", "no-new-privileges[:true|false]", ... */
  readonly securityOpt?: readonly string[];
  readonly devices?: readonly DeviceMapping[];
  readonly readonlyRootfs?: boolean;
}

/** What the user typed, before checking. */
export interface SecurityFlags {
  readonly privileged?: boolean;
  readonly capAdd?: readonly string[];
  readonly capDrop?: readonly string[];
  /** as typed: seccomp=PATH names a file, read now (as the docker CLI does) */
  readonly securityOpt?: readonly string[];
  /** HOST[:CONTAINER[:rwm]] */
  readonly devices?: readonly string[];
  readonly readOnly?: boolean;
}

let bounding: string[] | undefined;
/**
 * "ALL": every capability this engine itself holds (its bounding set), as
 * runc can only grant those; a sandbox or a host's policy may have taken some.
 */
function allCapabilities(): string[] {
  if (!bounding) {
    const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0';
    const mask = BigInt(`0x${hex}`);
    bounding = Array.from({ length: CAP_LAST_CAP + 1 }, (_, n) => n).filter((n) => (mask >> BigInt(n)) & 1n).map(capabilityName);
  }
  return bounding;
}

/** "net_raw" / "NET_RAW" / "CAP_NET_RAW" -> "CAP_NET_RAW"; "ALL" stays "ALL". */
function normalizeCap(name: string, flag: string): string {
  if (name.toUpperCase() === 'ALL') return 'ALL';
  try {
    return capabilityName(capabilityNumber(name));
  } catch {
    throw invalid(`invalid ${flag}: unknown capability: "${name}"`);
  }
}

/** Docker's TweakCapabilities: ALL in --cap-add grants everything; ALL in --cap-drop starts from nothing; add wins over drop. */
export function resolveCapabilities(capAdd: readonly string[], capDrop: readonly string[], privileged: boolean): string[] {
  if (privileged) return [...allCapabilities()];
  const add = new Set(capAdd.map((c) => normalizeCap(c, 'CapAdd')));
  const drop = new Set(capDrop.map((c) => normalizeCap(c, 'CapDrop')));
  if (add.has('ALL')) return allCapabilities().filter((c) => !drop.has(c) || add.has(c));
  const base = drop.has('ALL') ? [] : DEFAULT_CAPABILITIES.filter((c) => !drop.has(c));
  const chosen = new Set([...base, ...add]);
  // Kernel order, as runc reports them.
  return Array.from({ length: CAP_LAST_CAP + 1 }, (_, n) => capabilityName(n)).filter((c) => chosen.has(c));
}

/** One --security-opt entry, split as Docker does ("key=value", or the older "key:value"). */
function splitOpt(opt: string): [string, string | undefined] {
  const eq = opt.indexOf('=');
  const colon = opt.indexOf(':');
  const at = eq >= 0 && (colon < 0 || eq < colon) ? eq : colon;
  return at < 0 ? [opt, undefined] : [opt.slice(0, at), opt.slice(at + 1)];
}

function boolValue(value: string | undefined, opt: string): boolean {
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  throw invalid(`invalid --security-opt ${opt}: use no-new-privileges, no-new-privileges=true or no-new-privileges=false`);
}

/** Checks --security-opt entries and reads seccomp=PATH; returns them as they are stored (profile JSON inline). */
export function checkSecurityOpts(opts: readonly string[]): string[] {
  return opts.map((opt) => {
    const [key, value] = splitOpt(opt);
    switch (key) {
      case 'seccomp':
        if (!value) throw invalid(`invalid --security-opt ${opt}: use seccomp=unconfined or seccomp=/path/to/profile.json`);
        if (value === 'unconfined') return 'seccomp=unconfined';
        if (value.trimStart().startsWith('{')) return `seccomp=${JSON.stringify(checkSeccompProfile(parseProfile(value)))}`;
        return `seccomp=${JSON.stringify(readSeccompProfile(value))}`;
      case 'no-new-privileges':
        return `no-new-privileges=${boolValue(value, opt)}`;
      case 'apparmor':
      case 'label':
        // No AppArmor or SELinux here: "unconfined"/"disable" ask for nothing, anything else cannot be honoured.
        if (value === 'unconfined' || value === 'disable') return `${key}=${value}`;
        throw invalid(`invalid --security-opt ${opt}: berth has no ${key === 'label' ? 'SELinux' : 'AppArmor'} support (only ${key}=${key === 'label' ? 'disable' : 'unconfined'} is accepted)`);
      case 'systempaths':
        if (value === 'unconfined') return 'systempaths=unconfined';
        throw invalid(`invalid --security-opt ${opt}: use systempaths=unconfined`);
      default:
        throw invalid(`invalid --security-opt ${opt}: use seccomp=unconfined|PROFILE.json, no-new-privileges[=true|false], systempaths=unconfined`);
    }
  });
}

function parseProfile(json: string): DockerSeccompProfile {
  try {
    return JSON.parse(json) as DockerSeccompProfile;
  } catch (error) {
    throw invalid(`decoding seccomp profile failed: ${(error as Error).message}`);
  }
}

/** Flags -> the HostConfig fields to store, or an 'invalid' error naming the flag. */
export function securityHostConfig(flags: SecurityFlags): Required<SecurityHostConfig> {
  const capAdd = (flags.capAdd ?? []).map((c) => normalizeCap(c, 'CapAdd'));
  const capDrop = (flags.capDrop ?? []).map((c) => normalizeCap(c, 'CapDrop'));
  return {
    privileged: flags.privileged ?? false,
    capAdd,
    capDrop,
    securityOpt: checkSecurityOpts(flags.securityOpt ?? []),
    devices: (flags.devices ?? []).map(parseDevice),
    readonlyRootfs: flags.readOnly ?? false,
  };
}

/** The stored HostConfig fields -> what config.json gets.  Old records without them get Docker's defaults. */
export function resolveSecurity(host: SecurityHostConfig): SecurityConfig {
  const privileged = host.privileged ?? false;
  let seccomp: SeccompChoice = { kind: 'default' };
  let noNewPrivileges = true;
  let systemPaths = true;
  for (const opt of host.securityOpt ?? []) {
    const [key, value] = splitOpt(opt);
    if (key === 'seccomp') seccomp = value === 'unconfined' ? { kind: 'unconfined' } : { kind: 'profile', profile: parseProfile(value ?? '{}') };
    else if (key === 'no-new-privileges') noNewPrivileges = boolValue(value, opt);
    else if (key === 'systempaths') systemPaths = false;
  }
  // --privileged turns seccomp off unless a profile was asked for explicitly (Docker).
  if (privileged && seccomp.kind === 'default') seccomp = { kind: 'unconfined' };
  return {
    privileged,
    capabilities: resolveCapabilities(host.capAdd ?? [], host.capDrop ?? [], privileged),
    seccomp,
    noNewPrivileges,
    readonlyRootfs: host.readonlyRootfs ?? false,
    devices: host.devices ?? [],
    maskPaths: systemPaths && !privileged,
  };
}
