/*
 * namespaces.c — joining existing namespaces (spec `ns_path`) instead of
 * creating them: the engine's /run/netns/<name>, or /proc/<pid>/ns/net of
 * another container.  A pid namespace only applies to children, so the
 * monitor enters it around clone(); every other type is joined by the child
 * itself, first thing.
 */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

/* The order setns() is called in: the mount namespace last, since the paths
 * (opened before any setns) are host paths. */
static const int join_order[] = { CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET, CLONE_NEWNS };
#define NJOIN (sizeof join_order / sizeof *join_order)

static int open_ns(const char *path, berth_error *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return berth_fail(err, errno, "open `%s`", path);
  return fd;
}

static void close_all(int *fds, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (fds[i] >= 0) close(fds[i]);
}

int ns_join(const struct spec *s, berth_error *err) {
  int fds[NJOIN];
  const char *paths[NJOIN] = { 0 };
  for (size_t k = 0; k < NJOIN; k++) fds[k] = -1;
  for (size_t i = 0; i < s->nns_paths; i++) {
    for (size_t k = 0; k < NJOIN; k++) {
      if (s->ns_paths[i].flag != join_order[k]) continue;
      if (fds[k] >= 0) close(fds[k]); /* a later record of the same type wins */
      paths[k] = s->ns_paths[i].path;
      fds[k] = open_ns(paths[k], err);
      if (fds[k] < 0) return close_all(fds, NJOIN), -1;
    }
  }
  for (size_t k = 0; k < NJOIN; k++) {
    if (fds[k] < 0 || setns(fds[k], join_order[k]) == 0) continue;
    int e = errno;
    close_all(fds, NJOIN);
    return berth_fail(err, e, "setns `%s`", paths[k]);
  }
  close_all(fds, NJOIN);
  return 0;
}

int ns_pid_enter(const struct spec *s, int *restore_fd, berth_error *err) {
  const char *path = NULL;
  *restore_fd = -1;
  for (size_t i = 0; i < s->nns_paths; i++)
    if (s->ns_paths[i].flag == CLONE_NEWPID) path = s->ns_paths[i].path;
  if (!path) return 0;
  cleanup_close int fd = open_ns(path, err);
  if (fd < 0) return -1;
  int own = open_ns("/proc/self/ns/pid", err);
  if (own < 0) return -1;
  if (setns(fd, CLONE_NEWPID) < 0) {
    int e = errno;
    close(own);
    return berth_fail(err, e, "setns `%s`", path);
  }
  *restore_fd = own;
  return 0;
}

void ns_pid_leave(int restore_fd) {
  if (restore_fd < 0) return;
  setns(restore_fd, CLONE_NEWPID); /* our own namespace: cannot fail for root */
  close(restore_fd);
}
