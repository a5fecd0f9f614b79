/*
 * pageout.h - what guest/pageout.c and guest/file_region.c share.
 */
#ifndef RECLAIMSIM_PAGEOUT_H
#define RECLAIMSIM_PAGEOUT_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SZ 4096UL
#define PMD_SZ (2UL << 20)

/* Prints the error and an ===RESULT-ERROR=== marker, exits 2. */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* Writes `value` to a sysfs or procfs file, or dies. */
void write_sysfs(const char *path, const char *value);

/*
 * The 8-byte word `w` of page `page`: never zero, never the same twice in a
 * page.  `gen` tells a write apart from the data it replaces (gen 0 is what
 * the anonymous experiment and the file's creation write).
 */
static inline uint64_t word_of(size_t page, size_t w, unsigned gen)
{
	return (page * 0x9E3779B97F4A7C15ULL) ^ (w * 0xBF58476D1CE4E5B9ULL) ^ 0x5A5A0000C3C3ULL ^
	       (gen * 0x94D049BB133111EBULL);
}

/* file_region.c */
int file_create(const char *path, size_t npages);
char *file_map(int fd, size_t len, int shared);
long long resident_pages(const char *region, size_t npages);

#endif
