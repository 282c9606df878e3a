/* bench-tcp: a netperf-like pair.
 *   bench-tcp server PORT [max connections] [timeout s]
 *       serves one connection at a time; the first byte picks the test:
 *       'S' reads to EOF and answers the byte count; 'R' echoes.  Exits
 *       after max connections or the timeout, whichever comes first.
 *   bench-tcp stream HOST PORT [MiB] [seconds]    bulk throughput (Gbit/s)
 *   bench-tcp rr HOST PORT [transactions] [seconds]  1-byte request/response
 * The client retries connecting for up to 5 s (a server still starting). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

#define CHUNK (128 * 1024)
#define MAX_TRANSACTIONS 1000000

static void die(const char *what) {
  fprintf(stderr, "bench-tcp: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int full_write(int fd, const void *data, size_t size) {
  const char *p = data;
  while (size > 0) {
    ssize_t n = write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n; size -= (size_t)n;
  }
  return 0;
}

static int full_read(int fd, void *data, size_t size) {
  char *p = data;
  while (size > 0) {
    ssize_t n = read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n; size -= (size_t)n;
  }
  return 0;
}

static int serve(int argc, char **argv) {
  int port = (int)arg_number(argc, argv, 2, 5001, 1, 65535);
  int max_conns = (int)arg_number(argc, argv, 3, 100, 1, 100000);
  unsigned timeout = (unsigned)arg_number(argc, argv, 4, 300, 1, 3600);
  alarm(timeout);
  int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  if (listener < 0) die("socket");
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_ANY)};
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0) die("bind");
  if (listen(listener, 16) != 0) die("listen");
  static char buffer[CHUNK];
  for (int served = 0; served < max_conns; served++) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) { if (errno == EINTR) continue; die("accept"); }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char mode;
    if (full_read(fd, &mode, 1) != 0) { close(fd); continue; }
    if (mode == 'S') {
      uint64_t total = 0;
      ssize_t n;
      while ((n = read(fd, buffer, sizeof buffer)) > 0) total += (uint64_t)n;
      full_write(fd, &total, sizeof total);
    } else {
      ssize_t n;
      while ((n = read(fd, buffer, sizeof buffer)) > 0) if (full_write(fd, buffer, (size_t)n) != 0) break;
    }
    close(fd);
  }
  return 0;
}

static int connect_to(const char *host, int port) {
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) { fprintf(stderr, "bench-tcp: not an IPv4 address: %s\n", host); exit(2); }
  double start = now_seconds();
  for (;;) {
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (fd < 0) die("socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return fd;
    }
    close(fd);
    if (now_seconds() - start > 5) die("connect");
    usleep(20000);
  }
}

static int stream(int argc, char **argv) {
  int port = (int)arg_number(argc, argv, 3, 5001, 1, 65535);
  double mib = arg_number(argc, argv, 4, 1024, 1, 1 << 20);
  double seconds = arg_number(argc, argv, 5, 5, 0.1, 600);
  int fd = connect_to(argv[2], port);
  static char buffer[CHUNK];
  memset(buffer, 0x5a, sizeof buffer);
  uint64_t limit = (uint64_t)(mib * 1048576), sent = 0, received = 0;
  double start = now_seconds();
  if (full_write(fd, "S", 1) != 0) die("write");
  while (sent < limit && ((sent / CHUNK) & 15 || now_seconds() - start < seconds)) {
    if (full_write(fd, buffer, CHUNK) != 0) die("write");
    sent += CHUNK;
  }
  shutdown(fd, SHUT_WR);
  if (full_read(fd, &received, sizeof received) != 0) die("read the byte count");
  double elapsed = now_seconds() - start;
  close(fd);
  printf("{\"workload\":\"tcp_stream\",\"bytes\":%llu,\"seconds\":%.4f,\"gbps\":%.4f}\n",
         (unsigned long long)received, elapsed, (double)received * 8 / elapsed / 1e9);
  return received == sent ? 0 : 1;
}

static int rr(int argc, char **argv) {
  int port = (int)arg_number(argc, argv, 3, 5001, 1, 65535);
  int count = (int)arg_number(argc, argv, 4, 10000, 1, MAX_TRANSACTIONS);
  double seconds = arg_number(argc, argv, 5, 5, 0.1, 600);
  int fd = connect_to(argv[2], port);
  double *latency = malloc((size_t)count * sizeof *latency);
  if (!latency) die("malloc");
  if (full_write(fd, "R", 1) != 0) die("write");
  char byte = 'r';
  int done = 0;
  double start = now_seconds();
  while (done < count && (done & 63 || now_seconds() - start < seconds)) {
    double t = now_seconds();
    if (full_write(fd, &byte, 1) != 0 || full_read(fd, &byte, 1) != 0) die("transaction");
    latency[done++] = (now_seconds() - t) * 1e6;
  }
  double elapsed = now_seconds() - start;
  close(fd);
  qsort(latency, (size_t)done, sizeof *latency, compare_doubles);
  double sum = 0;
  for (int i = 0; i < done; i++) sum += latency[i];
  printf("{\"workload\":\"tcp_rr\",\"transactions\":%d,\"tps\":%.1f,\"mean_us\":%.3f,\"p50_us\":%.3f,\"p99_us\":%.3f}\n",
         done, done / elapsed, sum / done, percentile(latency, done, 0.5), percentile(latency, done, 0.99));
  free(latency);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "server") == 0) return serve(argc, argv);
  if (argc >= 3 && strcmp(argv[1], "stream") == 0) return stream(argc, argv);
  if (argc >= 3 && strcmp(argv[1], "rr") == 0) return rr(argc, argv);
  fprintf(stderr, "usage: bench-tcp server PORT [conns] [timeout] | stream HOST PORT [MiB] [s] | rr HOST PORT [count] [s]\n");
  return 2;
}
