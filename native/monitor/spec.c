/* spec.c — parses the spec file (see spec.h and protocol.h). */
#include "spec.h"
#include "../include/protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_file(const char *path, char **out, size_t *len, berth_error *err) {
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return berth_fail(err, errno, "open `%s`", path);
  struct stat st;
  if (fstat(fd, &st) < 0) return berth_fail(err, errno, "fstat `%s`", path);
  char *buf = malloc((size_t)st.st_size + 1);
  if (!buf) return berth_fail(err, ENOMEM, "read `%s`", path);
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      free(buf);
      return berth_fail(err, e, "read `%s`", path);
    }
    got += (size_t)n;
  }
  buf[got] = 0;
  *out = buf;
  *len = got;
  return 0;
}

static int push(void **arr, size_t *n, size_t size, berth_error *err) {
  void *grown = realloc(*arr, (*n + 2) * size);
  if (!grown) return berth_fail(err, ENOMEM, "spec");
  memset((char *)grown + (*n + 1) * size, 0, size);
  *arr = grown;
  (*n)++;
  return 0;
}

static int strv_add(struct strv *s, char *value, berth_error *err) {
  if (push((void **)&s->v, &s->n, sizeof(char *), err) < 0) return -1;
  s->v[s->n - 1] = value;
  s->v[s->n] = NULL;
  return 0;
}

/* Splits value in place at BERTH_SEP into exactly n fields. */
static int split(char *value, char **fields, int n, const char *key, berth_error *err) {
  for (int i = 0; i < n; i++) {
    fields[i] = value;
    char *sep = strchr(value, BERTH_SEP);
    if (i == n - 1) break;
    if (!sep) return berth_fail(err, EINVAL, "spec `%s`: expected %d fields", key, n);
    *sep = 0;
    value = sep + 1;
  }
  return 0;
}

static int number(const char *value, int base, long *out, const char *key, berth_error *err) {
  char *end;
  errno = 0;
  long v = strtol(value, &end, base);
  if (errno || end == value || *end) return berth_fail(err, EINVAL, "spec `%s`: bad number \"%s\"", key, value);
  *out = v;
  return 0;
}

static int add_mount(struct spec *s, char *value, berth_error *err) {
  char *f[5] = { 0 };
  long flags;
  if (split(value, f, 5, BERTH_KEY_MOUNT, err) < 0 || number(f[3], 10, &flags, BERTH_KEY_MOUNT, err) < 0) return -1;
  if (push((void **)&s->mounts, &s->nmounts, sizeof *s->mounts, err) < 0) return -1;
  s->mounts[s->nmounts - 1] = (struct mount_rec){ f[0], f[1], f[2], f[4], (unsigned long)flags };
  return 0;
}

static int add_device(struct spec *s, char *value, berth_error *err) {
  char *f[5] = { 0 };
  long major, minor, mode;
  if (split(value, f, 5, BERTH_KEY_DEVICE, err) < 0) return -1;
  if (number(f[2], 10, &major, BERTH_KEY_DEVICE, err) < 0 || number(f[3], 10, &minor, BERTH_KEY_DEVICE, err) < 0 ||
      number(f[4], 8, &mode, BERTH_KEY_DEVICE, err) < 0)
    return -1;
  if (strcmp(f[1], "c") && strcmp(f[1], "b")) return berth_fail(err, EINVAL, "spec `device`: type \"%s\"", f[1]);
  if (push((void **)&s->devices, &s->ndevices, sizeof *s->devices, err) < 0) return -1;
  s->devices[s->ndevices - 1] = (struct device_rec){ f[0], f[1][0], (unsigned)major, (unsigned)minor, (mode_t)mode };
  return 0;
}

static int add_symlink(struct spec *s, char *value, berth_error *err) {
  char *f[2] = { 0 };
  if (split(value, f, 2, BERTH_KEY_SYMLINK, err) < 0) return -1;
  if (push((void **)&s->symlinks, &s->nsymlinks, sizeof *s->symlinks, err) < 0) return -1;
  s->symlinks[s->nsymlinks - 1] = (struct symlink_rec){ f[0], f[1] };
  return 0;
}

static const struct { const char *name; int flag; } ns_table[] = {
  { "pid", CLONE_NEWPID }, { "mount", CLONE_NEWNS }, { "uts", CLONE_NEWUTS },
  { "ipc", CLONE_NEWIPC }, { "net", CLONE_NEWNET }, { "cgroup", CLONE_NEWCGROUP },
};

static int ns_flag(const char *name, const char *key, berth_error *err) {
  for (size_t i = 0; i < sizeof ns_table / sizeof *ns_table; i++)
    if (!strcmp(name, ns_table[i].name)) return ns_table[i].flag;
  return berth_fail(err, EINVAL, "spec `%s`: unknown namespace \"%s\"", key, name);
}

