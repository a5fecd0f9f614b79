#!/bin/busybox sh
# /init of the kernel-check initramfs: set up swap, run /pageout, power off.
# Parameters come from the kernel command line:
#   rsim.swap=virtio|zram  rsim.swapsize=BYTES  rsim.isolate=0|1
#   rsim.args=--opt,value,...
#   rsim.file=1: the experiment's file lives on an ext2 filesystem made on
#     the virtio-blk disk with serial rsim-file and mounted on /mnt
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s /bin
export PATH=/bin
exec </dev/console >/dev/console 2>&1

# poweroff -f does not wait for the serial console: drain it first.
off() {
	/pageout --drain
	poweroff -f
	sleep 5
}

fail() {
	echo "RSIM-ERROR: $*"
	off
}

SWAP=virtio
SWAPSIZE=67108864
ISOLATE=1
ARGS=
FILE=0
for w in $(cat /proc/cmdline); do
	case "$w" in
	rsim.swap=*) SWAP=${w#rsim.swap=} ;;
	rsim.swapsize=*) SWAPSIZE=${w#rsim.swapsize=} ;;
	rsim.isolate=*) ISOLATE=${w#rsim.isolate=} ;;
	rsim.args=*) ARGS=$(echo "${w#rsim.args=}" | tr ',' ' ') ;;
	rsim.file=*) FILE=${w#rsim.file=} ;;
	esac
done
echo "RSIM-BOOT: uptime $(cut -d' ' -f1 /proc/uptime) s, swap=$SWAP, args: $ARGS"

# Modules for this swap type, in dependency order (written by reclaimsim kernel-check).
if [ -f "/modules/$SWAP.order" ]; then
	for m in $(cat "/modules/$SWAP.order"); do
		insmod "/modules/$m" || fail "insmod $m failed"
	done
fi

# The file disk is told apart from the swap disk by its serial, not its probe order.
FDEV=
if [ "$FILE" = 1 ]; then
	i=0
	while [ -z "$FDEV" ] && [ $i -lt 50 ]; do
		for b in /sys/block/vd*; do
			[ "$(cat "$b/serial" 2>/dev/null)" = rsim-file ] && FDEV=/dev/${b##*/}
		done
		[ -n "$FDEV" ] || sleep 0.1
		i=$((i + 1))
	done
	[ -n "$FDEV" ] || fail "no virtio-blk disk with serial rsim-file (the file disk)"
fi

case "$SWAP" in
virtio)
	DEV=/dev/vda
	[ "$FDEV" = /dev/vda ] && DEV=/dev/vdb
	i=0
	while [ ! -b $DEV ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -b $DEV ] || fail "no $DEV (virtio-blk swap disk not found)"
	;;
zram)
	DEV=/dev/zram0
	[ -e /sys/block/zram0 ] || fail "no /sys/block/zram0 (zram module not loaded)"
	echo "$SWAPSIZE" >/sys/block/zram0/disksize || fail "cannot set zram disksize"
	;;
*) fail "unknown swap type $SWAP" ;;
esac
mkswap $DEV >/dev/null || fail "mkswap $DEV failed"
swapon $DEV || fail "swapon $DEV failed"

# A kernel without THP has no such file and needs nothing.
THP=/sys/kernel/mm/transparent_hugepage/enabled
[ -e $THP ] && { echo never >$THP || fail "cannot disable THP"; }
[ -w /sys/module/zswap/parameters/enabled ] && echo N >/sys/module/zswap/parameters/enabled

# The file case: ext2 with 4 KiB blocks (one block per page; ext4's driver
# mounts it).  No flusher work during the experiment: the periodic writeback
# is off and the dirty thresholds are far above the region, so a folio the
# program dirtied is still dirty, and not under writeback, when it is paged
# out (reclaim itself never writes a file folio from MADV_PAGEOUT).
if [ "$FILE" = 1 ]; then
	mke2fs -F -b 4096 -m 0 $FDEV >/dev/null 2>&1 || fail "mke2fs $FDEV failed"
	mkdir -p /mnt
	mount -t ext2 $FDEV /mnt || fail "mount -t ext2 $FDEV failed (no ext4 driver?)"
	echo 0 >/proc/sys/vm/dirty_writeback_centisecs
	echo 360000 >/proc/sys/vm/dirty_expire_centisecs
	echo 80 >/proc/sys/vm/dirty_ratio
	echo 50 >/proc/sys/vm/dirty_background_ratio
fi

# Keep the spinning CPUs (1..T) to their spinners: unbound kworkers (e.g.
# the writeback flusher), other unbound kernel threads (e.g. rcu_preempt)
# and device interrupts go to CPU 0.  A kernel thread running on a
# spinner's CPU makes that CPU lazy, and batched flushes skip it.
# (Per-CPU kernel threads refuse the new affinity and stay where they are.)
if [ "$ISOLATE" = 1 ]; then
	echo 1 >/sys/devices/virtual/workqueue/cpumask 2>/dev/null
	for f in /proc/irq/*/smp_affinity; do echo 1 >"$f" 2>/dev/null; done
	for d in /proc/[0-9]*; do
		[ -s "$d/cmdline" ] || taskset -p 1 "${d#/proc/}" >/dev/null 2>&1
	done
fi

echo "RSIM-START: uptime $(cut -d' ' -f1 /proc/uptime) s"
# Start on CPU 0 so the new mm is created there (pageout pins itself anyway).
taskset 1 /pageout $ARGS
echo "RSIM-EXIT: $? uptime $(cut -d' ' -f1 /proc/uptime) s"
off
