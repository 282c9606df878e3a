/*
 * spec.h — the container spec the engine writes to <dir>/spec: records
 * "KEY\0VALUE\0", keys and fields as in ../include/protocol.h.
 */
#ifndef BERTH_SPEC_H
#define BERTH_SPEC_H

#include "common.h"
#include "seccomp.h"

/* A NULL-terminated list of strings (pointers into the spec buffer). */
struct strv {
  char **v;
  size_t n;
};

struct mount_rec {
  char *source, *target, *fstype, *data;
  unsigned long flags;
};

struct device_rec {
  char *path;
  char type; /* 'c' or 'b' */
  unsigned major, minor;
  mode_t mode;
};

struct symlink_rec {
  char *target, *linkpath;
};

/* A namespace to join with setns() instead of creating it. */
struct ns_path_rec {
  int flag; /* CLONE_NEW* */
  char *path;
};

struct spec {
  char *buf; /* the file; every string points into it */
  const char *mode, *cwd, *rootfs, *hostname, *log, *socket, *exit, *pidfile;
  const char *log_max_size; /* bytes, decimal; none or <= 0: no rotation */
  int log_max_file;
  const char *health_file, *restart_policy, *restart_file, *stop_flag;
  struct strv arg, env, cgroup, masked, readonly, exit_cmd, health_cmd;
  int clone_flags; /* CLONE_NEW* for pid mount uts ipc net (never one that is joined) */
  int cgroup_ns;   /* unshare(CLONE_NEWCGROUP) after joining the cgroups (not when joined) */
  struct ns_path_rec *ns_paths; /* in spec order */
  size_t nns_paths;
  struct mount_rec *mounts;
  size_t nmounts;
  struct device_rec *devices;
  size_t ndevices;
  struct symlink_rec *symlinks;
  size_t nsymlinks;
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  size_t ngroups;
  int *caps;
  size_t ncaps;
  int no_new_privs, rootfs_readonly, lo_up, tty, tty_rows, tty_cols, stdin_open, stdin_once, wait_attach;
  int health_interval_ms, health_timeout_ms, health_retries, health_start_period_ms, health_on_host;
  int restart_max;
  const char *seccomp_default, *seccomp_file, *seccomp_cache; /* protocol.h section 8 */
  struct strv seccomp_arch, seccomp_rule;
  struct seccomp_program seccomp; /* compiled by the monitor (seccomp_prepare); empty: no filter */
};

/* Reads and parses <dir>/spec.  On failure err names the file or the record. */
int spec_read(const char *dir, struct spec *spec, berth_error *err);
void spec_free(struct spec *spec);

/* The process part of the spec, for apply_process/exec_process. */
void spec_process(const struct spec *spec, struct process_cfg *cfg);

#endif
