/*
 * enter.c — entering a running container: join its cgroups, then setns()
 * into /proc/<pid>/ns/<type>.  Shared by berth-exec and the monitor's health
 * probes.  The pid namespace only applies to children: fork after this.
 */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct ns_kind {
  const char *name, *file;
  int flag;
} ns_kinds[] = { /* the order setns() takes them in: mount last, its /proc is the container's */
  { "cgroup", "cgroup", CLONE_NEWCGROUP }, { "ipc", "ipc", CLONE_NEWIPC }, { "uts", "uts", CLONE_NEWUTS },
  { "net", "net", CLONE_NEWNET }, { "pid", "pid", CLONE_NEWPID }, { "mount", "mnt", CLONE_NEWNS },
};
#define NS_COUNT (sizeof ns_kinds / sizeof *ns_kinds)

int ns_mask_parse(char *list, int *mask, berth_error *err) {
  for (char *name = strtok(list, ","); name; name = strtok(NULL, ",")) {
    size_t k = 0;
    while (k < NS_COUNT && strcmp(ns_kinds[k].name, name)) k++;
    if (k == NS_COUNT) return berth_fail(err, EINVAL, "--ns: unknown namespace %s", name);
    *mask |= ns_kinds[k].flag;
  }
  return 0;
}

/* Is the target in another namespace of this type than we are? */
static int differs(pid_t pid, const char *file) {
  char theirs[64], ours[64];
  struct stat a, b;
  snprintf(theirs, sizeof theirs, "/proc/%d/ns/%s", (int)pid, file);
  snprintf(ours, sizeof ours, "/proc/self/ns/%s", file);
  if (stat(theirs, &a) < 0 || stat(ours, &b) < 0) return 0;
  return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

static int open_namespaces(pid_t pid, int mask, int fds[NS_COUNT], berth_error *err) {
  for (size_t k = 0; k < NS_COUNT; k++) fds[k] = -1;
  for (size_t k = 0; k < NS_COUNT; k++) {
    int wanted = mask == BERTH_NS_DIFFERING ? differs(pid, ns_kinds[k].file) : (mask & ns_kinds[k].flag) != 0;
    if (!wanted) continue;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, ns_kinds[k].file);
    fds[k] = open(path, O_RDONLY | O_CLOEXEC);
    if (fds[k] < 0) return berth_fail(err, errno, "open `%s`", path);
  }
  return 0;
}

static int join_cgroups(char *const *cgroups, size_t n, berth_error *err) {
  for (size_t i = 0; i < n; i++) {
    cleanup_close int fd = open(cgroups[i], O_WRONLY | O_CLOEXEC);
    if (fd < 0) return berth_fail(err, errno, "open `%s`", cgroups[i]);
    if (write_all(fd, "0", 1) < 0) return berth_fail(err, errno, "write `%s`", cgroups[i]);
  }
  return 0;
}

int enter_container(pid_t pid, int mask, char *const *cgroups, size_t ncgroups, berth_error *err) {
  int fds[NS_COUNT];
  int r = open_namespaces(pid, mask, fds, err);
  if (r == 0) r = join_cgroups(cgroups, ncgroups, err);
  for (size_t k = 0; k < NS_COUNT; k++) {
    if (fds[k] < 0) continue;
    if (r == 0 && setns(fds[k], ns_kinds[k].flag) < 0)
      r = berth_fail(err, errno, "setns `/proc/%d/ns/%s`", (int)pid, ns_kinds[k].file);
    close(fds[k]);
  }
  return r;
}
