/*
 * file_region.c - the file case of the guest experiment: the region is a
 * file on an ext2 filesystem (on its own virtio-blk disk, made and mounted
 * by /init), mapped MAP_SHARED or MAP_PRIVATE.
 *
 * The experiment starts from a known state: the file holds data (gen 0) on
 * disk and none of it is in the page cache, so the first access of each
 * page reads it from the disk into a new, clean, order-0 folio (ext4 in
 * 6.12 has no large folios in the page cache).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pageout.h"

static uint64_t page_buf[PAGE_SZ / 8];

/*
 * Creates the file with `npages` pages of data, writes it to the disk and
 * drops the page cache (drop_caches 3: clean page cache and slab), so not
 * one of its pages is cached when it is mapped.  Returns an O_RDWR fd.
 */
int file_create(const char *path, size_t npages)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	for (size_t p = 0; p < npages; p++) {
		for (size_t i = 0; i < PAGE_SZ / 8; i++)
			page_buf[i] = word_of(p, i, 0);
		if (write(fd, page_buf, PAGE_SZ) != (ssize_t)PAGE_SZ)
			die("write %s: %s", path, strerror(errno));
	}
	if (fsync(fd))
		die("fsync %s: %s", path, strerror(errno));
	sync();
	write_sysfs("/proc/sys/vm/drop_caches", "3");
	return fd;
}

/* Maps the whole file at a 2 MiB aligned address, so it fills whole PMDs as the anonymous region does. */
char *file_map(int fd, size_t len, int shared)
{
	char *raw = mmap(NULL, len + PMD_SZ, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		die("mmap %zu bytes: %s", len, strerror(errno));
	char *region = (char *)(((uintptr_t)raw + PMD_SZ - 1) & ~(PMD_SZ - 1));
	if (mmap(region, len, PROT_READ | PROT_WRITE, (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED, fd, 0) != region)
		die("mmap of the file: %s", strerror(errno));
	if (region > raw)
		munmap(raw, (size_t)(region - raw));
	munmap(region + len, (size_t)(raw + PMD_SZ - region));
	return region;
}

static unsigned char residency[1 << 20];

/* Pages of the region in memory (mincore: for a file mapping, in the page cache); -1 if it cannot tell. */
long long resident_pages(const char *region, size_t npages)
{
	if (npages > sizeof(residency) || mincore((void *)region, npages * PAGE_SZ, residency))
		return -1;
	long long n = 0;
	for (size_t p = 0; p < npages; p++)
		n += residency[p] & 1;
	return n;
}
