/*
 * common.h — helpers shared by berth-monitor and berth-exec: error values that
 * name the syscall and the path (crun style), cleanup attributes, atomic
 * writes, and applying a process's user, capabilities, cwd and environment.
 */
#ifndef BERTH_COMMON_H
#define BERTH_COMMON_H

#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#define BERTH_ERRMSG 4096

/* What went wrong: "<syscall> `<path>`: <strerror>".  Functions that can fail
 * take one of these, fill it, and return -1. */
typedef struct berth_error {
  int errnum;
  char msg[BERTH_ERRMSG];
} berth_error;

/* Formats fmt, appends ": strerror(errnum)" when errnum != 0, returns -1. */
int berth_fail(berth_error *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void cleanup_freep(void *p);
void cleanup_closep(int *fd);
#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))

/* Writes all of buf, retrying on EINTR and short writes.  -1 with errno set. */
int write_all(int fd, const void *buf, size_t len);

/* Formats one protocol line into buf: newlines inside become spaces, it ends
 * with '\n', it is cut to fit.  Returns its length, or -1 if formatting failed. */
int format_line(char *buf, size_t size, const char *fmt, va_list ap);

/* Writes path.tmp then renames it over path, so readers see all or nothing. */
int atomic_write(const char *path, const char *data, size_t len, berth_error *err);

/* "2026-01-02T03:04:05.123456789Z" (needs 31 bytes). */
void rfc3339_now(char *buf, size_t len);

/* Who the process runs as and what it may do; shared by container init and exec. */
struct process_cfg {
  uid_t uid;
  gid_t gid;
  const gid_t *groups;
  size_t ngroups;
  const int *caps;
  size_t ncaps;
  const char *cwd;
  int no_new_privs;
  char *const *argv;
  char *const *env;
};

/* Drops the bounding set to cfg->caps, switches user and groups, sets the
 * capability sets (cfg->caps effective and permitted for uid 0, none otherwise;
 * inheritable and ambient always empty, as runc), changes directory and checks
 * that the new cwd is inside the root (CVE-2024-21626), sets no_new_privs. */
int apply_process(const struct process_cfg *cfg, berth_error *err);

/* Replaces the environment and execvp()s argv[0].  Returns only on failure,
 * with the exit code (127 not found, 126 otherwise) and Docker's message. */
int exec_process(const struct process_cfg *cfg, berth_error *err);

/* PR_SET_DUMPABLE 0: until the next exec, nothing in a container (no
 * CAP_SYS_PTRACE) may open this process's /proc/PID/{exe,fd,map_files,mem...}.
 * Every process that enters a container calls it; exec sets it back. */
void set_nondumpable(void);

/* Closes every fd above 2 but those in keep (close_range, else a loop over
 * /proc/self/fd): only stdio and what is meant to cross goes into a container. */
int close_fds_except(const int *keep, size_t nkeep, berth_error *err);

/* Restores the signal mask and dispositions a fresh process expects. */
void reset_signals(void);

/* ---- entering a running container (enter.c), for berth-exec and health probes */
#define BERTH_NS_DIFFERING (-1) /* every namespace the target is in that we are not */
/* Adds the CLONE_NEW* flags named in "pid,mount,uts,ipc,net,cgroup" to *mask. */
int ns_mask_parse(char *list, int *mask, berth_error *err);
/* Writes "0" to each cgroup.procs path, then setns()es into /proc/<pid>/ns/<type>
 * for each type in mask (CLONE_NEW* flags, or BERTH_NS_DIFFERING), in the
 * order cgroup ipc uts net pid mnt.  The pid namespace applies to children. */
int enter_container(pid_t pid, int mask, char *const *cgroups, size_t ncgroups, berth_error *err);

#endif
