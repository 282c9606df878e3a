// Docker's default seccomp profile (issue 11 row 4 and "no seccomp at all"),
// with both runtimes: the native one (the monitor compiles the profile with
// libseccomp, the container init, berth-exec and health probes load it) and
// runc (which reads linux.seccomp from config.json itself).
//
// native/probes/syscalls tries one call of each class the profile refuses and
// prints "<label> ok" or "<label> <ERRNO>" per call; where the kernel itself
// would say something else than EPERM (a bad pointer, an unknown flag), its
// arguments are chosen so, and seccomp=unconfined runs show the difference.
// native/probes/cgroup-limits is row 4: `unshare -Urm -C`, mount the v1
// memory and pids hierarchies, raise the container's own limits.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { berth, ok, removeAll } from '../_berth.js';
import { eventually, outsideDir } from '../_helpers.js';
import { NATIVE_BUILD } from '../../src/engine/sys.js';
import { convertProfile, defaultSeccompProfile, nativeSeccomp, ociSeccomp, readSeccompProfile } from '../../src/engine/security/seccomp.js';
import { DEFAULT_CAPABILITIES } from '../../src/engine/runtime/oci-defaults.js';

const test = suite('security: seccomp, Docker\'s default profile');

const PROBES = path.join(NATIVE_BUILD, 'probes');
const VOLUME = ['-v', `${PROBES}:/probes:ro`];
const NONE = ['--net', 'none'];
const hasRunc = (() => { try { execFileSync('runc', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } })();
const RUNTIMES = hasRunc ? ['native', 'runc'] : ['native'];

/** Refused by the default profile for a container with Docker's default capabilities: EPERM (clone3: ENOSYS, so libc falls back to clone). */
const DENIED = [
  'unshare_user', 'unshare_mount', 'unshare_cgroup', 'clone_newuser', 'setns', 'keyctl', 'add_key', 'request_key',
  'perf_event_open', 'io_uring_setup', 'userfaultfd', 'bpf', 'personality_read_implies_exec', 'mount', 'umount2',
  'kexec_load', 'open_by_handle_at', 'init_module', 'finit_module', 'swapon', 'reboot', 'acct', 'clock_settime',
  'settimeofday', 'quotactl', 'nfsservctl', 'uselib', 'sysctl', 'socket_vsock', 'socket_alg',
];
/** Allowed, as Docker allows them (ptrace since Linux 4.8: seccomp can no longer be bypassed with it). */
const ALLOWED = ['personality_linux', 'personality_query', 'ptrace_traceme', 'getpid', 'read', 'write', 'clone', 'fork', 'socket_inet', 'mkdir'];

let outside = '';
let canary = '';
const CANARY_TEXT = 'canary: nothing in a container may change this\n';

/** "label result" lines -> a map. */
function parse(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) (\S+)$/.exec(line.trim());
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

function assertDefault(results: Map<string, string>, what: string): void {
  for (const label of DENIED) assert.is(results.get(label), 'EPERM', `${what}: ${label}`);
  assert.is(results.get('clone3'), 'ENOSYS', `${what}: clone3`);
  for (const label of ALLOWED) assert.is(results.get(label), 'ok', `${what}: ${label}`);
}

async function probeRun(args: readonly string[], probe = '/probes/syscalls'): Promise<Map<string, string>> {
  return parse(await ok(['run', '--rm', ...NONE, ...VOLUME, ...args, 'busybox', 'sh', '-c', probe]));
}

/** The container's `sleep`: State.Pid itself (native), or a descendant of it (runc: State.Pid is `runc run`). */
function findProcess(pid: number, comm: string): number {
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    try {
      if (fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim() === comm) return p;
      for (const task of fs.readdirSync(`/proc/${p}/task`)) {
        queue.push(...fs.readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
      }
    } catch { /* gone */ }
  }
  throw new Error(`no ${comm} process under ${pid}`);
}

/** The host's view of one v1 controller file of a running container's cgroup. */
function hostCgroupFile(pid: number, controller: string, file: string): string {
  const line = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1]?.split(',').includes(controller));
  assert.ok(line, `the container is in a ${controller} cgroup`);
  return path.join('/sys/fs/cgroup', controller, line!.split(':')[2]!, file);
}

