/*
 * cgroup-limits — issue 11 row 4, from inside a container started with
 * -m/--pids-limit: enter a new user namespace (root mapped to our own uid)
 * with a mount and a cgroup namespace of its own (`unshare -Urm -C`), mount
 * the v1 memory and pids hierarchies (rooted at the container's own cgroup)
 * and raise the limits there.  Docker's seccomp profile refuses the first
 * step: unshare(CLONE_NEWUSER) without CAP_SYS_ADMIN.
 *
 * Prints one line per step: "<step> ok" or "<step> <ERRNO NAME>"; exits 0
 * only when a limit was raised.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int step(const char *what, int r) {
  if (r < 0) printf("%s %s\n", what, strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
  else printf("%s ok\n", what);
  fflush(stdout);
  return r;
}

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  int e = errno;
  close(fd);
  errno = e;
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

int main(void) {
  char map[64];
  uid_t uid = getuid();
  gid_t gid = getgid();
  if (step("unshare", unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWCGROUP)) < 0) return 1;
  snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
  step("uid_map", write_file("/proc/self/uid_map", map));
  step("setgroups", write_file("/proc/self/setgroups", "deny"));
  snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
  step("gid_map", write_file("/proc/self/gid_map", map));
  step("rprivate", mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
  int raised = 0;
  mkdir("/tmp/cg-memory", 0700);
  if (step("mount_memory", mount("none", "/tmp/cg-memory", "cgroup", 0, "memory")) == 0) {
    /* memory+swap first: the memory limit may not exceed it */
    if (access("/tmp/cg-memory/memory.memsw.limit_in_bytes", F_OK) == 0)
      step("raise_memsw", write_file("/tmp/cg-memory/memory.memsw.limit_in_bytes", "-1"));
    raised |= step("raise_memory", write_file("/tmp/cg-memory/memory.limit_in_bytes", "-1")) == 0;
  }
  mkdir("/tmp/cg-pids", 0700);
  if (step("mount_pids", mount("none", "/tmp/cg-pids", "cgroup", 0, "pids")) == 0)
    raised |= step("raise_pids", write_file("/tmp/cg-pids/pids.max", "max")) == 0;
  return raised ? 0 : 1;
}
