// What each row of the report is checked against: the seed talk's claim and
// the finding of Felter et al. (IBM Research, 2014) for the same workload.
// See /work/shared/REFERENCES.md for the paper's table.

export const SEED = {
  cpu: 'CPU performance: equal to native',
  memory: 'memory: small overhead for (optional) accounting',
  network: 'network: small overhead, can be reduced to zero',
  none: 'no claim in the seed',
} as const;

export const PAPER = {
  linpack: 'LINPACK 290.4 vs 290.8 GFLOPS: equal',
  cpuLimit: 'not measured (cgroup CPU quota caps throughput)',
  streamCopy: 'STREAM copy 41.3 GB/s: equal within noise',
  stream: 'STREAM: equal within noise',
  random: 'RandomAccess ~0.0126 GUPS: within ~2%',
  memoryLimit: 'not measured (memory cgroup accounting)',
  nuttcp: 'nuttcp 9.3 vs 9.3 Gbps: throughput equal',
  nuttcpNat: 'nuttcp 9.3 Gbps through NAT: equal, costs CPU',
  netperfHost: 'host networking: native latency',
  netperfNat: 'netperf TCP_RR: NAT roughly doubles latency',
  proxy: 'Percona: userland proxy 2200 vs 7100 tps',
  fioVolume: 'fio 84.1k vs 84.0k IOPS on a volume: equal',
  fioSeq: 'fio sequential 1M 751 MB/s: identical',
  cowStorage: 'AUFS storage clearly lower (MySQL)',
  copyUp: 'copy-on-write costs on first write',
  startup: 'crun 17 ms, runc 33 ms per /bin/true; docker ~400 ms',
  storage: 'not measured (Slacker: pull is 76% of start-up)',
} as const;
