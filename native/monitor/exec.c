/*
 * berth-exec — runs a process inside a running container:
 *
 *   berth-exec --pid <host pid of the container init> [--ns pid,mount,uts,ipc,net,cgroup]
 *              [--cgroup <cgroup.procs path>]... [--uid N] [--gid N] [--group N]...
 *              [--cwd DIR] [--env K=V]... [--cap N]... [--no-new-privs] -- ARGV...
 *
 * Joins the cgroups, setns()es into each namespace (all that differ from ours
 * when --ns is not given), forks (so that the pid namespace applies), and the
 * child applies user, capabilities, cwd and environment like the container
 * init, then execs.  The parent forwards signals and exits with the child's
 * code (128+signal when killed).  Stdio is inherited.
 * Exit codes: 125 could not enter, 126 cannot invoke, 127 not found.
 */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_ENTER 125

static const struct ns_kind {
  const char *name, *file;
  int flag;
} ns_kinds[] = { /* the order setns() takes them in: mount last, its /proc is the container's */
  { "cgroup", "cgroup", CLONE_NEWCGROUP }, { "ipc", "ipc", CLONE_NEWIPC }, { "uts", "uts", CLONE_NEWUTS },
  { "net", "net", CLONE_NEWNET }, { "pid", "pid", CLONE_NEWPID }, { "mount", "mnt", CLONE_NEWNS },
};
#define NS_COUNT (sizeof ns_kinds / sizeof *ns_kinds)

static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

struct options {
  pid_t pid;
  int ns_given, ns_wanted[NS_COUNT];
  char **cgroups, **env;
  size_t ncgroups, nenv;
  gid_t *groups;
  int *caps;
  struct process_cfg cfg;
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
  o->ns_given = 1;
  for (char *name = strtok(list, ","); name; name = strtok(NULL, ",")) {
    size_t k = 0;
    while (k < NS_COUNT && strcmp(ns_kinds[k].name, name)) k++;
    if (k == NS_COUNT) {
      fprintf(stderr, "berth-exec: --ns: unknown namespace %s\n", name);
      exit(EXIT_ENTER);
    }
    o->ns_wanted[k] = 1;
  }
}

static void parse(struct options *o, int argc, char **argv) {
  static const struct option longopts[] = {
    { "pid", 1, 0, 'p' }, { "ns", 1, 0, 'n' }, { "cgroup", 1, 0, 'c' }, { "uid", 1, 0, 'u' },
    { "gid", 1, 0, 'g' }, { "group", 1, 0, 'G' }, { "cwd", 1, 0, 'w' }, { "env", 1, 0, 'e' },
    { "cap", 1, 0, 'C' }, { "no-new-privs", 0, 0, 'N' }, { 0, 0, 0, 0 },
  };
  int c;
  o->cfg.cwd = "/";
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
    default: exit(EXIT_ENTER);
    }
  }
  if (o->pid <= 0 || optind >= argc) {
    fprintf(stderr, "usage: berth-exec --pid PID [--ns LIST] [--cgroup PATH]... [--uid N] [--gid N] [--group N]... "
                    "[--cwd DIR] [--env K=V]... [--cap N]... [--no-new-privs] -- ARGV...\n");
    exit(EXIT_ENTER);
  }
  o->cfg.groups = o->groups, o->cfg.caps = o->caps, o->cfg.argv = argv + optind;
  static char *empty[] = { NULL };
  o->cfg.env = o->env ? o->env : empty;
}

/* Without --ns: every namespace the target is in that we are not. */
static int differs(pid_t pid, const char *file) {
  char theirs[64], ours[64];
  struct stat a, b;
  snprintf(theirs, sizeof theirs, "/proc/%d/ns/%s", (int)pid, file);
  snprintf(ours, sizeof ours, "/proc/self/ns/%s", file);
  if (stat(theirs, &a) < 0 || stat(ours, &b) < 0) return 0;
  return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

static int open_namespaces(const struct options *o, int fds[NS_COUNT], berth_error *err) {
  for (size_t k = 0; k < NS_COUNT; k++) {
    fds[k] = -1;
    int wanted = o->ns_given ? o->ns_wanted[k] : differs(o->pid, ns_kinds[k].file);
    if (!wanted) continue;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)o->pid, ns_kinds[k].file);
    fds[k] = open(path, O_RDONLY | O_CLOEXEC);
    if (fds[k] < 0) return berth_fail(err, errno, "open `%s`", path);
  }
  return 0;
}

static int join_cgroups(const struct options *o, berth_error *err) {
  for (size_t i = 0; i < o->ncgroups; i++) {
    cleanup_close int fd = open(o->cgroups[i], O_WRONLY | O_CLOEXEC);
    if (fd < 0) return berth_fail(err, errno, "open `%s`", o->cgroups[i]);
    if (write_all(fd, "0", 1) < 0) return berth_fail(err, errno, "write `%s`", o->cgroups[i]);
  }
  return 0;
}

static int enter(const struct options *o, berth_error *err) {
  int fds[NS_COUNT];
  int r = open_namespaces(o, fds, err);
  if (r == 0) r = join_cgroups(o, err);
  for (size_t k = 0; k < NS_COUNT; k++) {
    if (fds[k] < 0) continue;
    if (r == 0 && setns(fds[k], ns_kinds[k].flag) < 0)
      r = berth_fail(err, errno, "setns `/proc/%d/ns/%s`", (int)o->pid, ns_kinds[k].file);
    close(fds[k]);
  }
  return r;
}

static void child(const struct options *o) __attribute__((noreturn));
static void child(const struct options *o) {
  berth_error err;
  reset_signals();
  if (apply_process(&o->cfg, &err) < 0) die(&err, EXIT_ENTER);
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
  parse(&o, argc, argv);
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
