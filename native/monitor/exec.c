/*
 * berth-exec — runs a process inside a running container (protocol.h section 9):
 *
 *   berth-exec --pid <host pid of the container init> [--ns pid,mount,uts,ipc,net,cgroup]
 *              [--cgroup <cgroup.procs path>]... [--uid N] [--gid N] [--group N]...
 *              [--cwd DIR] [--env K=V]... [--cap N]... [--no-new-privs] [--seccomp FILE] -- ARGV...
 *
 * Joins the cgroups, setns()es into each namespace (all that differ from ours
 * when --ns is not given), forks (so that the pid namespace applies), and the
 * child applies user, capabilities, cwd and environment like the container
 * init, then execs.  The parent forwards signals and exits with the child's
 * code (128+signal when killed).  Stdio is inherited, and nothing else: every
 * fd above 2 is closed first (a host directory fd would lead out of the
 * container through /proc/self/fd/N).  It runs from a sealed memfd copy of
 * itself and is non-dumpable until the exec (sealed.c): a process in the
 * container can neither open nor rewrite it through /proc/PID/exe.
 * Exit codes: 125 could not enter, 126 cannot invoke, 127 not found.
 */
#include "common.h"
#include "../include/protocol.h"
#include "sealed.h"
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_ENTER 125

static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

struct options {
  pid_t pid;
  int ns_mask; /* CLONE_NEW* flags, or BERTH_NS_DIFFERING without --ns */
  char **cgroups, **env;
  size_t ncgroups, nenv;
  gid_t *groups;
  int *caps;
  struct process_cfg cfg;
  const char *seccomp_file; /* the container's compiled filter (the monitor's seccomp_file), read before entering */
  struct seccomp_program seccomp;
};

static void die(const berth_error *err, int code) __attribute__((noreturn));
static void die(const berth_error *err, int code) {
  fprintf(stderr, "berth-exec: %s\n", err->msg);
  exit(code);
}

static void *append(void *arr, size_t *n, size_t size, const void *item) {
  char *grown = realloc(arr, (*n + 2) * size);
  if (!grown) {
    fprintf(stderr, "berth-exec: out of memory\n");
    exit(EXIT_ENTER);
  }
  memcpy(grown + *n * size, item, size);
  memset(grown + (*n + 1) * size, 0, size);
  (*n)++;
  return grown;
}

static long number(const char *opt, const char *value) {
  char *end;
  errno = 0;
  long v = strtol(value, &end, 10);
  if (errno || end == value || *end) {
    fprintf(stderr, "berth-exec: --%s: not a number: %s\n", opt, value);
    exit(EXIT_ENTER);
  }
  return v;
}

static void parse_ns(struct options *o, char *list) {
  berth_error err;
  if (o->ns_mask == BERTH_NS_DIFFERING) o->ns_mask = 0;
  if (ns_mask_parse(list, &o->ns_mask, &err) < 0) die(&err, EXIT_ENTER);
}

