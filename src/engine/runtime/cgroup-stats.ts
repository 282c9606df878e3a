// What a cgroup says about the container in it: the numbers behind
// `berth stats` and the engine's "OOMKilled".  Same shape on v1 and v2.
export interface CgroupStats {
  /** bytes in use, minus inactive page cache (as `docker stats` shows it) */
  memoryUsage: number;
  /** the memory limit in bytes; null when unlimited */
  memoryLimit: number | null;
  /** true once the kernel's OOM killer has killed a process in this cgroup */
  oomKilled: boolean;
  /** how many processes the OOM killer took */
  oomKills: number;
  /** tasks alive now */
  pids: number;
  /** the pids limit; null when unlimited */
  pidsLimit: number | null;
  /** CPU time used by all tasks, user + system, in nanoseconds */
  cpuUsageNs: number;
  /** bytes read from / written to block devices, when the kernel accounts them */
  blkioReadBytes?: number;
  blkioWriteBytes?: number;
}