test.before(async () => {
  for (const probe of ['syscalls', 'cgroup-limits']) assert.ok(fs.existsSync(path.join(PROBES, probe)), `build the probes first: make -C native (${PROBES}/${probe} missing)`);
  await ok(['pull', 'busybox']);
  outside = outsideDir('berth-seccomp-');
  canary = path.join(outside, 'canary');
  fs.writeFileSync(canary, CANARY_TEXT);
});

test.after(async () => {
  await removeAll();
  if (outside) fs.rmSync(outside, { recursive: true, force: true });
});

test.after.each(() => {
  assert.is(fs.readFileSync(canary, 'utf8'), CANARY_TEXT, 'the canary outside every rootfs is untouched');
});

// ---- the conversion (moby's setupSeccomp rules), without a container

test('the default profile becomes linux.seccomp for x86-64 with Docker\'s rules for the default capabilities', () => {
  const oci = ociSeccomp({ kind: 'default' }, DEFAULT_CAPABILITIES, { arch: 'x64', kernel: [6, 1] })!;
  assert.is(oci.defaultAction, 'SCMP_ACT_ERRNO');
  assert.is(oci.defaultErrnoRet, 1);
  assert.equal(oci.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  const names = (action: string) => new Set(oci.syscalls!.filter((s) => s.action === action && !s.args).flatMap((s) => s.names));
  const allowed = names('SCMP_ACT_ALLOW');
  for (const name of ['read', 'write', 'getpid', 'fork', 'execve', 'ptrace', 'arch_prctl', 'modify_ldt', 'chroot']) assert.ok(allowed.has(name), `${name} allowed`);
  for (const name of ['unshare', 'setns', 'mount', 'keyctl', 'add_key', 'io_uring_setup', 'userfaultfd', 'bpf', 'perf_event_open', 'reboot', 'kexec_load', 's390_runtime_instr', 'riscv_flush_icache']) {
    assert.not.ok(allowed.has(name), `${name} not allowed`);
  }
  // clone only without namespace flags; clone3 ENOSYS; personality only the five personas
  const clone = oci.syscalls!.find((s) => s.names.includes('clone'))!;
  assert.equal(clone.args, [{ index: 0, value: 0x7e020000, op: 'SCMP_CMP_MASKED_EQ' }]);
  assert.equal(oci.syscalls!.find((s) => s.names.includes('clone3')), { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
  assert.equal(oci.syscalls!.filter((s) => s.names.includes('personality')).map((s) => s.args![0]!.value), [0, 8, 0x20000, 0x20008, 0xffffffff]);
});

test('capability-conditional rules follow the capabilities; minKernel and arches are checked', () => {
  const admin = ociSeccomp({ kind: 'default' }, [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'], { arch: 'x64', kernel: [6, 1] })!;
  const allowed = new Set(admin.syscalls!.filter((s) => s.action === 'SCMP_ACT_ALLOW' && !s.args).flatMap((s) => s.names));
  for (const name of ['unshare', 'setns', 'mount', 'clone', 'clone3', 'bpf']) assert.ok(allowed.has(name), `${name} with CAP_SYS_ADMIN`);
  assert.not.ok(admin.syscalls!.some((s) => s.names.includes('clone3') && s.action === 'SCMP_ACT_ERRNO'), 'no clone3 ENOSYS with CAP_SYS_ADMIN');
  assert.not.ok(admin.syscalls!.some((s) => s.names.includes('clone') && s.args), 'no clone flag filter with CAP_SYS_ADMIN');
  const none = ociSeccomp({ kind: 'default' }, [], { arch: 'x64', kernel: [6, 1] })!;
  assert.not.ok(none.syscalls!.some((s) => s.names.includes('chroot')), 'chroot needs CAP_SYS_CHROOT');
  const old = ociSeccomp({ kind: 'default' }, DEFAULT_CAPABILITIES, { arch: 'x64', kernel: [4, 4] })!;
  assert.not.ok(old.syscalls!.some((s) => s.names.includes('ptrace')), 'ptrace needs Linux 4.8 without CAP_SYS_PTRACE');
  const arm = ociSeccomp({ kind: 'default' }, DEFAULT_CAPABILITIES, { arch: 'arm64', kernel: [6, 1] })!;
  assert.equal(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  assert.ok(arm.syscalls!.some((s) => s.names.includes('cacheflush')));
  assert.not.ok(arm.syscalls!.some((s) => s.names.includes('arch_prctl')));
  assert.is(ociSeccomp({ kind: 'unconfined' }, DEFAULT_CAPABILITIES), undefined);
});

test('the native runtime\'s rules: the default action\'s rules dropped, one per name, conditions on one argument OR-ed', () => {
  const native = nativeSeccomp(convertProfile({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO' },
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
      { names: ['mmap'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 2, value: 4, valueTwo: 4, op: 'SCMP_CMP_MASKED_EQ' }] },
    ],
  }, [], { arch: 'x64' })!);
  assert.is(native.defaultAction, 'errno');
  assert.is(native.defaultErrno, 1);
  assert.equal(native.rules.map((r) => [r.name, r.action, r.errno, r.args.length]), [
    ['read', 'allow', 0, 0], ['write', 'allow', 0, 0], ['socket', 'allow', 0, 1], ['socket', 'allow', 0, 1], ['mmap', 'errno', 13, 2],
  ]);
});

test('a profile file is checked: unknown actions, ops, both name and names, bad JSON', () => {
  const write = (name: string, body: string) => { const file = path.join(outside, name); fs.writeFileSync(file, body); return file; };
  assert.throws(() => readSeccompProfile(write('a.json', '{"defaultAction":"SCMP_ACT_NOPE"}')), /unknown action "SCMP_ACT_NOPE"/);
  assert.throws(() => readSeccompProfile(write('b.json', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":1,"op":"SCMP_CMP_ALMOST"}]}]}')), /unknown op "SCMP_CMP_ALMOST"/);
  assert.throws(() => readSeccompProfile(write('c.json', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"x","names":["y"],"action":"SCMP_ACT_ERRNO"}]}')), /both 'name' and 'names'/);
  assert.throws(() => readSeccompProfile(write('d.json', '{"defaultAction":')), /decoding seccomp profile failed/);
  assert.throws(() => readSeccompProfile(write('e.json', '{"syscalls":[{"names":["x"],"action":"SCMP_ACT_ERRNO"}]}')), /defaultAction: action missing/);
  assert.throws(() => readSeccompProfile(write('f.json', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_NOTIFY"}]}')), /seccomp agent/);
  assert.ok(defaultSeccompProfile().syscalls!.length > 20);
});

test('berth run refuses a bad profile before creating anything', async () => {
  const file = path.join(outside, 'bad.json');
  fs.writeFileSync(file, '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_NOPE"}]}');
  const result = await berth(['run', '--rm', ...NONE, '--security-opt', `seccomp=${file}`, 'busybox', 'true']);
  assert.is.not(result.code, 0);
  assert.match(result.stderr, /unknown action "SCMP_ACT_NOPE"/);
});

// ---- real containers

for (const runtime of RUNTIMES) {
  test(`${runtime}: a default container gets EPERM for every refused class, and ordinary calls work`, async () => {
    assertDefault(await probeRun(['--runtime', runtime]), runtime);
  });
}

test('seccomp=unconfined (the control): the same calls reach the kernel, and unshare -U works again', async () => {
  const results = await probeRun(['--security-opt', 'seccomp=unconfined']);
  // what the default profile refuses and the kernel allows (the list)
  for (const label of ['unshare_user', 'clone_newuser', 'keyctl', 'add_key', 'perf_event_open', 'io_uring_setup', 'userfaultfd', 'personality_read_implies_exec', 'clone3']) {
    assert.is(results.get(label), 'ok', `unconfined: ${label}`);
  }
  // where the kernel answers something else than seccomp's EPERM
  assert.is(results.get('mount'), 'EFAULT');
  assert.is(results.get('umount2'), 'EINVAL');
  assert.is(results.get('setns'), 'EBADF');
  assert.is(results.get('clock_settime'), 'EINVAL');
  assert.is(results.get('request_key'), 'ENOKEY');
  assert.is(results.get('nfsservctl'), 'ENOSYS');
  const unshare = await berth(['run', '--rm', ...NONE, '--security-opt', 'seccomp=unconfined', 'busybox', 'unshare', '-U', 'true']);
  assert.is(unshare.code, 0, unshare.stderr);
  const refused = await berth(['run', '--rm', ...NONE, 'busybox', 'unshare', '-U', 'true']);
  assert.is.not(refused.code, 0);
  assert.match(refused.stderr + refused.stdout, /Operation not permitted/);
});

test('--cap-add SYS_ADMIN opens the capability-conditional rules (a mount namespace), not the rest', async () => {
  const results = await probeRun(['--cap-add', 'SYS_ADMIN']);
  assert.is(results.get('unshare_mount'), 'ok');
  assert.is(results.get('unshare_user'), 'ok');
  assert.is(results.get('clone3'), 'ok');
  assert.is(results.get('mount'), 'EFAULT', 'mount reaches the kernel');
  for (const label of ['keyctl', 'add_key', 'io_uring_setup', 'userfaultfd', 'kexec_load', 'reboot', 'personality_read_implies_exec']) assert.is(results.get(label), 'EPERM', `SYS_ADMIN: ${label}`);
});

test('no-new-privileges=false: the filter goes on before the capability drop, and still holds', async () => {
  const out = await ok(['run', '--rm', ...NONE, ...VOLUME, '--security-opt', 'no-new-privileges=false', 'busybox', 'sh', '-c', '/probes/syscalls unshare_user keyctl fork; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status']);
  assert.match(out, /unshare_user EPERM/);
  assert.match(out, /keyctl EPERM/);
  assert.match(out, /fork ok/);
  assert.match(out, /NoNewPrivs:\s+0/);
  assert.match(out, /Seccomp:\s+2/);
});

for (const runtime of RUNTIMES) {
  test(`${runtime}: a user profile (Docker's format) that denies mkdir with EACCES`, async () => {
    const file = path.join(outside, 'deny-mkdir.json');
    fs.writeFileSync(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] }));
    const result = await berth(['run', '--rm', '--runtime', runtime, ...NONE, '--security-opt', `seccomp=${file}`, 'busybox', 'mkdir', '/tmp/d']);
    assert.is(result.code, 1);
    assert.match(result.stderr, /can't create directory '\/tmp\/d': Permission denied/);
    // nothing else is refused by this profile
    const results = await probeRun(['--runtime', runtime, '--security-opt', `seccomp=${file}`]);
    assert.is(results.get('mkdir'), 'EACCES');
    assert.is(results.get('unshare_user'), 'ok');
  });
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: row 4, unshare -Urm -C and a v1 memory/pids hierarchy cannot lift -m 64m --pids-limit 50`, async () => {
    const name = `row4-${runtime}`;
    await ok(['run', '-d', '--name', name, '--runtime', runtime, ...NONE, ...VOLUME, '-m', '64m', '--pids-limit', '50', 'busybox', 'sleep', '300']);
    const pid = findProcess(Number((await ok(['inspect', '--format', '{{.State.Pid}}', name])).trim()), 'sleep');
    const memory = hostCgroupFile(pid, 'memory', 'memory.limit_in_bytes');
    const pids = hostCgroupFile(pid, 'pids', 'pids.max');
    assert.is(fs.readFileSync(memory, 'utf8').trim(), String(64 * 1024 * 1024));
    assert.is(fs.readFileSync(pids, 'utf8').trim(), '50');
    // from `berth exec` (the exec'd process gets the container's filter) and from the container's own process
    const exec = await berth(['exec', name, 'sh', '-c', '/probes/cgroup-limits']);
    assert.is(exec.code, 1, exec.stdout + exec.stderr);
    assert.match(exec.stdout, /^unshare EPERM$/m);
    const run = await berth(['run', '--rm', '--runtime', runtime, ...NONE, ...VOLUME, '-m', '64m', '--pids-limit', '50', 'busybox', 'sh', '-c', '/probes/cgroup-limits; unshare -Urm true']);
    assert.match(run.stdout, /^unshare EPERM$/m);
    assert.match(run.stderr, /Operation not permitted/);
    assert.is(fs.readFileSync(memory, 'utf8').trim(), String(64 * 1024 * 1024), 'the host still says 64m');
    assert.is(fs.readFileSync(pids, 'utf8').trim(), '50', 'the host still says 50 pids');
    await ok(['rm', '-f', name]);
  });
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: berth exec and health probes get the container's filter`, async () => {
    const name = `exec-${runtime}`;
    await ok(['run', '-d', '--name', name, '--runtime', runtime, ...NONE, ...VOLUME, '--health-cmd', '! unshare -U true', '--health-interval', '200ms', 'busybox', 'sleep', '300']);
    const results = parse(await ok(['exec', name, 'sh', '-c', '/probes/syscalls']));
    assertDefault(results, `${runtime} exec`);
    assert.match(await ok(['exec', name, 'grep', 'Seccomp:', '/proc/self/status']), /Seccomp:\s+2/);
    const health = await eventually(async () => {
      const h = JSON.parse(await ok(['inspect', '--format', '{{json .State.Health}}', name])) as { Status: string; Log: Array<{ Output: string }> };
      return h.Status !== 'starting' ? h : undefined;
    }, 15_000, 'a health result');
    assert.is(health.Status, 'healthy', JSON.stringify(health));
    assert.match(health.Log.at(-1)!.Output, /Operation not permitted/);
    await ok(['rm', '-f', name]);
  });
}

test('health probes of an unconfined container are unconfined too (the control)', async () => {
  const name = 'health-unconfined';
  await ok(['run', '-d', '--name', name, ...NONE, '--security-opt', 'seccomp=unconfined', '--health-cmd', '! unshare -U true', '--health-interval', '200ms', '--health-retries', '1', 'busybox', 'sleep', '300']);
  const health = await eventually(async () => {
    const h = JSON.parse(await ok(['inspect', '--format', '{{json .State.Health}}', name])) as { Status: string };
    return h.Status === 'unhealthy' ? h : undefined;
  }, 15_000, 'unhealthy');
  assert.is(health.Status, 'unhealthy');
  await ok(['rm', '-f', name]);
});

test('the compiled program is kept host-only (mode 0600) and reused across containers', async () => {
  const root = process.env.BERTH_ROOT ?? '';
  assert.ok(root, 'the test runner gives a BERTH_ROOT');
  const cache = path.join(root, 'seccomp');
  const files = fs.readdirSync(cache).filter((f) => f.endsWith('.bpf'));
  assert.ok(files.length >= 1, 'compiled programs are cached');
  for (const f of files) assert.is(fs.statSync(path.join(cache, f)).mode & 0o777, 0o600, f);
  const before = new Set(files);
  await ok(['run', '--rm', ...NONE, 'busybox', 'true']);
  assert.equal(new Set(fs.readdirSync(cache).filter((f) => f.endsWith('.bpf'))), before, 'the default profile\'s program was reused');
  void os;
});

test.run();
