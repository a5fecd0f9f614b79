/*
 * pageout.c - guest-side MADV_PAGEOUT experiment for reclaimsim kernel-check.
 *
 * Runs inside a small VM.  The main thread (pinned to CPU 0) writes a private
 * anonymous region, pages it out with MADV_PAGEOUT and reports how the
 * per-CPU "TLB"/"CAL" rows of /proc/interrupts and a few /proc/vmstat
 * counters moved.  With --file the region is a file mapping instead
 * (file_region.c), written (dirty) or only read (clean) before one pageout.
 * With --memcg-max there is no pageout: the process enters a cgroup of that
 * memory.max and writes the region once (memcg_write.c), so memcg limit
 * reclaim pages it out.
 * T helper threads spin in user space on CPUs 1..T, so those CPUs have the
 * mm loaded (non-lazy) during the pageout.
 *
 * Output: one JSON object on stdout between ===RESULT-BEGIN=== and
 * ===RESULT-END=== (snapshot.c).  Between the snapshots that bracket a pageout the
 * program makes no mmap/munmap/brk/mprotect call and does no stdio, so
 * nothing of its own consumes or adds deferred TLB-flush state.
 *
 * Build: gcc -std=gnu11 -static -O2 -pthread -o pageout pageout.c snapshot.c file_region.c memcg_write.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "pageout.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

/* ------------------------------------------------------------------ */
/* options                                                            */

static struct {
	int threads;      /* spinning threads on CPUs 1..threads */
	size_t size;      /* bytes to page out */
	int chunk_2m;     /* 0: one madvise call, 1: one call per 2 MiB */
	int clean;        /* 0: dirty mode, 1: clean re-pageout mode */
	int lazy_cpu;     /* -1: none */
	const char *thp;  /* NULL: leave THP off; else never|always|madvise for .../enabled */
	const char *mthp; /* NULL, or SIZE:SETTING pairs for hugepages-SIZEkB/enabled, joined by '+' (64:always+16:never) */
	const char *file; /* NULL: private anonymous region; else the file to create and map */
	int shared;       /* with --file: 1 MAP_SHARED, 0 MAP_PRIVATE */
	size_t memcg_max; /* 0, or the memcg case: write the region once inside a cgroup of this memory.max */
	int mglru;        /* memcg case: 1 MGLRU (lru_gen 0x0007), 0 classic (lru_gen n) */
} opt = { 1, 16UL << 20, 0, 0, -1, NULL, NULL, NULL, 1, 0, 0 };

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("pageout: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	printf("===RESULT-ERROR===\n");
	fflush(stdout);
	exit(2);
}

static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end || v == 0)
		die("bad size '%s'", s);
	return (size_t)v;
}

static void parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			die("option %s needs a value", a);
		if (!strcmp(a, "--threads"))
			opt.threads = atoi(v);
		else if (!strcmp(a, "--size"))
			opt.size = parse_size(v);
		else if (!strcmp(a, "--chunk"))
			opt.chunk_2m = !strcmp(v, "2M") || !strcmp(v, "2m");
		else if (!strcmp(a, "--mode"))
			opt.clean = !strcmp(v, "clean");
		else if (!strcmp(a, "--lazy-cpu"))
			opt.lazy_cpu = atoi(v);
		else if (!strcmp(a, "--thp"))
			opt.thp = v;
		else if (!strcmp(a, "--mthp"))
			opt.mthp = v;
		else if (!strcmp(a, "--file"))
			opt.file = v;
		else if (!strcmp(a, "--mapping"))
			opt.shared = !strcmp(v, "shared");
		else if (!strcmp(a, "--memcg-max"))
			opt.memcg_max = parse_size(v);
		else if (!strcmp(a, "--lru")) {
			if (strcmp(v, "classic") && strcmp(v, "mglru"))
				die("--lru wants classic or mglru, got %s", v);
			opt.mglru = !strcmp(v, "mglru");
		}
		else
			die("unknown option %s", a);
		i++;
	}
	if (opt.size % PAGE_SZ)
		die("--size must be a multiple of 4096");
}

/* ------------------------------------------------------------------ */
/* CPUs and spinning threads                                          */

static void pin_self(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity(cpu %d): %s", cpu, strerror(errno));
}

static atomic_int stop_flag, ready_count;
static unsigned char hot[MAX_CPUS][PAGE_SZ] __attribute__((aligned(4096)));
static unsigned long long spin_loops[MAX_CPUS];

