// The seccomp filter a container gets: Docker's default profile (or the
// user's) turned into config.json's linux.seccomp for the capabilities the
// container has, the way moby's profiles/seccomp setupSeccomp does it: only
// the rules whose includes (capabilities, architecture, minimum kernel) hold
// and whose excludes do not, and the architectures of this machine from the
// profile's archMap.  runc reads linux.seccomp itself; the native runtime
// hands it to the C monitor as spec records (runtime/native.ts).
//
// seccomp-default.json is berth's copy of Docker's default profile: the same
// rules as moby/profiles seccomp v0.2.3 (Docker 29), in Docker's JSON format,
// grouped with comments for the lab.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { invalid } from '../errors.js';
import { PACKAGE_ROOT } from '../sys.js';
import type { OciSeccomp } from '../runtime/oci-types.js';
import type { DockerSeccompProfile, SeccompChoice } from './types.js';

export const DEFAULT_PROFILE_FILE = path.join(PACKAGE_ROOT, 'src', 'engine', 'security', 'seccomp-default.json');

/** The actions of Docker's (and the OCI) format.  SCMP_ACT_NOTIFY needs a seccomp agent, which berth does not have. */
export const SECCOMP_ACTIONS = [
  'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG',
] as const;
export const SECCOMP_OPS = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'] as const;
const ARCH_RE = /^SCMP_ARCH_[A-Z0-9_]+$/;

/** Node's process.arch -> the name moby uses in includes/excludes.arches, and the profile's archMap key. */
const NATIVE_ARCH: Record<string, { name: string; scmp: string }> = {
  x64: { name: 'amd64', scmp: 'SCMP_ARCH_X86_64' },
  ia32: { name: 'x86', scmp: 'SCMP_ARCH_X86' },
  arm64: { name: 'arm64', scmp: 'SCMP_ARCH_AARCH64' },
  arm: { name: 'arm', scmp: 'SCMP_ARCH_ARM' },
  ppc64: { name: 'ppc64le', scmp: 'SCMP_ARCH_PPC64LE' },
  s390x: { name: 's390x', scmp: 'SCMP_ARCH_S390X' },
  riscv64: { name: 'riscv64', scmp: 'SCMP_ARCH_RISCV64' },
  loong64: { name: 'loongarch64', scmp: 'SCMP_ARCH_LOONGARCH64' },
};

let defaultProfile: DockerSeccompProfile | undefined;
const defaultConverted = new Map<string, OciSeccomp | undefined>();

/** Docker's default profile (read once). */
export function defaultSeccompProfile(): DockerSeccompProfile {
  defaultProfile ??= checkSeccompProfile(JSON.parse(fs.readFileSync(DEFAULT_PROFILE_FILE, 'utf8')));
  return defaultProfile;
}

/** "6.1.0-18-amd64" -> [6, 1]. */
export function kernelVersion(release = os.release()): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/** minKernel "4.8" <= the running kernel (moby kernelGreaterEqualThan: "major.minor"). */
function kernelAtLeast(min: string, kernel: [number, number]): boolean {
  const m = /^(\d+)\.(\d+)$/.exec(min);
  if (!m) throw invalid(`invalid seccomp profile: minKernel "${min}": use MAJOR.MINOR, e.g. "4.8"`);
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return kernel[0] > major || (kernel[0] === major && kernel[1] >= minor);
}

export interface ConvertOptions {
  /** process.arch of the machine the container runs on (default: this one) */
  readonly arch?: string;
  /** [major, minor] of the running kernel (default: os.release()) */
  readonly kernel?: [number, number];
}

