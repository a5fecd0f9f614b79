/*
 * pageout.h - what the guest program's files share: pageout.c (the
 * experiment), snapshot.c (counters and the JSON result), file_region.c
 * (the file case).
 */
#ifndef RECLAIMSIM_PAGEOUT_H
#define RECLAIMSIM_PAGEOUT_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SZ 4096UL
#define PMD_SZ (2UL << 20)
#define MAX_CPUS 64

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

/* snapshot.c: counters around each phase, and the JSON result */
#define NVM_MAX 64
#define NMCG_MAX 24
#define MAX_ROWS 64
#define MAX_PHASES 8

struct snap {
	long long tlb[MAX_CPUS], cal[MAX_CPUS], steal[MAX_CPUS];
	long long vm[NVM_MAX];    /* -1 when the counter does not exist */
	long long memfree_kb;
	long long mcg[NMCG_MAX];  /* the cgroup's memory.stat (memcg case); -1 when absent */
	int nrows;                /* every /proc/interrupts row, for diagnosis */
	char row_name[MAX_ROWS][12];
	long long row[MAX_ROWS][MAX_CPUS];
	long long spin_csw[MAX_CPUS]; /* context switches of spinner t */
	int ntasks;               /* every process: how often it was scheduled */
	struct task { int pid, cpu; long long slices; char comm[16]; } task[256];
};

/* A stretch of the experiment and its counters before and after. */
struct phase {
	const char *name;
	int is_pageout;
	int calls, errors;
	long long ns;
	struct snap before, after;
};

extern int ncpus;
extern int spin_tid[MAX_CPUS];  /* thread ids of the spinners, for their context switches */
extern int nthreads_started;
extern struct phase phases[MAX_PHASES];
extern int nphases;

const char *slurp(const char *path);
long long keyed_value(const char *text, const char *name);
long long now_ns(void);
/* Adds the file case's /proc/vmstat counters to every snapshot. */
void report_file_counters(void);
/* Adds the memcg case's /proc/vmstat counters and the cgroup's memory.stat (at stat_path). */
void report_memcg_counters(const char *stat_path);
/* Faults in the static buffers of snapshots and the result (before entering a cgroup). */
void prefault_buffers(void);
struct phase *phase_begin(const char *name, int is_pageout);
void phase_end(struct phase *p);
void jp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void json_phase(const struct phase *p);
void json_environment(void);
void print_result(void);

/* file_region.c */
int file_create(const char *path, size_t npages);
char *file_map(int fd, size_t len, int shared);
long long resident_pages(const char *region, size_t npages);

/* memcg_write.c */
void memcg_select_lru(int mglru);
void memcg_setup(size_t max_bytes);
void memcg_enter(void);
void memcg_after_write(void);
void memcg_read_trace(void);
void memcg_json(size_t max_bytes, int mglru);

#endif
