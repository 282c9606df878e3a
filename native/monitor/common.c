/* common.c — see common.h. */
#include "common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int berth_fail(berth_error *err, int errnum, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  if (errnum && n >= 0 && (size_t)n < sizeof err->msg)
    snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(errnum));
  err->errnum = errnum;
  return -1;
}

void cleanup_freep(void *p) {
  free(*(void **)p);
}

void cleanup_closep(int *fd) {
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}

int format_line(char *buf, size_t size, const char *fmt, va_list ap) {
  int n = vsnprintf(buf, size - 1, fmt, ap);
  if (n < 0) return -1;
  if ((size_t)n > size - 2) n = (int)size - 2;
  for (int i = 0; i < n; i++)
    if (buf[i] == '\n') buf[i] = ' ';
  buf[n++] = '\n';
  return n;
}

int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int atomic_write(const char *path, const char *data, size_t len, berth_error *err) {
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
    return berth_fail(err, ENAMETOOLONG, "open `%s`", path);
  cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return berth_fail(err, errno, "open `%s`", tmp);
  /* a failed write (ENOSPC) leaves the old file and no half-written temp file */
  const char *what = write_all(fd, data, len) < 0 ? "write" : fsync(fd) < 0 ? "fsync" : rename(tmp, path) < 0 ? "rename" : NULL;
  if (!what) return 0;
  int e = errno;
  unlink(tmp);
  return berth_fail(err, e, "%s `%s`", what, !strcmp(what, "rename") ? path : tmp);
}

void rfc3339_now(char *buf, size_t len) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, len - n, ".%09ldZ", ts.tv_nsec);
}

static int last_cap(void) {
  int last = CAP_LAST_CAP;
  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  if (f) {
    if (fscanf(f, "%d", &last) != 1) last = CAP_LAST_CAP;
    fclose(f);
  }
  return last;
}

static int has_cap(const struct process_cfg *cfg, int cap) {
  for (size_t i = 0; i < cfg->ncaps; i++)
    if (cfg->caps[i] == cap) return 1;
  return 0;
}

