// The devices allow-list on cgroup v2.  v2 has no devices.allow file: the
// kernel asks a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup
// instead, once per open/mknod of a device node.  We generate that program
// here from config.json's linux.resources.devices rules (as runc's
// libcontainer/cgroups/devices/devicefilter.go does) and the addon loads and
// attaches it (native/addon/berth_sys.c cgroupDeviceFilter).
//
// The program sees struct bpf_cgroup_dev_ctx { u32 access_type; u32 major;
// u32 minor; } with access_type = (access << 16) | type, and returns 1 to
// allow, 0 to deny (the caller then gets EPERM).  Rules are tried from the
// last to the first, as a later devices.allow/deny write wins on v1; nothing
// matching means deny.
import { sys, type Sys } from '../sys.js';
import type { OciDeviceRule } from './oci-types.js';

// <linux/bpf.h>
const BPF_DEVCG_ACC_MKNOD = 1, BPF_DEVCG_ACC_READ = 2, BPF_DEVCG_ACC_WRITE = 4;
const BPF_DEVCG_DEV_BLOCK = 1, BPF_DEVCG_DEV_CHAR = 2;

// Opcodes: class | op | source.
const LDX_MEM_W = 0x61; // BPF_LDX | BPF_MEM | BPF_W
const ALU32_AND_K = 0x54; // BPF_ALU | BPF_AND | BPF_K
const ALU32_RSH_K = 0x74; // BPF_ALU | BPF_RSH | BPF_K
const ALU32_MOV_X = 0xbc; // BPF_ALU | BPF_MOV | BPF_X
const ALU64_MOV_K = 0xb7; // BPF_ALU64 | BPF_MOV | BPF_K
const JMP_JNE_K = 0x55; // BPF_JMP | BPF_JNE | BPF_K
const JMP_JNE_X = 0x5d; // BPF_JMP | BPF_JNE | BPF_X
const JMP_JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JMP_EXIT = 0x95;

/** One instruction: struct bpf_insn { u8 code; u8 dst:4, src:4; s16 off; s32 imm; }. */
export interface Insn { readonly code: number; readonly dst: number; readonly src: number; readonly off: number; readonly imm: number }
const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });

function accessBits(access: string): number {
  let bits = 0;
  if (access.includes('m')) bits |= BPF_DEVCG_ACC_MKNOD;
  if (access.includes('r')) bits |= BPF_DEVCG_ACC_READ;
  if (access.includes('w')) bits |= BPF_DEVCG_ACC_WRITE;
  return bits;
}

const wildcard = (n: number | undefined) => n === undefined || n === null || n < 0;

const NEXT = -1; // a jump's placeholder: "to the next rule"

/** The tests of one rule, each jumping to the next rule on a mismatch, then "return allow/deny". */
function ruleBlock(rule: OciDeviceRule): Insn[] | undefined {
  const block: Insn[] = [];
  const type = rule.type ?? 'a';
  if (type === 'c' || type === 'b') {
    block.push(insn(JMP_JNE_K, 2, 0, NEXT, type === 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK));
  } else if (type !== 'a') {
    return undefined; // 'p' (fifos) are not devices the kernel asks about
  }
  const bits = accessBits(rule.access ?? 'rwm');
  if (bits === 0) return undefined;
  if (bits !== 7) {
    // An allow matches when all that is asked is allowed ((asked & rule) == asked); a deny as soon as
    // any of it is denied ((asked & rule) != 0): open(O_RDWR) after "deny w" is refused, as on v1.
    block.push(insn(ALU32_MOV_X, 1, 3, 0, 0), insn(ALU32_AND_K, 1, 0, 0, bits));
    block.push(rule.allow ? insn(JMP_JNE_X, 1, 3, NEXT, 0) : insn(JMP_JEQ_K, 1, 0, NEXT, 0));
  }
  if (!wildcard(rule.major)) block.push(insn(JMP_JNE_K, 4, 0, NEXT, rule.major!));
  if (!wildcard(rule.minor)) block.push(insn(JMP_JNE_K, 5, 0, NEXT, rule.minor!));
  block.push(insn(ALU64_MOV_K, 0, 0, 0, rule.allow ? 1 : 0), insn(JMP_EXIT, 0, 0, 0, 0));
  // A jump's offset counts the instructions it skips: to just past this block.
  return block.map((i, n) => (i.off === NEXT ? { ...i, off: block.length - n - 1 } : i));
}

/** config.json device rules -> the program's instructions. */
export function deviceFilterProgram(rules: readonly OciDeviceRule[]): Insn[] {
  const program: Insn[] = [
    insn(LDX_MEM_W, 2, 1, 0, 0), // r2 = ctx->access_type
    insn(ALU32_AND_K, 2, 0, 0, 0xffff), // r2 &= 0xffff: the type
    insn(LDX_MEM_W, 3, 1, 0, 0), // r3 = ctx->access_type
    insn(ALU32_RSH_K, 3, 0, 0, 16), // r3 >>= 16: the access
    insn(LDX_MEM_W, 4, 1, 4, 0), // r4 = ctx->major
    insn(LDX_MEM_W, 5, 1, 8, 0), // r5 = ctx->minor
  ];
  for (const rule of [...rules].reverse()) {
    const block = ruleBlock(rule);
    if (!block) continue;
    program.push(...block);
    // A rule that matches everything ("a *:* rwm") ends the program: the verifier refuses unreachable code.
    if (block.length === 2) return program;
  }
  program.push(insn(ALU64_MOV_K, 0, 0, 0, 0), insn(JMP_EXIT, 0, 0, 0, 0)); // nothing matched: deny
  return program;
}

/** The instructions as the kernel reads them (little-endian struct bpf_insn). */
export function encodeProgram(program: readonly Insn[]): Buffer {
  const buffer = Buffer.alloc(program.length * 8);
  program.forEach((i, n) => {
    buffer.writeUInt8(i.code, n * 8);
    buffer.writeUInt8((i.src << 4) | i.dst, n * 8 + 1);
    buffer.writeInt16LE(i.off, n * 8 + 2);
    buffer.writeInt32LE(i.imm | 0, n * 8 + 4);
  });
  return buffer;
}

interface DeviceBpf {
  /** loads the program and attaches it to the cgroup dir (BPF_F_ALLOW_MULTI), detaching older ones; returns how many it replaced */
  cgroupDeviceFilter(dir: string, insns: Buffer): number;
  /** how many device programs are attached to that cgroup itself */
  cgroupDevicePrograms(dir: string): number;
}
const bpf = () => sys() as Sys & DeviceBpf;

/** Attaches the rules to a v2 cgroup directory, replacing any filter a previous start left. */
export function attachDeviceFilter(dir: string, rules: readonly OciDeviceRule[]): number {
  return bpf().cgroupDeviceFilter(dir, encodeProgram(deviceFilterProgram(rules)));
}

export function deviceFilterCount(dir: string): number {
  return bpf().cgroupDevicePrograms(dir);
}

/** v1's text for one rule: "c 1:3 rwm", "c 136:* rwm", "a *:* rwm" (devices.allow / devices.deny). */
export function v1DeviceRule(rule: OciDeviceRule): string {
  const num = (n: number | undefined) => (wildcard(n) ? '*' : String(n));
  return `${rule.type ?? 'a'} ${num(rule.major)}:${num(rule.minor)} ${rule.access ?? 'rwm'}`;
}