/** moby setupSeccomp: a Docker profile -> linux.seccomp for a container with these (bounding) capabilities. */
export function convertProfile(profile: DockerSeccompProfile, capabilities: readonly string[], options: ConvertOptions = {}): OciSeccomp | undefined {
  // No default action and no rules: Docker takes it as "no seccomp".
  if (!profile.defaultAction && !(profile.syscalls ?? []).length) return undefined;
  const native = NATIVE_ARCH[options.arch ?? process.arch];
  const kernel = options.kernel ?? kernelVersion();
  const caps = new Set(capabilities);
  const out: OciSeccomp = { defaultAction: profile.defaultAction };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;
  if (profile.architectures?.length) out.architectures = [...profile.architectures];
  else if (native) {
    const entry = (profile.archMap ?? []).find((a) => a.architecture === native.scmp);
    if (entry) out.architectures = [entry.architecture, ...(entry.subArchitectures ?? [])];
  }
  const arch = native?.name ?? process.arch;
  const syscalls: NonNullable<OciSeccomp['syscalls']> = [];
  for (const call of profile.syscalls ?? []) {
    const ex = call.excludes;
    if (ex?.arches?.length && ex.arches.includes(arch)) continue;
    if (ex?.caps?.some((c) => caps.has(c))) continue;
    if (ex?.minKernel && kernelAtLeast(ex.minKernel, kernel)) continue;
    const inc = call.includes;
    if (inc?.arches?.length && !inc.arches.includes(arch)) continue;
    if (inc?.caps?.length && !inc.caps.every((c) => caps.has(c))) continue;
    if (inc?.minKernel && !kernelAtLeast(inc.minKernel, kernel)) continue;
    const rule: NonNullable<OciSeccomp['syscalls']>[number] = { names: call.names?.length ? [...call.names] : [call.name!], action: call.action };
    if (call.errnoRet !== undefined) rule.errnoRet = call.errnoRet;
    if (call.args?.length) rule.args = call.args.map((a) => ({ ...a }));
    syscalls.push(rule);
  }
  out.syscalls = syscalls;
  return out;
}

/** linux.seccomp for this choice and capability set; undefined when unconfined. */
export function ociSeccomp(choice: SeccompChoice, capabilities: readonly string[], options: ConvertOptions = {}): OciSeccomp | undefined {
  if (choice.kind === 'unconfined') return undefined;
  if (choice.kind !== 'default') return convertProfile(checkSeccompProfile(choice.profile), capabilities, options);
  // The default profile for a capability set is the same every start: convert it once per process.
  const key = `${capabilities.join(',')}|${options.arch ?? ''}|${options.kernel?.join('.') ?? ''}`;
  let converted = defaultConverted.get(key);
  if (!converted) defaultConverted.set(key, (converted = convertProfile(defaultSeccompProfile(), capabilities, options)));
  return converted && structuredClone(converted);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function checkErrno(value: unknown, where: string): void {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 4095)) {
    throw invalid(`invalid seccomp profile: ${where}: errnoRet must be an errno number (0-4095), got ${JSON.stringify(value)}`);
  }
}

function checkAction(value: unknown, where: string): void {
  if (typeof value !== 'string' || !value) throw invalid(`invalid seccomp profile: ${where}: action missing`);
  if (value === 'SCMP_ACT_NOTIFY') throw invalid(`invalid seccomp profile: ${where}: SCMP_ACT_NOTIFY needs a seccomp agent, which berth does not have`);
  if (!(SECCOMP_ACTIONS as readonly string[]).includes(value)) {
    throw invalid(`invalid seccomp profile: ${where}: unknown action "${value}" (use one of ${SECCOMP_ACTIONS.join(', ')})`);
  }
}

function checkConditions(value: unknown, where: string): void {
  if (value === undefined || value === null) return;
  if (!isObject(value)) throw invalid(`invalid seccomp profile: ${where}: must be an object with caps, arches or minKernel`);
  for (const key of ['caps', 'arches'] as const) {
    if (value[key] !== undefined && value[key] !== null && !isStringArray(value[key])) throw invalid(`invalid seccomp profile: ${where}.${key}: must be a list of names`);
  }
  if (value.minKernel !== undefined && value.minKernel !== null) {
    if (typeof value.minKernel !== 'string' || !/^\d+\.\d+$/.test(value.minKernel)) throw invalid(`invalid seccomp profile: ${where}.minKernel: use MAJOR.MINOR, e.g. "4.8"`);
  }
}

