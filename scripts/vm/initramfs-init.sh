#!/bin/busybox sh
# PID 1 of the VM's initramfs: load the virtio and ext4 modules the stock
# Debian kernel keeps out of its image, mount the root disk (/dev/vda) and
# hand over to its /sbin/berth-vm-init.  Static busybox is all there is here.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Order matters: each module's dependencies first (the list comes from image.mjs).
for module in $(cat /modules.order); do
  insmod "/modules/$module.ko" || echo "berth-vm: insmod $module failed"
done
# The disk shows up once virtio_blk has probed it: wait for it, bounded.
tries=0
while [ ! -b /dev/vda ] && [ $tries -lt 100 ]; do sleep 0.1; tries=$((tries + 1)); done
mkdir -p /root
if ! mount -t ext4 -o rw /dev/vda /root; then
  echo "berth-vm: cannot mount /dev/vda"; echo o > /proc/sysrq-trigger
fi
umount /proc /sys
mount --move /dev /root/dev
exec switch_root /root /sbin/berth-vm-init