static int add_namespace(struct spec *s, const char *value, berth_error *err) {
  int flag = ns_flag(value, BERTH_KEY_NAMESPACE, err);
  if (flag < 0) return -1;
  if (flag == CLONE_NEWCGROUP) s->cgroup_ns = 1;
  else s->clone_flags |= flag;
  return 0;
}

static int add_ns_path(struct spec *s, char *value, berth_error *err) {
  char *f[2] = { 0 };
  if (split(value, f, 2, BERTH_KEY_NAMESPACE_PATH, err) < 0) return -1;
  int flag = ns_flag(f[0], BERTH_KEY_NAMESPACE_PATH, err);
  if (flag < 0) return -1;
  if (!f[1][0]) return berth_fail(err, EINVAL, "spec `%s`: empty path for \"%s\"", BERTH_KEY_NAMESPACE_PATH, f[0]);
  if (push((void **)&s->ns_paths, &s->nns_paths, sizeof *s->ns_paths, err) < 0) return -1;
  s->ns_paths[s->nns_paths - 1] = (struct ns_path_rec){ flag, f[1] };
  return 0;
}

/* A joined namespace is never also created, whatever order the records came in. */
static void drop_joined(struct spec *s) {
  for (size_t i = 0; i < s->nns_paths; i++) {
    if (s->ns_paths[i].flag == CLONE_NEWCGROUP) s->cgroup_ns = 0;
    else s->clone_flags &= ~s->ns_paths[i].flag;
  }
}

static int add_id(void **arr, size_t *n, size_t size, const char *value, const char *key, berth_error *err) {
  long v;
  if (number(value, 10, &v, key, err) < 0 || push(arr, n, size, err) < 0) return -1;
  if (size == sizeof(gid_t)) ((gid_t *)*arr)[*n - 1] = (gid_t)v;
  else ((int *)*arr)[*n - 1] = (int)v;
  return 0;
}

static int set_int(int *field, const char *value, const char *key, berth_error *err) {
  long v;
  if (number(value, 10, &v, key, err) < 0) return -1;
  *field = (int)v;
  return 0;
}

static int record(struct spec *s, const char *key, char *value, berth_error *err) {
  long v;
  struct { const char *key; const char **field; } strings[] = {
    { BERTH_KEY_MODE, &s->mode }, { BERTH_KEY_CWD, &s->cwd }, { BERTH_KEY_ROOTFS, &s->rootfs },
    { BERTH_KEY_HOSTNAME, &s->hostname }, { BERTH_KEY_LOG, &s->log }, { BERTH_KEY_LOG_MAX_SIZE, &s->log_max_size }, { BERTH_KEY_SOCKET, &s->socket },
    { BERTH_KEY_EXIT, &s->exit }, { BERTH_KEY_PIDFILE, &s->pidfile }, { BERTH_KEY_HEALTH_FILE, &s->health_file },
    { BERTH_KEY_RESTART_POLICY, &s->restart_policy }, { BERTH_KEY_RESTART_COUNT, &s->restart_file },
    { BERTH_KEY_STOP_FLAG, &s->stop_flag }, { BERTH_KEY_SECCOMP_DEFAULT, &s->seccomp_default },
    { BERTH_KEY_SECCOMP_FILE, &s->seccomp_file }, { BERTH_KEY_SECCOMP_CACHE, &s->seccomp_cache },
  };
  struct { const char *key; struct strv *list; } lists[] = {
    { BERTH_KEY_ARG, &s->arg }, { BERTH_KEY_ENV, &s->env }, { BERTH_KEY_CGROUP, &s->cgroup },
    { BERTH_KEY_MASKED, &s->masked }, { BERTH_KEY_READONLY, &s->readonly }, { BERTH_KEY_EXIT_CMD, &s->exit_cmd },
    { BERTH_KEY_HEALTH_CMD, &s->health_cmd }, { BERTH_KEY_SECCOMP_ARCH, &s->seccomp_arch },
    { BERTH_KEY_SECCOMP_RULE, &s->seccomp_rule },
  };
  struct { const char *key; int *field; } ints[] = {
    { BERTH_KEY_NO_NEW_PRIVS, &s->no_new_privs }, { BERTH_KEY_ROOTFS_READONLY, &s->rootfs_readonly }, { BERTH_KEY_LOOPBACK_UP, &s->lo_up }, { BERTH_KEY_TTY, &s->tty },
    { BERTH_KEY_TTY_ROWS, &s->tty_rows }, { BERTH_KEY_TTY_COLS, &s->tty_cols }, { BERTH_KEY_STDIN, &s->stdin_open },
    { BERTH_KEY_STDIN_ONCE, &s->stdin_once }, { BERTH_KEY_WAIT_ATTACH, &s->wait_attach },
    { BERTH_KEY_HEALTH_INTERVAL, &s->health_interval_ms }, { BERTH_KEY_HEALTH_TIMEOUT, &s->health_timeout_ms },
    { BERTH_KEY_HEALTH_RETRIES, &s->health_retries }, { BERTH_KEY_HEALTH_START_PERIOD, &s->health_start_period_ms },
    { BERTH_KEY_HEALTH_ON_HOST, &s->health_on_host }, { BERTH_KEY_RESTART_MAX, &s->restart_max }, { BERTH_KEY_LOG_MAX_FILE, &s->log_max_file },
  };
  for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
    if (!strcmp(key, strings[i].key)) return *strings[i].field = value, 0;
  for (size_t i = 0; i < sizeof lists / sizeof *lists; i++)
    if (!strcmp(key, lists[i].key)) return strv_add(lists[i].list, value, err);
  for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
    if (!strcmp(key, ints[i].key)) return set_int(ints[i].field, value, key, err);
  if (!strcmp(key, BERTH_KEY_MOUNT)) return add_mount(s, value, err);
  if (!strcmp(key, BERTH_KEY_DEVICE)) return add_device(s, value, err);
  if (!strcmp(key, BERTH_KEY_SYMLINK)) return add_symlink(s, value, err);
  if (!strcmp(key, BERTH_KEY_NAMESPACE)) return add_namespace(s, value, err);
  if (!strcmp(key, BERTH_KEY_NAMESPACE_PATH)) return add_ns_path(s, value, err);
  if (!strcmp(key, BERTH_KEY_GROUP)) return add_id((void **)&s->groups, &s->ngroups, sizeof(gid_t), value, key, err);
  if (!strcmp(key, BERTH_KEY_CAP)) return add_id((void **)&s->caps, &s->ncaps, sizeof(int), value, key, err);
  if (!strcmp(key, BERTH_KEY_UID)) return number(value, 10, &v, key, err) < 0 ? -1 : (s->uid = (uid_t)v, 0);
  if (!strcmp(key, BERTH_KEY_GID)) return number(value, 10, &v, key, err) < 0 ? -1 : (s->gid = (gid_t)v, 0);
  return 0; /* unknown keys are ignored so an older monitor can run a newer spec */
}

