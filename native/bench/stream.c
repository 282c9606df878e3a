/* bench-stream [elements] [reps]: McCalpin's STREAM kernels (copy, scale,
 * add, triad) on three arrays of doubles, single-threaded.  As STREAM does,
 * each kernel's best rate over the reps is reported, in GB/s (10^9 B/s). */
#include "common.h"

int main(int argc, char **argv) {
  size_t n = (size_t)arg_number(argc, argv, 1, 10000000, 1000, 400000000);
  int reps = (int)arg_number(argc, argv, 2, 5, 1, 100);
  double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
  if (!a || !b || !c) { fprintf(stderr, "bench-stream: out of memory for %zu elements\n", n); return 1; }
  for (size_t i = 0; i < n; i++) { a[i] = 1.0; b[i] = 2.0; c[i] = 0.0; }
  const double scalar = 3.0;
  double best[4] = {1e30, 1e30, 1e30, 1e30};
  for (int r = 0; r < reps; r++) {
    double t = now_seconds();
    for (size_t i = 0; i < n; i++) c[i] = a[i];
    double t1 = now_seconds(); if (t1 - t < best[0]) best[0] = t1 - t;
    for (size_t i = 0; i < n; i++) b[i] = scalar * c[i];
    double t2 = now_seconds(); if (t2 - t1 < best[1]) best[1] = t2 - t1;
    for (size_t i = 0; i < n; i++) c[i] = a[i] + b[i];
    double t3 = now_seconds(); if (t3 - t2 < best[2]) best[2] = t3 - t2;
    for (size_t i = 0; i < n; i++) a[i] = b[i] + scalar * c[i];
    double t4 = now_seconds(); if (t4 - t3 < best[3]) best[3] = t4 - t3;
  }
  double bytes = (double)n * sizeof(double);
  printf("{\"workload\":\"stream\",\"elements\":%zu,\"reps\":%d,\"copy_gbs\":%.4f,\"scale_gbs\":%.4f,\"add_gbs\":%.4f,\"triad_gbs\":%.4f,\"checksum\":%.6g}\n",
         n, reps, 2 * bytes / best[0] / 1e9, 2 * bytes / best[1] / 1e9, 3 * bytes / best[2] / 1e9, 3 * bytes / best[3] / 1e9, a[n / 2]);
  free(a); free(b); free(c);
  return 0;
}
