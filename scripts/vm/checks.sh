#!/bin/sh
# What a learner does by hand, checked in the VM before the test files:
# `berth info` naming cgroup v2, one bridged run, the container's own
# /sys/fs/cgroup, the limits as the kernel's files show them, and the cgroup
# gone after rm.  Each check prints "berth-vm-check NAME: ok" or
# "...: FAILED" (test/vm/cgroup-v2.ts reads them); the exit code is the
# number of failures.
export BERTH_ROOT=/tmp/berth-vm-checks BERTH_CGROUP_PARENT=berth-vm-checks BERTH_HUB_PORT=0 NO_COLOR=1
berth() { node "$PWD/bin/berth.js" "$@"; }
failures=0
check() {
  if [ "$2" = 0 ]; then echo "berth-vm-check $1: ok"; else echo "berth-vm-check $1: FAILED"; failures=$((failures + 1)); fi
}
seconds() { cut -d' ' -f1 /proc/uptime; }

echo "berth-vm: checks start at $(seconds)s"
version=$(berth info --format '{{.CgroupVersion}} {{.CgroupDriver}} {{.KernelVersion}}')
echo "berth info: $version"
[ "${version%% *}" = 2 ]; check info-cgroup-v2 $?

# One run on the default bridge: an address, a default route, the gateway
# answers; and the container's own cgroup at its root, read-only, as Docker's.
out=$(berth run --rm busybox sh -c 'ip -4 -o addr show eth0; ip -4 route; ping -c1 -W5 $(ip route | awk "/default/{print \$3}"); cat /proc/self/cgroup; grep cgroup /proc/mounts' 2>&1)
echo "$out"
echo "$out" | grep -q ' 0% packet loss'; check bridged-run $?
echo "$out" | grep -qx '0::/' && echo "$out" | grep -q '^cgroup2 /sys/fs/cgroup cgroup2 ro,'; check container-cgroupfs $?

# Limits in the container's cgroup files, as Docker writes them on v2.
id=$(berth run -d --net none --memory 64m --cpus 0.5 --pids-limit 20 busybox sleep 120)
dir=/sys/fs/cgroup/berth-vm-checks/$id
echo "cgroup $dir: memory.max $(cat $dir/memory.max) cpu.max $(cat $dir/cpu.max) pids.max $(cat $dir/pids.max)"
[ "$(cat $dir/memory.max)" = 67108864 ] && [ "$(cat $dir/cpu.max)" = '50000 100000' ] && [ "$(cat $dir/pids.max)" = 20 ]; check limits-files $?
berth stats --no-stream "$id"
berth stats --no-stream --format json "$id" | grep -q '"memoryLimit":67108864'; check stats-limit $?
berth rm -f "$id" >/dev/null
[ ! -d "$dir" ]; check rm-removes-cgroup $?

berth hub stop >/dev/null 2>&1
echo "berth-vm: checks end at $(seconds)s, $failures failed"
exit "$failures"
