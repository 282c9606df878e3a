/* bench-linpack [n] [reps]: a LINPACK-like compute kernel, a dense n×n
 * double-precision matrix multiply (C += A·B, blocked i-k-j loops), timed
 * reps times.  Prints GFLOPS over the whole run (2n³ flops per multiply:
 * what a CPU quota caps), the median and best of the reps, and the share of
 * the wall-clock time it got a CPU for (at most the --cpus limit). */
#include "common.h"

#define BLOCK 64

static void multiply(int n, const double *a, const double *b, double *c) {
  for (int ii = 0; ii < n; ii += BLOCK)
    for (int kk = 0; kk < n; kk += BLOCK)
      for (int i = ii; i < ii + BLOCK && i < n; i++)
        for (int k = kk; k < kk + BLOCK && k < n; k++) {
          double aik = a[(size_t)i * n + k];
          const double *brow = b + (size_t)k * n;
          double *crow = c + (size_t)i * n;
          for (int j = 0; j < n; j++) crow[j] += aik * brow[j];
        }
}

int main(int argc, char **argv) {
  int n = (int)arg_number(argc, argv, 1, 512, 16, 4096);
  int reps = (int)arg_number(argc, argv, 2, 3, 1, 50);
  size_t count = (size_t)n * n;
  double *a = malloc(count * sizeof *a), *b = malloc(count * sizeof *b), *c = malloc(count * sizeof *c);
  if (!a || !b || !c) { fprintf(stderr, "bench-linpack: out of memory for n=%d\n", n); return 1; }
  for (size_t i = 0; i < count; i++) { a[i] = (double)(i % 7) / 7.0; b[i] = (double)(i % 5) / 5.0; }
  double rates[50], best = 0, checksum = 0, total = 0;
  struct timespec cpu0, cpu1;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0);
  double wall0 = now_seconds();
  for (int r = 0; r < reps; r++) {
    memset(c, 0, count * sizeof *c);
    double start = now_seconds();
    multiply(n, a, b, c);
    double elapsed = now_seconds() - start;
    total += elapsed;
    rates[r] = 2.0 * n * (double)n * n / elapsed / 1e9;
    if (rates[r] > best) best = rates[r];
    checksum += c[count / 2];
  }
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu1);
  double wall = now_seconds() - wall0;
  double cpu = (double)(cpu1.tv_sec - cpu0.tv_sec) + (double)(cpu1.tv_nsec - cpu0.tv_nsec) / 1e9;
  printf("{\"cpu_share\":%.4f,\"workload\":\"linpack\",\"n\":%d,\"reps\":%d,\"gflops\":%.4f,\"median_gflops\":%.4f,\"best_gflops\":%.4f,\"seconds\":%.4f,\"checksum\":%.6g}\n",
         cpu / wall, n, reps, 2.0 * n * (double)n * n * reps / total / 1e9, median(rates, reps), best, total, checksum);
  free(a); free(b); free(c);
  return 0;
}