static void *spinner(void *arg)
{
	int cpu = (int)(intptr_t)arg;
	volatile unsigned char *b = hot[cpu];
	unsigned long long n = 0;

	pin_self(cpu);
	spin_tid[cpu - 1] = gettid();
	atomic_fetch_add(&ready_count, 1);
	while (!atomic_load_explicit(&stop_flag, memory_order_relaxed)) {
		for (size_t i = 0; i < PAGE_SZ; i += 64)
			b[i] = (unsigned char)(b[i] + 1);
		n++;
	}
	spin_loops[cpu] = n;
	return NULL;
}

static void busy_ms(int ms)
{
	long long end = now_ns() + ms * 1000000LL;
	while (now_ns() < end)
		;
}

/*
 * Make every CPU that may still hold this mm lazily (for instance the CPU
 * the program was exec'd on) drop it: unmapping a fully populated, aligned
 * 2 MiB range frees a page-table page, and that flush goes to every CPU in
 * mm_cpumask, lazy ones included.  Done before any counter snapshot.
 */
static void drop_lazy_holders(void)
{
	char *p = mmap(NULL, 2 * PMD_SZ, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	char *a = (char *)(((uintptr_t)p + PMD_SZ - 1) & ~(PMD_SZ - 1));
	madvise(p, 2 * PMD_SZ, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < PMD_SZ; i += PAGE_SZ)
		a[i] = 1;
	munmap(p, 2 * PMD_SZ);
}

/* ------------------------------------------------------------------ */
/* transparent huge pages                                             */

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"
/* The anonymous mTHP sizes of x86-64, kB (orders 2..9), and the stats reported. */
static const int mthp_kb[] = { 16, 32, 64, 128, 256, 512, 1024, 2048 };
#define NMTHP (sizeof(mthp_kb) / sizeof(mthp_kb[0]))
static const char *const mthp_stat_names[] = { "anon_fault_alloc", "anon_fault_fallback", "swpout", "swpout_fallback", "split" };
#define NMTHP_STAT (sizeof(mthp_stat_names) / sizeof(mthp_stat_names[0]))
static long long mthp_before[NMTHP][NMTHP_STAT], mthp_after[NMTHP][NMTHP_STAT];

void write_sysfs(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	if (write(fd, value, strlen(value)) < 0)
		die("write '%s' to %s: %s", value, path, strerror(errno));
	close(fd);
}

/* Sets the sysfs knobs the scenario asks for (the kernel boots with THP never). */
static void setup_thp(void)
{
	if (opt.thp)
		write_sysfs(THP_DIR "/enabled", opt.thp);
	if (!opt.mthp)
		return;
	char list[512];
	snprintf(list, sizeof(list), "%s", opt.mthp);
	for (char *item = strtok(list, "+"); item; item = strtok(NULL, "+")) {
		char *eq = strchr(item, ':');
		if (!eq)
			die("--mthp wants SIZE:SETTING (kB), got %s", item);
		*eq = 0;
		char path[256];
		snprintf(path, sizeof(path), THP_DIR "/hugepages-%skB/enabled", item);
		write_sysfs(path, eq + 1);
	}
}

/* The region is marked MADV_HUGEPAGE when a setting is madvise; else THP is off for it unless asked. */
static int thp_wanted(void)
{
	return (opt.thp && strcmp(opt.thp, "never")) || (opt.mthp && strstr(opt.mthp, ":always")) || (opt.mthp && strstr(opt.mthp, ":madvise"));
}

static int thp_madvise(void)
{
	return (opt.thp && !strcmp(opt.thp, "madvise")) || (opt.mthp && strstr(opt.mthp, ":madvise"));
}

static void read_mthp_stats(long long stats[NMTHP][NMTHP_STAT])
{
	for (size_t i = 0; i < NMTHP; i++)
		for (size_t j = 0; j < NMTHP_STAT; j++) {
			char path[256];
			snprintf(path, sizeof(path), THP_DIR "/hugepages-%dkB/stats/%s", mthp_kb[i], mthp_stat_names[j]);
			const char *t = slurp(path);
			stats[i][j] = t[0] ? atoll(t) : -1;
		}
}

/* ------------------------------------------------------------------ */
/* the region                                                         */

static char *region;
static size_t npages;
static int file_fd = -1;

static void map_region(void)
{
	size_t len = opt.size;
	npages = len / PAGE_SZ;
	if (opt.file) {
		file_fd = file_create(opt.file, npages);
		region = file_map(file_fd, len, opt.shared);
		madvise(region, len, MADV_NOHUGEPAGE);
		return;
	}
	char *raw = mmap(NULL, len + PMD_SZ, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		die("mmap %zu bytes: %s", len, strerror(errno));
	region = (char *)(((uintptr_t)raw + PMD_SZ - 1) & ~(PMD_SZ - 1));
	if (region > raw)
		munmap(raw, (size_t)(region - raw));
	munmap(region + len, (size_t)(raw + PMD_SZ - region));
	/* Aligned to 2 MiB either way; large folios only when the scenario asks. */
	if (!thp_wanted())
		madvise(region, len, MADV_NOHUGEPAGE);
	else if (thp_madvise())
		madvise(region, len, MADV_HUGEPAGE);
}

static void fill_region(unsigned gen)
{
	for (size_t p = 0; p < npages; p++) {
		uint64_t *w = (uint64_t *)(region + p * PAGE_SZ);
		for (size_t i = 0; i < PAGE_SZ / 8; i++)
			w[i] = word_of(p, i, gen);
	}
}

/* Reads every word (read faults only); returns the number of pages that differ from `gen`. */
static size_t check_region(unsigned gen)
{
	size_t bad = 0;
	for (size_t p = 0; p < npages; p++) {
		const volatile uint64_t *w = (const uint64_t *)(region + p * PAGE_SZ);
		int ok = 1;
		for (size_t i = 0; i < PAGE_SZ / 8; i++)
			ok &= w[i] == word_of(p, i, gen);
		bad += !ok;
	}
	return bad;
}

static void do_pageout(const char *name)
{
	struct phase *ph = phase_begin(name, 1);
	size_t step = opt.chunk_2m ? PMD_SZ : opt.size;
	for (size_t off = 0; off < opt.size; off += step) {
		size_t n = opt.size - off < step ? opt.size - off : step;
		ph->calls++;
		if (madvise(region + off, n, MADV_PAGEOUT))
			ph->errors++;
	}
	phase_end(ph);
}

static void wait_writeback(void)
{
	struct phase *ph = phase_begin("writeback-wait", 0);
	long long deadline = now_ns() + 20000000000LL;
	while (now_ns() < deadline &&
	       keyed_value(slurp("/proc/vmstat"), "nr_writeback") > 0)
		usleep(10000);
	usleep(200000);
	phase_end(ph);
}

/* ------------------------------------------------------------------ */
/* the experiments                                                    */

static size_t verify_bad, readback_bad;
static const char *last_pageout;
/* File case: pages of the file in memory when mapped, after the access, after the pageout. */
static long long resident[3];

/* Write, dirty pageout; in clean mode wait, read back and page out again; verify. */
static void anon_experiment(void)
{
	struct phase *ph = phase_begin("write", 0);
	fill_region(0);
	phase_end(ph);

	do_pageout("dirty-pageout");
	last_pageout = "dirty-pageout";

	if (opt.clean) {
		wait_writeback();
		ph = phase_begin("readback", 0);
		readback_bad = check_region(0);
		phase_end(ph);
		do_pageout("clean-pageout");
		last_pageout = "clean-pageout";
	}

	ph = phase_begin("verify", 0);
	verify_bad = check_region(0);
	phase_end(ph);
}

/*
 * The file case: write every page through the mapping (dirty: new data,
 * gen 1) or only read it (clean), one pageout, verify through the mapping.
 * A dirty MAP_SHARED file is then fsync'ed: that writes what reclaim left
 * dirty, so the disk ends with the new data.
 */
static void file_experiment(void)
{
	resident[0] = resident_pages(region, npages);
	struct phase *ph = phase_begin(opt.clean ? "read" : "write", 0);
	if (opt.clean)
		readback_bad = check_region(0);
	else
		fill_region(1);
	phase_end(ph);
	resident[1] = resident_pages(region, npages);

	do_pageout("pageout");
	last_pageout = "pageout";
	resident[2] = resident_pages(region, npages);

	ph = phase_begin("verify", 0);
	verify_bad = check_region(opt.clean ? 0 : 1);
	phase_end(ph);
	if (!opt.clean && opt.shared) {
		ph = phase_begin("fsync", 0);
		if (fsync(file_fd))
			die("fsync: %s", strerror(errno));
		phase_end(ph);
	}
}

/*
 * The memcg case: everything the process touches besides the region is
 * faulted in before it enters the cgroup, so the cgroup is charged only
 * for the region (and its page tables); then one sequential write.
 */
static void memcg_experiment(void)
{
	prefault_buffers();
	memcg_enter();
	busy_ms(50);
	struct phase *ph = phase_begin("memcg-write", 0);
	fill_region(0);
	phase_end(ph);
	last_pageout = "memcg-write";
	memcg_after_write();
	memcg_read_trace();

	ph = phase_begin("verify", 0);
	verify_bad = check_region(0);
	phase_end(ph);
}

int main(int argc, char **argv)
{
	/* "pageout --drain": wait until the console has sent everything
	 * (used by /init before poweroff, which would cut the output short). */
	if (argc == 2 && !strcmp(argv[1], "--drain")) {
		tcdrain(STDOUT_FILENO);
		return 0;
	}
	parse_args(argc, argv);
	if (opt.file)
		report_file_counters();
	ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpus > MAX_CPUS)
		die("more than %d CPUs", MAX_CPUS);
	if (opt.threads < 0 || opt.threads > ncpus - 1)
		die("--threads %d needs at least %d CPUs (have %d)",
		    opt.threads, opt.threads + 1, ncpus);
	if (opt.lazy_cpu >= ncpus || opt.lazy_cpu == 0)
		die("--lazy-cpu must be 1..%d", ncpus - 1);

	int start_cpu = sched_getcpu();
	pin_self(0);
	if (opt.memcg_max) {
		memcg_select_lru(opt.mglru);
		memcg_setup(opt.memcg_max);
	}
	setup_thp();
	map_region();

	pthread_t tids[MAX_CPUS];
	for (int t = 0; t < opt.threads; t++)
		if (pthread_create(&tids[t], NULL, spinner, (void *)(intptr_t)(t + 1)))
			die("pthread_create failed");
	while (atomic_load(&ready_count) < opt.threads)
		sched_yield();
	nthreads_started = opt.threads;

	drop_lazy_holders();
	if (opt.lazy_cpu > 0) {
		pin_self(opt.lazy_cpu);
		busy_ms(20);
		pin_self(0);
	}
	busy_ms(50);

	read_mthp_stats(mthp_before);
	if (opt.memcg_max)
		memcg_experiment();
	else if (opt.file)
		file_experiment();
	else
		anon_experiment();
	read_mthp_stats(mthp_after);
	atomic_store(&stop_flag, 1);
	for (int t = 0; t < opt.threads; t++)
		pthread_join(tids[t], NULL);

	jp("{\"schema\":\"reclaimsim/kernel-check-guest@1\",");
	json_environment();
	jp(",\"args\":{\"threads\":%d,\"size\":%zu,\"pages\":%zu,\"pmds\":%zu,"
	   "\"chunk\":\"%s\",\"mode\":\"%s\",\"lazy_cpu\":%d}",
	   opt.threads, opt.size, npages, (opt.size + PMD_SZ - 1) / PMD_SZ,
	   opt.chunk_2m ? "2M" : "whole", opt.clean ? "clean" : "dirty", opt.lazy_cpu);
	if (opt.file)
		jp(",\"file\":{\"path\":\"%s\",\"mapping\":\"%s\",\"resident_pages\":"
		   "{\"mapped\":%lld,\"accessed\":%lld,\"after_pageout\":%lld}}",
		   opt.file, opt.shared ? "shared" : "private", resident[0], resident[1], resident[2]);
	if (opt.memcg_max)
		memcg_json(opt.memcg_max, opt.mglru);
	jp(",\"start_cpu\":%d,\"region\":\"%p\"", start_cpu, (void *)region);
	jp(",\"last_pageout\":\"%s\"", last_pageout);
	jp(",\"phases\":[");
	for (int i = 0; i < nphases; i++) {
		jp(i ? "," : "");
		json_phase(&phases[i]);
	}
	jp("],\"verify\":{\"pages\":%zu,\"mismatches\":%zu,\"readback_mismatches\":%zu}",
	   npages, verify_bad, readback_bad);
	/* Per-size mTHP stats over the whole program (sizes that moved). */
	jp(",\"mthp\":{");
	int first_size = 1;
	for (size_t i = 0; i < NMTHP; i++) {
		int moved = 0;
		for (size_t j = 0; j < NMTHP_STAT; j++)
			moved |= mthp_before[i][j] >= 0 && mthp_after[i][j] != mthp_before[i][j];
		if (!moved)
			continue;
		jp("%s\"hugepages-%dkB\":{", first_size ? "" : ",", mthp_kb[i]);
		for (size_t j = 0; j < NMTHP_STAT; j++)
			jp("%s\"%s\":%lld", j ? "," : "", mthp_stat_names[j], mthp_after[i][j] - mthp_before[i][j]);
		jp("}");
		first_size = 0;
	}
	jp("}");
	jp(",\"spinner_loops\":[");
	for (int t = 0; t < opt.threads; t++)
		jp(t ? ",%llu" : "%llu", spin_loops[t + 1]);
	jp("]}");

	print_result();
	return verify_bad ? 1 : 0;
}