static void parse(struct options *o, int argc, char **argv) {
  static const struct option longopts[] = {
    { BERTH_EXEC_OPT_PID, 1, 0, 'p' }, { BERTH_EXEC_OPT_NAMESPACES, 1, 0, 'n' }, { BERTH_EXEC_OPT_CGROUP, 1, 0, 'c' },
    { BERTH_EXEC_OPT_UID, 1, 0, 'u' }, { BERTH_EXEC_OPT_GID, 1, 0, 'g' }, { BERTH_EXEC_OPT_GROUP, 1, 0, 'G' },
    { BERTH_EXEC_OPT_CWD, 1, 0, 'w' }, { BERTH_EXEC_OPT_ENV, 1, 0, 'e' }, { BERTH_EXEC_OPT_CAP, 1, 0, 'C' },
    { BERTH_EXEC_OPT_NO_NEW_PRIVS, 0, 0, 'N' }, { BERTH_EXEC_OPT_SECCOMP, 1, 0, 'S' }, { 0, 0, 0, 0 },
  };
  int c;
  o->cfg.cwd = "/";
  o->ns_mask = BERTH_NS_DIFFERING;
  while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
    gid_t gid;
    int cap;
    switch (c) {
    case 'p': o->pid = (pid_t)number("pid", optarg); break;
    case 'n': parse_ns(o, optarg); break;
    case 'c': o->cgroups = append(o->cgroups, &o->ncgroups, sizeof(char *), &optarg); break;
    case 'u': o->cfg.uid = (uid_t)number("uid", optarg); break;
    case 'g': o->cfg.gid = (gid_t)number("gid", optarg); break;
    case 'G': gid = (gid_t)number("group", optarg), o->groups = append(o->groups, &o->cfg.ngroups, sizeof gid, &gid); break;
    case 'w': o->cfg.cwd = optarg; break;
    case 'e': o->env = append(o->env, &o->nenv, sizeof(char *), &optarg); break;
    case 'C': cap = (int)number("cap", optarg), o->caps = append(o->caps, &o->cfg.ncaps, sizeof cap, &cap); break;
    case 'N': o->cfg.no_new_privs = 1; break;
    case 'S': o->seccomp_file = optarg; break;
    default: exit(EXIT_ENTER);
    }
  }
  if (o->pid <= 0 || optind >= argc) {
    fprintf(stderr, "usage: berth-exec --pid PID [--ns LIST] [--cgroup PATH]... [--uid N] [--gid N] [--group N]... "
                    "[--cwd DIR] [--env K=V]... [--cap N]... [--no-new-privs] [--seccomp FILE] -- ARGV...\n");
    exit(EXIT_ENTER);
  }
  o->cfg.groups = o->groups, o->cfg.caps = o->caps, o->cfg.argv = argv + optind;
  static char *empty[] = { NULL };
  o->cfg.env = o->env ? o->env : empty;
}

static int enter(const struct options *o, berth_error *err) {
  return enter_container(o->pid, o->ns_mask, o->cgroups, o->ncgroups, err);
}

static void child(const struct options *o) __attribute__((noreturn));
static void child(const struct options *o) {
  berth_error err;
  reset_signals();
  /* the container's filter, where its init loads it: before the capability drop without
   * no_new_privs (that needs CAP_SYS_ADMIN), else as the last step before exec */
  if (!o->cfg.no_new_privs && seccomp_apply(&o->seccomp, &err) < 0) die(&err, EXIT_ENTER);
  if (apply_process(&o->cfg, &err) < 0) die(&err, EXIT_ENTER);
  if (o->cfg.no_new_privs && seccomp_apply(&o->seccomp, &err) < 0) die(&err, EXIT_ENTER);
  int code = exec_process(&o->cfg, &err);
  die(&err, code);
}

/* Forwards signals to the child until it exits; returns its exit code. */
static int supervise(pid_t pid, const sigset_t *set) {
  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(set, &si);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      kill(pid, sig);
      continue;
    }
    int status;
    pid_t got;
    while ((got = waitpid(-1, &status, WNOHANG)) > 0)
      if (got == pid) return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  }
}

int main(int argc, char **argv) {
  struct options o;
  berth_error err;
  memset(&o, 0, sizeof o);
  if (sealed_reexec("berth-exec", argv, &err) < 0) die(&err, EXIT_ENTER);
  set_nondumpable(); /* for the parent (in the container's mount namespace) and, through fork, the child */
  if (close_fds_except(NULL, 0, &err) < 0) die(&err, EXIT_ENTER);
  parse(&o, argc, argv);
  /* the file is on the host: read it before entering the container's mount namespace */
  if (o.seccomp_file && seccomp_read(o.seccomp_file, &o.seccomp, &err) < 0) die(&err, EXIT_ENTER);
  if (enter(&o, &err) < 0) die(&err, EXIT_ENTER);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaddset(&set, forwarded[i]);
  sigprocmask(SIG_BLOCK, &set, NULL);
  pid_t pid = fork();
  if (pid < 0) {
    berth_fail(&err, errno, "fork `%s`", o.cfg.argv[0]);
    die(&err, EXIT_ENTER);
  }
  if (pid == 0) child(&o);
  return supervise(pid, &set);
}
