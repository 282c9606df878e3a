/* Shared helpers of the bench workloads: a monotonic clock, bounded
 * argument parsing, and sorting for medians.  Each workload prints exactly
 * one JSON line on stdout, so the same static binary reports the same way
 * natively and inside a container. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* argv[index] as a number within [min, max], or fallback when absent. */
static inline double arg_number(int argc, char **argv, int index, double fallback, double min, double max) {
  if (index >= argc) return fallback;
  char *end = NULL;
  double value = strtod(argv[index], &end);
  if (end == argv[index] || *end != '\0' || value < min || value > max) {
    fprintf(stderr, "%s: argument %d (%s) must be a number from %g to %g\n", argv[0], index, argv[index], min, max);
    exit(2);
  }
  return value;
}

static inline int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Median of n values (sorts them in place). */
static inline double median(double *values, int n) {
  qsort(values, (size_t)n, sizeof *values, compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static inline double percentile(double *sorted, int n, double q) {
  double index = (n - 1) * q;
  int low = (int)index;
  int high = low + 1 < n ? low + 1 : low;
  return sorted[low] + (sorted[high] - sorted[low]) * (index - low);
}

#endif