/** Checks a parsed profile's shape (Docker's format); returns it typed, or an 'invalid' error saying what is wrong and where. */
export function checkSeccompProfile(value: unknown): DockerSeccompProfile {
  if (!isObject(value)) throw invalid('invalid seccomp profile: it must be a JSON object with defaultAction and syscalls');
  const syscalls = value.syscalls ?? [];
  if (!Array.isArray(syscalls)) throw invalid('invalid seccomp profile: syscalls must be a list');
  // Docker: no default action and no rules means no seccomp at all.
  if (value.defaultAction === undefined && syscalls.length === 0) return value as unknown as DockerSeccompProfile;
  checkAction(value.defaultAction, 'defaultAction');
  checkErrno(value.defaultErrnoRet, 'defaultErrnoRet');
  if (value.architectures !== undefined && value.architectures !== null) {
    if (!isStringArray(value.architectures) || !value.architectures.every((a) => ARCH_RE.test(a))) throw invalid('invalid seccomp profile: architectures must be a list of SCMP_ARCH_* names');
  }
  if (value.archMap !== undefined && value.archMap !== null) {
    if (!Array.isArray(value.archMap)) throw invalid('invalid seccomp profile: archMap must be a list');
    if (isStringArray(value.architectures) && value.architectures.length && value.archMap.length) {
      throw invalid("invalid seccomp profile: both 'architectures' and 'archMap' are given: use one of them");
    }
    value.archMap.forEach((entry: unknown, i: number) => {
      const sub = isObject(entry) ? entry.subArchitectures : undefined;
      if (!isObject(entry) || typeof entry.architecture !== 'string' || !ARCH_RE.test(entry.architecture) || (sub !== undefined && sub !== null && !(isStringArray(sub) && sub.every((a) => ARCH_RE.test(a))))) {
        throw invalid(`invalid seccomp profile: archMap[${i}]: needs architecture and subArchitectures as SCMP_ARCH_* names`);
      }
    });
  }
  syscalls.forEach((call: unknown, i: number) => {
    const where = `syscalls[${i}]`;
    if (!isObject(call)) throw invalid(`invalid seccomp profile: ${where}: must be an object with names and action`);
    const hasNames = call.names !== undefined && call.names !== null;
    if (hasNames && call.name !== undefined) throw invalid(`invalid seccomp profile: ${where}: both 'name' and 'names' are given: use one of them`);
    if (hasNames ? !isStringArray(call.names) || call.names.length === 0 || call.names.some((n) => !n) : typeof call.name !== 'string' || !call.name) {
      throw invalid(`invalid seccomp profile: ${where}: names must be a non-empty list of syscall names`);
    }
    checkAction(call.action, where);
    checkErrno(call.errnoRet, where);
    if (call.args !== undefined && call.args !== null) {
      if (!Array.isArray(call.args)) throw invalid(`invalid seccomp profile: ${where}.args must be a list`);
      call.args.forEach((arg: unknown, j: number) => {
        const at = `${where}.args[${j}]`;
        if (!isObject(arg)) throw invalid(`invalid seccomp profile: ${at}: must be an object with index, value and op`);
        if (!Number.isInteger(arg.index) || (arg.index as number) < 0 || (arg.index as number) > 5) throw invalid(`invalid seccomp profile: ${at}: index must be 0-5`);
        for (const key of ['value', 'valueTwo'] as const) {
          if ((key === 'value' || arg[key] !== undefined) && !(Number.isSafeInteger(arg[key]) && (arg[key] as number) >= 0)) {
            throw invalid(`invalid seccomp profile: ${at}: ${key} must be a non-negative integer`);
          }
        }
        if (!(SECCOMP_OPS as readonly unknown[]).includes(arg.op)) throw invalid(`invalid seccomp profile: ${at}: unknown op ${JSON.stringify(arg.op)} (use one of ${SECCOMP_OPS.join(', ')})`);
      });
    }
    checkConditions(call.includes, `${where}.includes`);
    checkConditions(call.excludes, `${where}.excludes`);
  });
  return value as unknown as DockerSeccompProfile;
}

