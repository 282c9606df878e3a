/*
 * cgroup-wedge — issue 11 row 7, from inside a container: enter a new user
 * namespace (root mapped to our own uid), a mount and a cgroup namespace owned
 * by it, mount a cgroup hierarchy (rooted at the container's own cgroup) and
 * make sub-cgroups there.  An engine that rmdirs only the container's own
 * directory then fails with EBUSY on every later cleanup.
 *
 *   cgroup-wedge CONTROLLER|cgroup2 SUBDIR...   e.g. cgroup-wedge pids a a/b
 * Prints "made DIR" per directory; exits 0 when every one was made.
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

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  close(fd);
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: cgroup-wedge CONTROLLER|cgroup2 SUBDIR...\n"); return 2; }
  char map[64];
  unsigned uid = getuid(), gid = getgid();
  if (unshare(CLONE_NEWUSER) < 0) { perror("unshare user"); return 1; }
  snprintf(map, sizeof map, "0 %u 1", uid);
  if (write_file("/proc/self/uid_map", map) < 0) { perror("uid_map"); return 1; }
  write_file("/proc/self/setgroups", "deny");
  snprintf(map, sizeof map, "0 %u 1", gid);
  if (write_file("/proc/self/gid_map", map) < 0) { perror("gid_map"); return 1; }
  if (unshare(CLONE_NEWNS | CLONE_NEWCGROUP) < 0) { perror("unshare mount+cgroup"); return 1; }
  mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
  const char *mnt = "/tmp/.cgroup-wedge";
  mkdir(mnt, 0755);
  int v2 = strcmp(argv[1], "cgroup2") == 0;
  if (mount("none", mnt, v2 ? "cgroup2" : "cgroup", 0, v2 ? NULL : argv[1]) < 0) { perror("mount cgroup"); return 1; }
  int failed = 0;
  for (int i = 2; i < argc; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", mnt, argv[i]);
    if (mkdir(path, 0755) < 0 && errno != EEXIST) { fprintf(stderr, "mkdir %s: %s\n", argv[i], strerror(errno)); failed = 1; }
    else printf("made %s\n", argv[i]);
  }
  return failed;
}
