/* seccomp.c — reading, writing and loading a compiled seccomp filter (see seccomp.h). */
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int seccomp_write(const char *path, const struct seccomp_program *p, berth_error *err) {
  char tmp[4096];
  /* a name of our own: two monitors may write the same cache file at once */
  if (snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid()) >= (int)sizeof tmp) return berth_fail(err, ENAMETOOLONG, "open `%s`", path);
  unlink(tmp);
  cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return berth_fail(err, errno, "open `%s`", tmp);
  if (write_all(fd, p->insns, p->len) < 0) {
    int e = errno;
    unlink(tmp);
    return berth_fail(err, e, "write `%s`", tmp);
  }
  if (rename(tmp, path) < 0) {
    int e = errno;
    unlink(tmp);
    return berth_fail(err, e, "rename `%s`", path);
  }
  return 0;
}

int seccomp_read(const char *path, struct seccomp_program *out, berth_error *err) {
  memset(out, 0, sizeof *out);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return berth_fail(err, errno, "open `%s`", path);
  struct stat st;
  if (fstat(fd, &st) < 0) return berth_fail(err, errno, "fstat `%s`", path);
  size_t len = (size_t)st.st_size;
  if (len == 0 || len % sizeof(struct sock_filter) || len / sizeof(struct sock_filter) > BPF_MAXINSNS)
    return berth_fail(err, EINVAL, "read `%s`", path);
  out->insns = malloc(len);
  if (!out->insns) return berth_fail(err, ENOMEM, "read `%s`", path);
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, (char *)out->insns + got, len - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      seccomp_free(out);
      return berth_fail(err, e, "read `%s`", path);
    }
    got += (size_t)n;
  }
  out->len = len;
  return 0;
}

int seccomp_apply(const struct seccomp_program *p, berth_error *err) {
  if (!p || p->len == 0) return 0;
  struct sock_fprog prog = { .len = (unsigned short)(p->len / sizeof(struct sock_filter)), .filter = p->insns };
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) return berth_fail(err, errno, "seccomp `%u instructions`", prog.len);
  return 0;
}

void seccomp_free(struct seccomp_program *p) {
  free(p->insns);
  p->insns = NULL;
  p->len = 0;
}
