const MiB = 1024 * 1024;
/** The guest program's limit (MAX_CPUS in guest/pageout.h). */
export const GUEST_CPUS_MAX = 64;
/** Guest memory besides the region: the kernel, the unpacked initramfs, page tables and free-page slack (a 6.12 Debian guest uses ~70 MiB). */
export const GUEST_MEMORY_BASE = 128 * MiB;
