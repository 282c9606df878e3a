/*
 * init.c — the container process between clone() and exec: joined
 * namespaces, cgroups, the
 * rootfs (mounts, devices, symlinks, pivot_root, masked and read-only paths),
 * hostname, loopback, pty, user and capabilities.  Every failure goes back to
 * the monitor as "<syscall> `<path>`: <strerror>".
 */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Opens path below rootfd, with every symlink resolved as if rootfd were "/". */
static int open_in_root(int rootfd, const char *path, int flags) {
  struct open_how how = { .flags = (unsigned)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

/* Creates the last component of `rel` in parentfd: a directory or an empty file. */
static int create_component(int parentfd, const char *name, int is_file) {
  if (!is_file) return mkdirat(parentfd, name, 0755) < 0 && errno != EEXIST ? -1 : 0;
  int fd = openat(parentfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return errno == EEXIST ? 0 : -1;
  close(fd);
  return 0;
}

/* Opens (O_PATH) `path` inside the rootfs, creating missing directories on the
 * way and the last component as a directory or an empty file.  Symlinks never
 * lead outside rootfd. */
static int make_in_root(int rootfd, const char *path, int is_file, berth_error *err) {
  char rel[PATH_MAX];
  while (*path == '/') path++;
  if (snprintf(rel, sizeof rel, "%s", *path ? path : ".") >= (int)sizeof rel)
    return berth_fail(err, ENAMETOOLONG, "openat2 `/%s`", path);
  int parent = open_in_root(rootfd, ".", O_PATH | O_DIRECTORY);
  if (parent < 0) return berth_fail(err, errno, "openat2 `/`");
  for (char *p = rel;;) {
    char *slash = strchr(p, '/');
    int last = slash == NULL || slash[1] == 0;
    if (slash) *slash = 0;
    int flags = O_PATH | (last && is_file ? 0 : O_DIRECTORY);
    int fd = open_in_root(rootfd, rel, flags);
    if (fd < 0 && errno == ENOENT && create_component(parent, p, last && is_file) == 0) fd = open_in_root(rootfd, rel, flags);
    int e = errno;
    close(parent);
    if (fd < 0) return berth_fail(err, e, "openat2 `/%s`", rel);
    if (last) return fd;
    *slash = '/';
    parent = fd;
    p = slash + 1;
  }
}

/* The parent directory of `path` inside the rootfs (created) and the last name. */
static int parent_in_root(int rootfd, const char *path, const char **name, berth_error *err) {
  char dir[PATH_MAX];
  const char *slash = strrchr(path, '/');
  *name = slash ? slash + 1 : path;
  size_t n = slash ? (size_t)(slash - path) : 0;
  if (n >= sizeof dir) return berth_fail(err, ENAMETOOLONG, "openat2 `%s`", path);
  memcpy(dir, path, n);
  dir[n] = 0;
  return make_in_root(rootfd, dir, 0, err);
}

static int join_cgroups(const struct spec *s, berth_error *err) {
  for (size_t i = 0; i < s->cgroup.n; i++) {
    cleanup_close int fd = open(s->cgroup.v[i], O_WRONLY | O_CLOEXEC);
    if (fd < 0) return berth_fail(err, errno, "open `%s`", s->cgroup.v[i]);
    if (write_all(fd, "0", 1) < 0) return berth_fail(err, errno, "write `%s`", s->cgroup.v[i]);
  }
  if (s->cgroup_ns && unshare(CLONE_NEWCGROUP) < 0) return berth_fail(err, errno, "unshare `cgroup`");
  return 0;
}

static int is_bind(const struct mount_rec *m) {
  return (m->flags & MS_BIND) != 0;
}

/* The mount now on top of `target` (an fd opened before the mount sees what is under it). */
static int reopen_target(int rootfd, const struct mount_rec *m, char *fdpath, size_t len, berth_error *err) {
  int fd = open_in_root(rootfd, m->target, O_PATH);
  if (fd < 0) return berth_fail(err, errno, "openat2 `%s`", m->target);
  snprintf(fdpath, len, "/proc/self/fd/%d", fd);
  return fd;
}

/* Flags a bind mount cannot take at once (ro, nosuid...) and propagation, each in its own call. */
static int mount_flags_after(int rootfd, const struct mount_rec *m, berth_error *err) {
  const unsigned long propagation = MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;
  unsigned long extra = is_bind(m) ? m->flags & ~(MS_BIND | MS_REC | propagation) : 0;
  if (!extra && !(m->flags & propagation)) return 0;
  char fdpath[64];
  cleanup_close int fd = reopen_target(rootfd, m, fdpath, sizeof fdpath, err);
  if (fd < 0) return -1;
  if (extra && mount(NULL, fdpath, NULL, MS_REMOUNT | MS_BIND | extra, NULL) < 0)
    return berth_fail(err, errno, "mount remount `%s`", m->target);
  if ((m->flags & propagation) && mount(NULL, fdpath, NULL, m->flags & (propagation | MS_REC), NULL) < 0)
    return berth_fail(err, errno, "mount propagation `%s`", m->target);
  return 0;
}

static int mount_one(int rootfd, const struct mount_rec *m, berth_error *err) {
  const unsigned long propagation = MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;
  int is_file = 0;
  if (is_bind(m)) {
    struct stat st;
    if (stat(m->source, &st) < 0) return berth_fail(err, errno, "mount `%s` to `%s`", m->source, m->target);
    is_file = !S_ISDIR(st.st_mode);
  }
  cleanup_close int fd = make_in_root(rootfd, m->target, is_file, err);
  if (fd < 0) return -1;
  char fdpath[64];
  snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
  const char *data = m->data[0] ? m->data : NULL, *fstype = m->fstype[0] ? m->fstype : NULL;
  unsigned long flags = is_bind(m) ? MS_BIND | (m->flags & MS_REC) : m->flags & ~propagation;
  if (mount(m->source, fdpath, is_bind(m) ? NULL : fstype, flags, is_bind(m) ? NULL : data) < 0)
    return berth_fail(err, errno, "mount `%s` to `%s`", m->source, m->target);
  return mount_flags_after(rootfd, m, err);
}

static int make_device(int rootfd, const struct device_rec *d, berth_error *err) {
  const char *name;
  cleanup_close int dir = parent_in_root(rootfd, d->path, &name, err);
  if (dir < 0) return -1;
  mode_t type = d->type == 'b' ? S_IFBLK : S_IFCHR;
  if (mknodat(dir, name, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0 && errno != EEXIST)
    return berth_fail(err, errno, "mknod `%s`", d->path);
  return 0;
}

static int make_symlink(int rootfd, const struct symlink_rec *l, berth_error *err) {
  const char *name;
  cleanup_close int dir = parent_in_root(rootfd, l->linkpath, &name, err);
  if (dir < 0) return -1;
  if (symlinkat(l->target, dir, name) < 0 && errno != EEXIST) return berth_fail(err, errno, "symlink `%s`", l->linkpath);
  return 0;
}

static int pivot(const char *rootfs, berth_error *err) {
  cleanup_close int fd = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (fd < 0) return berth_fail(err, errno, "open `%s`", rootfs);
  if (fchdir(fd) < 0) return berth_fail(err, errno, "fchdir `%s`", rootfs);
  if (syscall(SYS_pivot_root, ".", ".") < 0) return berth_fail(err, errno, "pivot_root `%s`", rootfs);
  if (umount2(".", MNT_DETACH) < 0) return berth_fail(err, errno, "umount2 `%s`", "old root");
  if (chdir("/") < 0) return berth_fail(err, errno, "chdir `/`");
  return 0;
}

static int prepare_rootfs(const struct spec *s, berth_error *err) {
  if (!s->rootfs || !s->rootfs[0]) return berth_fail(err, EINVAL, "spec `rootfs`: missing");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) return berth_fail(err, errno, "mount rprivate `/`");
  if (mount(s->rootfs, s->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) return berth_fail(err, errno, "mount bind `%s`", s->rootfs);
  cleanup_close int rootfd = open(s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) return berth_fail(err, errno, "open `%s`", s->rootfs);
  for (size_t i = 0; i < s->nmounts; i++)
    if (mount_one(rootfd, &s->mounts[i], err) < 0) return -1;
  for (size_t i = 0; i < s->ndevices; i++)
    if (make_device(rootfd, &s->devices[i], err) < 0) return -1;
  for (size_t i = 0; i < s->nsymlinks; i++)
    if (make_symlink(rootfd, &s->symlinks[i], err) < 0) return -1;
  return pivot(s->rootfs, err);
}

static int mask_paths(const struct spec *s, berth_error *err) {
  for (size_t i = 0; i < s->masked.n; i++) {
    const char *p = s->masked.v[i];
    struct stat st;
    if (stat(p, &st) < 0) {
      if (errno == ENOENT) continue;
      return berth_fail(err, errno, "stat `%s`", p);
    }
    int r = S_ISDIR(st.st_mode) ? mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL)
                                : mount("/dev/null", p, NULL, MS_BIND, NULL);
    if (r < 0) return berth_fail(err, errno, "mount mask `%s`", p);
  }
  return 0;
}

static int readonly_paths(const struct spec *s, berth_error *err) {
  for (size_t i = 0; i < s->readonly.n; i++) {
    const char *p = s->readonly.v[i];
    if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) {
      if (errno == ENOENT) continue;
      return berth_fail(err, errno, "mount bind `%s`", p);
    }
    if (mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
      return berth_fail(err, errno, "mount remount ro `%s`", p);
  }
  return 0;
}

static int loopback_up(berth_error *err) {
  cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return berth_fail(err, errno, "socket `lo`");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) return berth_fail(err, errno, "ioctl SIOCGIFFLAGS `lo`");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) return berth_fail(err, errno, "ioctl SIOCSIFFLAGS `lo`");
  return 0;
}

static int init_sync_fd = -1; /* container_init's sync channel, kept open by init_setup */

/* Everything up to exec; *pty_master is set with a tty. */
static int init_setup(const struct spec *s, const struct stdio_plan *plan, int *pty_master, berth_error *err) {
  umask(0);
  if (ns_join(s, err) < 0) return -1;
  if (!s->tty && stdio_child_apply(plan, s->uid, err) < 0) return -1;
  if (join_cgroups(s, err) < 0) return -1;
  if (prepare_rootfs(s, err) < 0) return -1;
  if (mask_paths(s, err) < 0 || readonly_paths(s, err) < 0) return -1;
  /* --read-only: the root mount itself (a bind of the rootfs); /proc, /dev, volumes and the
   * /etc files are mounts of their own and keep their modes, as with runc. */
  if (s->rootfs_readonly && mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
    return berth_fail(err, errno, "mount remount ro `/`");
  if (s->hostname && s->hostname[0] && sethostname(s->hostname, strlen(s->hostname)) < 0)
    return berth_fail(err, errno, "sethostname `%s`", s->hostname);
  if (s->lo_up && loopback_up(err) < 0) return -1;
  if (s->tty && stdio_container_pty(s, pty_master, err) < 0) return -1;
  /* only stdio, the sync channel and the pty master stay open: any other fd of the
   * monitor's would be a way out through /proc/self/fd/N (a cwd too, CVE-2024-21626) */
  int keep[] = { init_sync_fd, *pty_master };
  if (close_fds_except(keep, 2, err) < 0) return -1;
  struct process_cfg cfg;
  spec_process(s, &cfg);
  /* seccomp without no_new_privs needs CAP_SYS_ADMIN: then the filter goes on before the
   * capability drop (runc does the same); the set-up left must be allowed by the profile */
  if (!cfg.no_new_privs && seccomp_apply(&s->seccomp, err) < 0) return -1;
  if (apply_process(&cfg, err) < 0) return -1;
  umask(022);
  return 0;
}

/* Tells the monitor we are ready, then waits for its go-ahead. */
static void ready_and_wait(int sync_fd, int pty_master) {
  if (sync_send(sync_fd, SYNC_READY, 0, "", pty_master) < 0) _exit(1);
  if (pty_master >= 0) close(pty_master);
  struct sync_msg msg;
  int fd;
  if (sync_recv(sync_fd, &msg, &fd) <= 0 || msg.type != SYNC_GO) _exit(1);
}

static void exec_or_report(const struct process_cfg *cfg, int sync_fd) {
  berth_error err;
  int code = exec_process(cfg, &err);
  sync_send(sync_fd, SYNC_EXEC_ERROR, code, err.msg, -1);
  _exit(code);
}

void container_init(const struct spec *s, const struct stdio_plan *plan, int sync_fd) {
  berth_error err;
  int pty_master = -1;
  reset_signals();
  set_nondumpable(); /* inherited from the monitor already; said again where it matters */
  init_sync_fd = sync_fd;
  if (init_setup(s, plan, &pty_master, &err) < 0) {
    sync_send(sync_fd, SYNC_SETUP_ERROR, 1, err.msg, -1);
    _exit(1);
  }
  ready_and_wait(sync_fd, pty_master);
  struct process_cfg cfg;
  spec_process(s, &cfg);
  /* The filter as the very last step (after no_new_privs and the capability drop):
   * nothing the init still does has to be allowed by the profile but execve. */
  if (cfg.no_new_privs && seccomp_apply(&s->seccomp, &err) < 0) {
    sync_send(sync_fd, SYNC_EXEC_ERROR, 126, err.msg, -1);
    _exit(126);
  }
  exec_or_report(&cfg, sync_fd);
  _exit(127);
}

void command_child(const struct spec *s, const struct stdio_plan *plan, int sync_fd) {
  berth_error err;
  extern char **environ;
  reset_signals();
  if (stdio_child_apply(plan, getuid(), &err) < 0) {
    sync_send(sync_fd, SYNC_SETUP_ERROR, 1, err.msg, -1);
    _exit(1);
  }
  ready_and_wait(sync_fd, -1);
  struct process_cfg cfg = { .argv = s->arg.v, .env = s->env.n ? s->env.v : environ };
  exec_or_report(&cfg, sync_fd);
  _exit(127);
}