int spec_read(const char *dir, struct spec *s, berth_error *err) {
  char path[4096];
  size_t len = 0;
  memset(s, 0, sizeof *s);
  s->mode = "native";
  s->cwd = "/";
  if (snprintf(path, sizeof path, "%s/%s", dir, BERTH_SPEC_FILE) >= (int)sizeof path)
    return berth_fail(err, ENAMETOOLONG, "open `%s`", dir);
  if (read_file(path, &s->buf, &len, err) < 0) return -1;
  char *p = s->buf, *end = s->buf + len;
  while (p < end) {
    char *key = p, *kend = memchr(p, 0, (size_t)(end - p));
    if (!kend) return berth_fail(err, EINVAL, "spec `%s`: truncated record", path);
    char *value = kend + 1, *vend = value < end ? memchr(value, 0, (size_t)(end - value)) : NULL;
    if (!vend) return berth_fail(err, EINVAL, "spec `%s`: truncated record \"%s\"", path, key);
    if (record(s, key, value, err) < 0) return -1;
    p = vend + 1;
  }
  drop_joined(s);
  /* the engine gives Docker's defaults (src/engine/containers/health.ts): the C has none of its own */
  if (s->health_cmd.n && (s->health_interval_ms <= 0 || s->health_timeout_ms <= 0 || s->health_retries <= 0))
    return berth_fail(err, EINVAL, "spec `%s`: %s needs %s, %s and %s above 0", path, BERTH_KEY_HEALTH_CMD, BERTH_KEY_HEALTH_INTERVAL,
                      BERTH_KEY_HEALTH_TIMEOUT, BERTH_KEY_HEALTH_RETRIES);
  return 0;
}

void spec_free(struct spec *s) {
  free(s->arg.v), free(s->env.v), free(s->cgroup.v), free(s->masked.v), free(s->readonly.v), free(s->exit_cmd.v);
  free(s->health_cmd.v), free(s->seccomp_arch.v), free(s->seccomp_rule.v);
  seccomp_free(&s->seccomp);
  free(s->mounts), free(s->devices), free(s->symlinks), free(s->ns_paths), free(s->groups), free(s->caps), free(s->buf);
  memset(s, 0, sizeof *s);
}

void spec_process(const struct spec *s, struct process_cfg *cfg) {
  *cfg = (struct process_cfg){
    .uid = s->uid, .gid = s->gid, .groups = s->groups, .ngroups = s->ngroups, .caps = s->caps, .ncaps = s->ncaps,
    .cwd = s->cwd, .no_new_privs = s->no_new_privs, .argv = s->arg.v, .env = s->env.v,
  };
}
