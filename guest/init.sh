#!/bin/busybox sh
# /init of the kernel-check initramfs: set up swap, run /pageout, power off.
# Parameters come from the kernel command line:
#   rsim.swap=virtio|zram  rsim.swapsize=BYTES  rsim.isolate=0|1
#   rsim.args=--opt,value,...
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
for w in $(cat /proc/cmdline); do
	case "$w" in
	rsim.swap=*) SWAP=${w#rsim.swap=} ;;
	rsim.swapsize=*) SWAPSIZE=${w#rsim.swapsize=} ;;
	rsim.isolate=*) ISOLATE=${w#rsim.isolate=} ;;
	rsim.args=*) ARGS=$(echo "${w#rsim.args=}" | tr ',' ' ') ;;
	esac
done
echo "RSIM-BOOT: uptime $(cut -d' ' -f1 /proc/uptime) s, swap=$SWAP, args: $ARGS"

# Modules for this swap type, in dependency order (written by reclaimsim kernel-check).
if [ -f "/modules/$SWAP.order" ]; then
	for m in $(cat "/modules/$SWAP.order"); do
		insmod "/modules/$m" || fail "insmod $m failed"
	done
fi

case "$SWAP" in
virtio)
	DEV=/dev/vda
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
