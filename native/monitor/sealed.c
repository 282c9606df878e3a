/*
 * sealed.c — see sealed.h.  Why: a host helper that enters a container
 * (berth-exec, the monitor's init child and health probes) shows up in the
 * container's /proc.  If its /proc/PID/exe were the host file, a process in
 * the container could open it (O_PATH or O_RDONLY) while the helper runs and,
 * once the helper is gone, reopen /proc/self/fd/N for writing and replace the
 * binary the next `berth exec` runs as host root (CVE-2019-5736).  Running
 * from a sealed memfd leaves nothing to write: the memfd is not the host file,
 * and F_SEAL_WRITE refuses writes to it anyway.  PR_SET_DUMPABLE 0 in the
 * processes that enter (common.c, set by the callers) keeps /proc/PID/... closed
 * to the container on top of that.
 */
#include "sealed.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static int fd_sealed(int fd) {
  int seals = fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & BERTH_SEALS) == BERTH_SEALS;
}

int sealed_running(void) {
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  int r = fd_sealed(fd);
  close(fd);
  return r;
}

static void set_name(char **argv) {
  const char *base = argv && argv[0] ? strrchr(argv[0], '/') : NULL;
  base = base ? base + 1 : argv && argv[0] ? argv[0] : NULL;
  if (base && *base) prctl(PR_SET_NAME, base, 0, 0, 0);
}

/* Copies all of src into dst (sendfile, falling back to read/write). */
static int copy_all(int dst, int src, off_t size) {
  off_t done = 0;
  while (done < size) {
    ssize_t n = sendfile(dst, src, NULL, (size_t)(size - done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EINVAL || errno == ENOSYS) && done == 0) break;
    if (n < 0) return -1;
    if (n == 0) return errno = EIO, -1; /* the file shrank under us */
    done += n;
  }
  if (done >= size) return 0;
  char buf[65536];
  for (;;) {
    ssize_t n = read(src, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) return 0;
    if (write_all(dst, buf, (size_t)n) < 0) return -1;
  }
}

int sealed_reexec(const char *name, char **argv, berth_error *err) {
  cleanup_close int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0) return berth_fail(err, errno, "sealed copy: open `/proc/self/exe`");
  if (fd_sealed(exe)) {
    set_name(argv);
    return 0;
  }
  struct stat st;
  if (fstat(exe, &st) < 0) return berth_fail(err, errno, "sealed copy: fstat `/proc/self/exe`");
  cleanup_close int mem = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mem < 0) return berth_fail(err, errno, "sealed copy: memfd_create `%s`", name);
  if (copy_all(mem, exe, st.st_size) < 0) return berth_fail(err, errno, "sealed copy: sendfile `%s`", name);
  if (fcntl(mem, F_ADD_SEALS, BERTH_SEALS) < 0) return berth_fail(err, errno, "sealed copy: fcntl F_ADD_SEALS `%s`", name);
  if (!fd_sealed(mem)) return berth_fail(err, EPERM, "sealed copy: fcntl F_GET_SEALS `%s`", name);
  fexecve(mem, argv, environ);
  return berth_fail(err, errno, "sealed copy: fexecve `%s`", name);
}
