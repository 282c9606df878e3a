/* bench-disk DIR [size MiB] [seconds]: sequential 1 MiB writes (then fsync)
 * and reads of a file in DIR, then random 4 KiB reads and writes (then
 * fsync), with O_DIRECT where the filesystem allows it (else buffered, with
 * the cache dropped before reading: "direct":false says so).  Each phase
 * stops at its byte or operation count or after its share of the seconds.
 *
 * bench-disk firstwrite FILE: the time of the first 1-byte write into an
 * existing file (on a copy-on-write layer: the copy-up) and of a second one. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"

#define SEQ_BLOCK (1 << 20)
#define RAND_BLOCK 4096

static void die(const char *what, const char *path) {
  fprintf(stderr, "bench-disk: %s `%s`: %s\n", what, path, strerror(errno));
  exit(1);
}

static uint64_t next_random(uint64_t *state) {
  *state ^= *state << 13; *state ^= *state >> 7; *state ^= *state << 17;
  return *state;
}

static int open_file(const char *path, int flags, int *direct) {
  int fd = *direct ? open(path, flags | O_DIRECT, 0600) : -1;
  if (fd < 0 && *direct) *direct = 0;
  if (fd < 0) fd = open(path, flags, 0600);
  if (fd < 0) die("open", path);
  return fd;
}

static void drop_cache(int fd) {
  fdatasync(fd);
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

static int first_write(const char *path) {
  char byte = 'x';
  double t0 = now_seconds();
  int fd = open(path, O_WRONLY);
  if (fd < 0) die("open", path);
  if (pwrite(fd, &byte, 1, 0) != 1) die("pwrite", path);
  double t1 = now_seconds();
  if (pwrite(fd, &byte, 1, 1) != 1) die("pwrite", path);
  double t2 = now_seconds();
  close(fd);
  struct stat st;
  if (stat(path, &st) != 0) die("stat", path);
  printf("{\"workload\":\"firstwrite\",\"bytes\":%lld,\"first_write_us\":%.2f,\"second_write_us\":%.2f}\n",
         (long long)st.st_size, (t1 - t0) * 1e6, (t2 - t1) * 1e6);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: bench-disk DIR [MiB] [seconds] | bench-disk firstwrite FILE\n"); return 2; }
  if (strcmp(argv[1], "firstwrite") == 0) {
    if (argc < 3) { fprintf(stderr, "usage: bench-disk firstwrite FILE\n"); return 2; }
    return first_write(argv[2]);
  }
  long mib = (long)arg_number(argc, argv, 2, 64, 1, 4096);
  double seconds = arg_number(argc, argv, 3, 8, 0.1, 600);
  double phase = seconds / 4;
  char path[4096];
  snprintf(path, sizeof path, "%s/bench-disk.%d", argv[1], (int)getpid());
  void *buffer;
  if (posix_memalign(&buffer, 4096, SEQ_BLOCK) != 0) { fprintf(stderr, "bench-disk: out of memory\n"); return 1; }
  memset(buffer, 0x5a, SEQ_BLOCK);
  int direct = 1;

  /* sequential write, fsync included */
  int fd = open_file(path, O_CREAT | O_TRUNC | O_WRONLY, &direct);
  long written = 0;
  double start = now_seconds();
  while (written < mib && now_seconds() - start < phase) {
    if (write(fd, buffer, SEQ_BLOCK) != SEQ_BLOCK) die("write", path);
    written++;
  }
  if (fsync(fd) != 0) die("fsync", path);
  double seq_write = written / (now_seconds() - start);
  close(fd);

  /* sequential read of what was written */
  fd = open_file(path, O_RDONLY, &direct);
  if (!direct) drop_cache(fd);
  long got = 0;
  start = now_seconds();
  while (got < written && now_seconds() - start < phase) {
    if (read(fd, buffer, SEQ_BLOCK) != SEQ_BLOCK) die("read", path);
    got++;
  }
  double seq_read = got / (now_seconds() - start);
  close(fd);

  /* random 4 KiB reads and writes within the file */
  uint64_t blocks = (uint64_t)written * (SEQ_BLOCK / RAND_BLOCK), state = 88172645463325252ULL, limit = blocks * 2;
  fd = open_file(path, O_RDWR, &direct);
  if (!direct) drop_cache(fd);
  uint64_t reads = 0;
  start = now_seconds();
  while (reads < limit && (reads & 63 || now_seconds() - start < phase)) {
    if (pread(fd, buffer, RAND_BLOCK, (off_t)(next_random(&state) % blocks) * RAND_BLOCK) != RAND_BLOCK) die("pread", path);
    reads++;
  }
  double rand_read = reads / (now_seconds() - start);
  uint64_t writes = 0;
  start = now_seconds();
  while (writes < limit && (writes & 63 || now_seconds() - start < phase)) {
    if (pwrite(fd, buffer, RAND_BLOCK, (off_t)(next_random(&state) % blocks) * RAND_BLOCK) != RAND_BLOCK) die("pwrite", path);
    writes++;
  }
  if (fsync(fd) != 0) die("fsync", path);
  double rand_write = writes / (now_seconds() - start);
  close(fd);
  unlink(path);
  printf("{\"workload\":\"disk\",\"mib\":%ld,\"direct\":%s,\"seq_write_mbs\":%.2f,\"seq_read_mbs\":%.2f,\"rand_read_iops\":%.1f,\"rand_write_iops\":%.1f}\n",
         written, direct ? "true" : "false", seq_write * 1.048576, seq_read * 1.048576, rand_read, rand_write);
  free(buffer);
  return 0;
}
