/*
 * syscalls — tries one call of each class Docker's default seccomp profile
 * refuses (and a few it allows) and prints one line per call:
 *
 *   <label> ok            the call succeeded
 *   <label> <ERRNO NAME>  it failed, e.g. "keyctl EPERM"
 *
 * Used by test/security/seccomp.ts inside containers.  Where the kernel
 * itself would answer something else than EPERM (a bad pointer, an unknown
 * flag), the arguments are chosen so: then EPERM can only come from seccomp.
 * An argument "mkdir" (or any label) runs only the calls named.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif

static char **only;

static int wanted(const char *label) {
  if (!only || !*only) return 1;
  for (char **p = only; *p; p++)
    if (!strcmp(*p, label)) return 1;
  return 0;
}

static void report(const char *label, long r, int e) {
  if (r >= 0) printf("%s ok\n", label);
  else printf("%s %s\n", label, strerrorname_np(e) ? strerrorname_np(e) : "E?");
  fflush(stdout);
}

#define TRY(label, expr)                   \
  do {                                     \
    if (wanted(label)) {                   \
      errno = 0;                           \
      long r_ = (long)(expr);              \
      report(label, r_, errno);            \
    }                                      \
  } while (0)

/* A child made by a raw clone/fork: it exits at once; the result is the parent's. */
static long reap(long pid) {
  if (pid == 0) _exit(0);
  if (pid > 0) waitpid((pid_t)pid, NULL, 0);
  return pid;
}

static long in_child(long (*fn)(void)) {
  /* calls that change the process (unshare, personality) run in a child */
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    errno = 0;
    long r = fn();
    _exit(r >= 0 ? 0 : (errno & 0xff) ? errno : 255);
  }
  int status;
  waitpid(pid, &status, 0);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
  if (code == 0) return 0;
  errno = code;
  return -1;
}

static long unshare_user(void) { return unshare(CLONE_NEWUSER); }
static long unshare_mount(void) { return unshare(CLONE_NEWNS); }
static long unshare_cgroup(void) { return unshare(CLONE_NEWCGROUP); }
static long persona_rie(void) { return personality(READ_IMPLIES_EXEC); }
static long persona_linux(void) { return personality(PER_LINUX); }
static long persona_query(void) { return personality(0xffffffff); }
static long ptrace_me(void) { return ptrace(PTRACE_TRACEME, 0, NULL, NULL); }

static long io_uring(void) {
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  return syscall(SYS_io_uring_setup, 1, &p);
}

static long perf_open(void) {
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_TASK_CLOCK;
  attr.exclude_kernel = 1;
  return syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
}

static long bpf_map(void) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.map_type = BPF_MAP_TYPE_ARRAY;
  attr.key_size = 4;
  attr.value_size = 4;
  attr.max_entries = 1;
  return syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
}

static long clock_set_monotonic(void) {
  struct timespec ts = { 0, 0 };
  return syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts); /* the kernel: EINVAL (not settable) */
}

static long clone3_plain(void) {
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.exit_signal = SIGCHLD;
  return reap(syscall(SYS_clone3, &args, sizeof args));
}

static long write_stdout(void) {
  return write(1, "", 0);
}

static long read_null(void) {
  char c;
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  long r = read(fd, &c, 1);
  close(fd);
  return r;
}

static long make_dir(void) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/berth-probe-%d", (int)getpid());
  long r = mkdir(path, 0700);
  if (r == 0) rmdir(path);
  return r;
}

int main(int argc, char **argv) {
  only = argv + 1;
  (void)argc;
  /* namespaces: Docker allows them only with CAP_SYS_ADMIN (issue 11 row 4) */
  TRY("unshare_user", in_child(unshare_user));
  TRY("unshare_mount", in_child(unshare_mount));
  TRY("unshare_cgroup", in_child(unshare_cgroup));
  TRY("clone_newuser", reap(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL)));
  TRY("clone3", clone3_plain());
  TRY("setns", syscall(SYS_setns, -1, 0)); /* the kernel: EBADF */
  /* keys */
  TRY("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
  TRY("add_key", syscall(SYS_add_key, "user", "berth-probe", "x", 1, KEY_SPEC_PROCESS_KEYRING));
  TRY("request_key", syscall(SYS_request_key, "user", "berth-probe-missing", NULL, 0)); /* the kernel: ENOKEY */
  /* kernel attack surface */
  TRY("perf_event_open", perf_open());
  TRY("io_uring_setup", io_uring());
  TRY("userfaultfd", syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY));
  TRY("bpf", bpf_map());
  TRY("personality_read_implies_exec", in_child(persona_rie));
  /* mounts and system-wide state */
  TRY("mount", mount("none", (const char *)1, "tmpfs", 0, NULL)); /* the kernel: EFAULT */
  TRY("umount2", umount2("/", 0x80)); /* the kernel: EINVAL (unknown flag) */
  TRY("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
  TRY("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, NULL, 0)); /* the kernel: EBADF or EPERM */
  TRY("init_module", syscall(SYS_init_module, NULL, 0, ""));
  TRY("finit_module", syscall(SYS_finit_module, -1, "", 0));
  TRY("swapon", syscall(SYS_swapon, NULL, 0));
  TRY("reboot", syscall(SYS_reboot, 0, 0, 0, NULL)); /* the kernel: EINVAL (bad magic) or EPERM */
  TRY("acct", syscall(SYS_acct, NULL));
  TRY("clock_settime", clock_set_monotonic());
  TRY("settimeofday", syscall(SYS_settimeofday, NULL, NULL));
  TRY("quotactl", syscall(SYS_quotactl, 0x7fffff00, NULL, 0, NULL)); /* the kernel: EINVAL */
  TRY("nfsservctl", syscall(SYS_nfsservctl, 0, NULL, NULL)); /* the kernel: ENOSYS */
  TRY("uselib", syscall(SYS_uselib, NULL)); /* obsolete (vm86 has no x86_64 number): the kernel says ENOSYS or EFAULT */
  TRY("sysctl", syscall(SYS__sysctl, NULL)); /* removed from the kernel: ENOSYS */
  TRY("socket_vsock", socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0));
  TRY("socket_alg", socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  /* allowed */
  TRY("personality_linux", in_child(persona_linux));
  TRY("personality_query", in_child(persona_query));
  TRY("ptrace_traceme", in_child(ptrace_me));
  TRY("getpid", getpid());
  TRY("read", read_null());
  TRY("write", write_stdout());
  TRY("clone", reap(syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL)));
  TRY("fork", reap(fork()));
  TRY("socket_inet", socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  TRY("mkdir", make_dir());
  return 0;
}