/** Reads and checks a profile file given to --security-opt seccomp=PATH. */
export function readSeccompProfile(file: string): DockerSeccompProfile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw invalid(`opening seccomp profile (${file}) failed: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid(`decoding seccomp profile failed: ${(error as Error).message}`);
  }
  try {
    return checkSeccompProfile(parsed);
  } catch (error) {
    throw invalid(`${(error as Error).message} (in ${file})`);
  }
}

// ---- the native runtime's view: libseccomp rules, as runc's InitSeccomp makes them

/** SCMP_ACT_* -> the action names of protocol.h's seccomp records. */
const NATIVE_ACTION: Record<string, string> = {
  SCMP_ACT_KILL: 'kill_thread', SCMP_ACT_KILL_THREAD: 'kill_thread', SCMP_ACT_KILL_PROCESS: 'kill_process', SCMP_ACT_TRAP: 'trap',
  SCMP_ACT_ERRNO: 'errno', SCMP_ACT_TRACE: 'trace', SCMP_ACT_ALLOW: 'allow', SCMP_ACT_LOG: 'log',
};
const NATIVE_OP: Record<string, string> = {
  SCMP_CMP_NE: 'ne', SCMP_CMP_LT: 'lt', SCMP_CMP_LE: 'le', SCMP_CMP_EQ: 'eq', SCMP_CMP_GE: 'ge', SCMP_CMP_GT: 'gt', SCMP_CMP_MASKED_EQ: 'masked_eq',
};
const EPERM = 1;

export interface NativeSeccompRule {
  readonly name: string;
  readonly action: string;
  readonly errno: number;
  /** compared together (AND) */
  readonly args: ReadonlyArray<{ index: number; op: string; value: number; valueTwo: number }>;
}

export interface NativeSeccomp {
  readonly defaultAction: string;
  readonly defaultErrno: number;
  /** libseccomp names: x86_64, x86, x32, aarch64, ... */
  readonly architectures: readonly string[];
  readonly rules: readonly NativeSeccompRule[];
}

function nativeAction(action: string, errno: number | undefined, where: string): { action: string; errno: number } {
  const name = NATIVE_ACTION[action];
  if (!name) throw invalid(`seccomp ${where}: action ${action} is not supported by the native runtime`);
  return { action: name, errno: name === 'errno' || name === 'trace' ? errno ?? EPERM : 0 };
}

/** linux.seccomp -> the rules the C adds to libseccomp, with runc's semantics: a rule with the default action is
 * dropped, one rule per name, and conditions on distinct arguments are ANDed while several on one argument become
 * one rule each (OR). */
export function nativeSeccomp(seccomp: OciSeccomp): NativeSeccomp {
  const def = nativeAction(seccomp.defaultAction, seccomp.defaultErrnoRet, 'defaultAction');
  const rules: NativeSeccompRule[] = [];
  for (const call of seccomp.syscalls ?? []) {
    const act = nativeAction(call.action, call.errnoRet, `rule for ${call.names.join(', ')}`);
    if (act.action === def.action && act.errno === def.errno) continue;
    const conds = (call.args ?? []).map((a) => {
      const op = NATIVE_OP[a.op];
      if (!op) throw invalid(`seccomp rule for ${call.names.join(', ')}: unknown op ${a.op}`);
      return { index: a.index, op, value: a.value, valueTwo: a.valueTwo ?? 0 };
    });
    const sameIndex = new Set(conds.map((c) => c.index)).size < conds.length;
    const groups = sameIndex ? conds.map((c) => [c]) : [conds];
    for (const name of call.names) for (const args of groups) rules.push({ name, ...act, args });
  }
  const architectures = (seccomp.architectures ?? []).map((a) => a.replace(/^SCMP_ARCH_/, '').toLowerCase());
  return { defaultAction: def.action, defaultErrno: def.errno, architectures, rules };
}
