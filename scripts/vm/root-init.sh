#!/bin/sh
# PID 1 of the VM's root: set the machine up as systemd would on a cgroup v2
# distribution (cgroup2 with nsdelegate and memory_recursiveprot, the
# controllers enabled for children), run the job from the job disk
# (/dev/vdb, its run.sh) and write its exit code there, then power off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /run /tmp
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /run
mount -o remount,rw /
echo 1 > /proc/sys/kernel/sysrq
mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup
echo '+cpuset +cpu +io +memory +pids' > /sys/fs/cgroup/cgroup.subtree_control
echo "berth-vm: $(grep ' /sys/fs/cgroup ' /proc/mounts)"
echo "berth-vm: cgroup.subtree_control: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
hostname berth-vm
# Loop devices (the devices test attaches one) are a module in the stock kernel, loaded on no demand of their own.
modprobe loop
ip link set lo up
mkdir -p /job
status=125
if mount -t ext4 /dev/vdb /job; then
  echo "berth-vm: job started $(cut -d' ' -f1 /proc/uptime)s after boot"
  (cd /job && sh ./run.sh) < /dev/null 2>&1
  status=$?
  echo "berth-vm: job finished at $(cut -d' ' -f1 /proc/uptime)s, exit code $status"
  echo "$status" > /job/exit-code
  # What the job left running (a hub, say) holds the disk: end it first.
  kill -KILL -1 2>/dev/null
  sleep 1
  sync
  umount /job
else
  echo "berth-vm: cannot mount the job disk /dev/vdb"
fi
echo "BERTH-VM-EXIT $status"
sync
echo o > /proc/sysrq-trigger
sleep 10