static int drop_bounding(const struct process_cfg *cfg, berth_error *err) {
  int last = last_cap();
  for (int cap = 0; cap <= last; cap++) {
    if (has_cap(cfg, cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      return berth_fail(err, errno, "prctl PR_CAPBSET_DROP `%d`", cap);
  }
  return 0;
}

static int set_caps(const struct process_cfg *cfg, berth_error *err) {
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  if (cfg->uid == 0) {
    for (size_t i = 0; i < cfg->ncaps; i++) {
      int cap = cfg->caps[i];
      if (cap < 0 || cap >= 64) continue;
      data[cap / 32].effective |= 1u << (cap % 32);
    }
    /* inheritable stays empty, as with runc and Docker: a capability kept in it
     * would survive an exec of a file with inheritable file capabilities */
    for (int i = 0; i < 2; i++) data[i].permitted = data[i].effective;
  }
  if (syscall(SYS_capset, &hdr, data) < 0) return berth_fail(err, errno, "capset `%u`", (unsigned)cfg->uid);
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return berth_fail(err, errno, "prctl PR_CAP_AMBIENT_CLEAR_ALL `%u`", (unsigned)cfg->uid);
  return 0;
}

static int switch_user(const struct process_cfg *cfg, berth_error *err) {
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return berth_fail(err, errno, "prctl PR_SET_KEEPCAPS `1`");
  if (setgroups(cfg->ngroups, cfg->groups) < 0) return berth_fail(err, errno, "setgroups `%zu groups`", cfg->ngroups);
  if (setgid(cfg->gid) < 0) return berth_fail(err, errno, "setgid `%u`", (unsigned)cfg->gid);
  if (setuid(cfg->uid) < 0) return berth_fail(err, errno, "setuid `%u`", (unsigned)cfg->uid);
  return 0;
}

/* CVE-2024-21626: a cwd such as /proc/self/fd/N, N a directory fd from the
 * host, would put the process outside the container's root.  The kernel's
 * getcwd (not glibc's, which hides it behind ENOENT) then starts with
 * "(unreachable)" instead of "/". */
static int check_cwd(const char *cwd, berth_error *err) {
  char buf[4096];
  long n = syscall(SYS_getcwd, buf, sizeof buf);
  if (n < 0) return berth_fail(err, errno, "getcwd `%s`", cwd);
  if (buf[0] != '/')
    return berth_fail(err, 0, "chdir `%s`: the working directory is outside the container's root "
                              "(possible container breakout, CVE-2024-21626)", cwd);
  return 0;
}

int apply_process(const struct process_cfg *cfg, berth_error *err) {
  if (drop_bounding(cfg, err) < 0) return -1;
  if (switch_user(cfg, err) < 0) return -1;
  if (set_caps(cfg, err) < 0) return -1;
  if (cfg->cwd && cfg->cwd[0] && chdir(cfg->cwd) < 0) return berth_fail(err, errno, "chdir `%s`", cfg->cwd);
  if (check_cwd(cfg->cwd ? cfg->cwd : "", err) < 0) return -1;
  if (cfg->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return berth_fail(err, errno, "prctl PR_SET_NO_NEW_PRIVS `1`");
  return 0;
}

/* Docker's wording for why argv[0] could not be run. */
static int exec_failure(const char *arg0, int e, berth_error *err) {
  if (e == ENOENT) {
    if (strchr(arg0, '/')) berth_fail(err, 0, "exec: \"%s\": no such file or directory", arg0);
    else berth_fail(err, 0, "exec: \"%s\": executable file not found in $PATH", arg0);
    err->errnum = e;
    return 127;
  }
  char reason[256];
  snprintf(reason, sizeof reason, "%s", e == EACCES ? "permission denied" : strerror(e));
  if (e != EACCES && reason[0] >= 'A' && reason[0] <= 'Z') reason[0] = (char)(reason[0] - 'A' + 'a');
  berth_fail(err, 0, "exec: \"%s\": %s", arg0, reason);
  err->errnum = e;
  return 126;
}

int exec_process(const struct process_cfg *cfg, berth_error *err) {
  static char *empty[] = { NULL };
  if (!cfg->argv || !cfg->argv[0]) {
    berth_fail(err, 0, "exec: no command given");
    return 127;
  }
  environ = cfg->env ? (char **)cfg->env : empty;
  execvp(cfg->argv[0], cfg->argv);
  return exec_failure(cfg->argv[0], errno, err);
}

void set_nondumpable(void) {
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static int keeps(const int *keep, size_t nkeep, int fd) {
  for (size_t i = 0; i < nkeep; i++)
    if (keep[i] == fd) return 1;
  return 0;
}

/* Without close_range (Linux < 5.9): every open fd, from /proc/self/fd. */
static int close_fds_by_list(const int *keep, size_t nkeep, berth_error *err) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return berth_fail(err, errno, "opendir `/proc/self/fd`");
  int self = dirfd(d), fds[1024];
  for (;;) {
    size_t n = 0;
    struct dirent *e;
    rewinddir(d);
    while ((e = readdir(d)) && n < sizeof fds / sizeof *fds) {
      int fd = atoi(e->d_name);
      if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && fd > 2 && fd != self && !keeps(keep, nkeep, fd)) fds[n++] = fd;
    }
    if (n == 0) break;
    for (size_t i = 0; i < n; i++) close(fds[i]);
  }
  closedir(d);
  return 0;
}

int close_fds_except(const int *keep, size_t nkeep, berth_error *err) {
  int sorted[8];
  size_t n = 0;
  for (size_t i = 0; i < nkeep && n < sizeof sorted / sizeof *sorted; i++)
    if (keep[i] > 2) sorted[n++] = keep[i];
  for (size_t i = 1; i < n; i++) /* insertion sort: a few fds */
    for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
      int t = sorted[j];
      sorted[j] = sorted[j - 1], sorted[j - 1] = t;
    }
  unsigned low = 3;
  for (size_t i = 0; i <= n; i++) {
    unsigned high = i < n ? (unsigned)sorted[i] - 1 : ~0u;
    if (i < n && (unsigned)sorted[i] < low) continue; /* a duplicate */
    if (high >= low && syscall(SYS_close_range, low, high, 0) < 0) {
      if (errno == ENOSYS || errno == EINVAL) return close_fds_by_list(keep, nkeep, err);
      return berth_fail(err, errno, "close_range `%u`", low);
    }
    if (i < n) low = (unsigned)sorted[i] + 1;
  }
  return 0;
}

void reset_signals(void) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
}
