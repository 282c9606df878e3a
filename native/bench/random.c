/* bench-random [log2 table size] [updates per entry]: HPCC RandomAccess
 * (GUPS): XOR updates of a 64-bit table at addresses from the HPCC LFSR, so
 * nearly every update misses the caches and the TLB: memory latency. */
#include <stdint.h>
#include "common.h"

#define POLY 0x0000000000000007ULL

int main(int argc, char **argv) {
  int log2size = (int)arg_number(argc, argv, 1, 24, 10, 32);
  int per_entry = (int)arg_number(argc, argv, 2, 4, 1, 16);
  uint64_t size = 1ULL << log2size, updates = size * (uint64_t)per_entry;
  uint64_t *table = malloc(size * sizeof *table);
  if (!table) { fprintf(stderr, "bench-random: out of memory for 2^%d entries\n", log2size); return 1; }
  for (uint64_t i = 0; i < size; i++) table[i] = i;
  uint64_t ran = 1;
  double start = now_seconds();
  for (uint64_t i = 0; i < updates; i++) {
    ran = (ran << 1) ^ ((int64_t)ran < 0 ? POLY : 0);
    table[ran & (size - 1)] ^= ran;
  }
  double elapsed = now_seconds() - start;
  uint64_t checksum = 0;
  for (uint64_t i = 0; i < size; i += 4096) checksum ^= table[i];
  printf("{\"workload\":\"random\",\"log2_size\":%d,\"updates\":%llu,\"gups\":%.6f,\"seconds\":%.4f,\"checksum\":%llu}\n",
         log2size, (unsigned long long)updates, (double)updates / elapsed / 1e9, elapsed, (unsigned long long)checksum);
  free(table);
  return 0;
}
