/*
 * pageout.c - guest-side MADV_PAGEOUT experiment for reclaimsim kernel-check.
 *
 * Runs inside a small VM.  The main thread (pinned to CPU 0) writes a private
 * anonymous region, pages it out with MADV_PAGEOUT and reports how the
 * per-CPU "TLB"/"CAL" rows of /proc/interrupts and a few /proc/vmstat
 * counters moved.  With --file the region is a file mapping instead
 * (file_region.c), written (dirty) or only read (clean) before one pageout.  T helper threads spin in user space on CPUs 1..T, so
 * those CPUs have the mm loaded (non-lazy) during the pageout.
 *
 * Output: one JSON object on stdout between ===RESULT-BEGIN=== and
 * ===RESULT-END===.  Between the snapshots that bracket a pageout the
 * program makes no mmap/munmap/brk/mprotect call and does no stdio, so
 * nothing of its own consumes or adds deferred TLB-flush state.
 *
 * Build: gcc -std=gnu11 -static -O2 -pthread -o pageout pageout.c file_region.c
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
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "pageout.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define MAX_CPUS 64

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
} opt = { 1, 16UL << 20, 0, 0, -1, NULL, NULL, NULL, 1 };

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
		else
			die("unknown option %s", a);
		i++;
	}
	if (opt.size % PAGE_SZ)
		die("--size must be a multiple of 4096");
}

/* ------------------------------------------------------------------ */
/* reading /proc without allocating                                   */

static char fbuf[1 << 18];

static const char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;
	if (fd < 0) {
		fbuf[0] = 0;
		return fbuf;
	}
	for (;;) {
		ssize_t r = read(fd, fbuf + n, sizeof(fbuf) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	fbuf[n] = 0;
	return fbuf;
}

/* Value of "name <number>" at the start of a line; -1 if absent. */
static long long keyed_value(const char *text, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		if (!strncmp(p, name, len) && (p[len] == ' ' || p[len] == ':' || p[len] == '\t')) {
			p += len;
			while (*p == ' ' || *p == ':' || *p == '\t')
				p++;
			return strtoll(p, NULL, 10);
		}
	}
	return -1;
}

static const char *const vm_names[] = {
	"pswpout", "pswpin", "pgfree", "pgactivate", "pgrotated", "pgmajfault",
	"pgfault", "zswpout",
	"nr_tlb_remote_flush", "nr_tlb_remote_flush_received",
	"nr_tlb_local_flush_all", "nr_tlb_local_flush_one",
	"thp_fault_alloc", "thp_fault_fallback", "thp_split_page", "thp_split_pmd",
	"thp_deferred_split_page", "thp_swpout", "thp_swpout_fallback",
	/* reported in the file case only (NVM_ANON below) */
	"pgpgin", "pgpgout", "nr_vmscan_write", "nr_vmscan_immediate_reclaim",
	"nr_file_pages", "nr_mapped", "nr_dirty", "nr_writeback",
	"nr_inactive_file", "nr_active_file", "nr_anon_pages",
	"pgsteal_direct", "pgsteal_kswapd", "pgscan_direct", "pgscan_kswapd",
	"pgdeactivate",
	"workingset_refault_file", "workingset_activate_file",
	"workingset_restore_file", "workingset_nodereclaim",
};
#define NVM (sizeof(vm_names) / sizeof(vm_names[0]))
/* The anonymous experiment reports the first 19, as it always did. */
#define NVM_ANON 19
static size_t nvm = NVM_ANON;

#define MAX_ROWS 64

struct snap {
	long long tlb[MAX_CPUS], cal[MAX_CPUS], steal[MAX_CPUS];
	long long vm[NVM];        /* -1 when the counter does not exist */
	long long memfree_kb;
	int nrows;                /* every /proc/interrupts row, for diagnosis */
	char row_name[MAX_ROWS][12];
	long long row[MAX_ROWS][MAX_CPUS];
	long long spin_csw[MAX_CPUS]; /* context switches of spinner t */
	int ntasks;               /* every process: how often it was scheduled */
	struct task { int pid, cpu; long long slices; char comm[16]; } task[256];
};

static int ncpus;

/* Per-CPU numbers of the /proc/interrupts row called `row` ("TLB", "CAL"). */
static void irq_row(const char *text, const char *row, long long *out)
{
	size_t len = strlen(row);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		const char *q = p;
		while (*q == ' ')
			q++;
		if (strncmp(q, row, len) || q[len] != ':')
			continue;
		q += len + 1;
		for (int c = 0; c < ncpus; c++) {
			char *end;
			out[c] = strtoll(q, &end, 10);
			q = end;
		}
		return;
	}
	for (int c = 0; c < ncpus; c++)
		out[c] = -1;
}

/* All rows of /proc/interrupts (label and per-CPU numbers). */
static void irq_rows(const char *text, struct snap *s)
{
	const char *p = strchr(text, '\n'); /* skip the CPU header */
	s->nrows = 0;
	while (p && *++p && s->nrows < MAX_ROWS) {
		const char *q = p, *colon;
		while (*q == ' ')
			q++;
		colon = strchr(q, ':');
		if (!colon || colon - q >= 12)
			break;
		int r = s->nrows++;
		snprintf(s->row_name[r], sizeof(s->row_name[r]), "%.*s", (int)(colon - q), q);
		q = colon + 1;
		for (int c = 0; c < ncpus; c++) {
			char *end;
			s->row[r][c] = strtoll(q, &end, 10);
			q = end;
		}
		p = strchr(p, '\n');
	}
}

static int spin_tid[MAX_CPUS];
static int nthreads_started;

static long long task_ctxt_switches(int tid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	const char *t = slurp(path);
	const char *a = strstr(t, "\nvoluntary_ctxt_switches:");
	const char *b = strstr(t, "\nnonvoluntary_ctxt_switches:");
	if (!a || !b)
		return -1;
	return strtoll(a + 26, NULL, 10) + strtoll(b + 29, NULL, 10);
}

/* Scans /proc with getdents64 into static memory (no malloc, so no brk). */
static void scan_tasks(struct snap *s)
{
	static char dents[1 << 16];
	int fd = open("/proc", O_RDONLY | O_DIRECTORY);
	s->ntasks = 0;
	if (fd < 0)
		return;
	long n;
	while ((n = syscall(SYS_getdents64, fd, dents, sizeof(dents))) > 0) {
		for (long off = 0; off < n;) {
			unsigned short reclen = *(unsigned short *)(dents + off + 16);
			const char *name = dents + off + 19;
			off += reclen;
			if (*name < '1' || *name > '9' || s->ntasks >= 256)
				continue;
			struct task *t = &s->task[s->ntasks];
			char path[64];
			snprintf(path, sizeof(path), "/proc/%s/schedstat", name);
			long long run, wait;
			if (sscanf(slurp(path), "%lld %lld %lld", &run, &wait, &t->slices) != 3)
				continue;
			snprintf(path, sizeof(path), "/proc/%s/stat", name);
			const char *st = slurp(path), *open_p = strchr(st, '('), *close_p = strrchr(st, ')');
			if (!open_p || !close_p)
				continue;
			snprintf(t->comm, sizeof(t->comm), "%.*s", (int)(close_p - open_p - 1), open_p + 1);
			/* field 39 (processor) is the 37th after ") " */
			const char *q = close_p + 2;
			for (int f = 0; f < 36 && q; f++)
				q = strchr(q, ' '), q = q ? q + 1 : q;
			t->cpu = q ? atoi(q) : -1;
			t->pid = atoi(name);
			s->ntasks++;
		}
	}
	close(fd);
}

static void take_snap(struct snap *s)
{
	scan_tasks(s);
	const char *t = slurp("/proc/interrupts");
	irq_row(t, "TLB", s->tlb);
	irq_row(t, "CAL", s->cal);
	irq_rows(t, s);
	for (int i = 0; i < nthreads_started; i++)
		s->spin_csw[i] = task_ctxt_switches(spin_tid[i]);
	t = slurp("/proc/vmstat");
	for (size_t i = 0; i < nvm; i++)
		s->vm[i] = keyed_value(t, vm_names[i]);
	t = slurp("/proc/stat");
	for (int c = 0; c < ncpus; c++) {
		char key[16];
		long long f[8] = { 0 };
		snprintf(key, sizeof(key), "\ncpu%d ", c);
		const char *p = strstr(t, key);
		s->steal[c] = -1;
		if (p && sscanf(p + strlen(key), "%lld %lld %lld %lld %lld %lld %lld %lld",
				&f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]) == 8)
			s->steal[c] = f[7];
	}
	s->memfree_kb = keyed_value(slurp("/proc/meminfo"), "MemFree");
}

/* ------------------------------------------------------------------ */
/* JSON output into a static buffer, printed once at the end          */

static char out[1 << 20];
static size_t outn;

static void jp(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out + outn, sizeof(out) - outn, fmt, ap);
	va_end(ap);
	if (n > 0)
		outn += (size_t)n < sizeof(out) - outn ? (size_t)n : 0;
}

/* A JSON string from raw text (only the characters we can meet here). */
static void jstr(const char *s, size_t n)
{
	jp("\"");
	for (size_t i = 0; i < n && s[i]; i++) {
		char c = s[i];
		if (c == '"' || c == '\\')
			jp("\\%c", c);
		else if (c == ' ' || c == '\t') /* runs of blanks become one space */
			jp(i && (s[i - 1] == ' ' || s[i - 1] == '\t') ? "" : " ");
		else if ((unsigned char)c >= 0x20)
			jp("%c", c);
	}
	jp("\"");
}

static void jarray_delta(const long long *a, const long long *b, int n)
{
	jp("[");
	for (int i = 0; i < n; i++)
		jp(i ? ",%lld" : "%lld", a[i] < 0 || b[i] < 0 ? 0 : b[i] - a[i]);
	jp("]");
}

/* ------------------------------------------------------------------ */
/* phases                                                             */

struct phase {
	const char *name;
	int is_pageout;
	int calls, errors;
	long long ns;
	struct snap before, after;
};

static struct phase phases[8];
static int nphases;

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct phase *phase_begin(const char *name, int is_pageout)
{
	struct phase *p = &phases[nphases++];
	p->name = name;
	p->is_pageout = is_pageout;
	take_snap(&p->before);
	p->ns = now_ns();
	return p;
}

static void phase_end(struct phase *p)
{
	p->ns = now_ns() - p->ns;
	take_snap(&p->after);
}

static void json_phase(const struct phase *p)
{
	jp("{\"name\":\"%s\",\"pageout\":%s,\"madvise_calls\":%d,\"madvise_errors\":%d,"
	   "\"elapsed_ns\":%lld,\"TLB\":", p->name, p->is_pageout ? "true" : "false",
	   p->calls, p->errors, p->ns);
	jarray_delta(p->before.tlb, p->after.tlb, ncpus);
	jp(",\"CAL\":");
	jarray_delta(p->before.cal, p->after.cal, ncpus);
	jp(",\"steal_ticks\":");
	jarray_delta(p->before.steal, p->after.steal, ncpus);
	jp(",\"spinner_ctxt_switches\":");
	jarray_delta(p->before.spin_csw, p->after.spin_csw, nthreads_started);
	jp(",\"interrupts_moved\":{");
	int first = 1;
	for (int r = 0; r < p->after.nrows && r < p->before.nrows; r++) {
		int moved = 0;
		for (int c = 0; c < ncpus; c++)
			moved |= p->after.row[r][c] != p->before.row[r][c];
		if (!moved || strcmp(p->before.row_name[r], p->after.row_name[r]))
			continue;
		jp(first ? "\"%s\":" : ",\"%s\":", p->after.row_name[r]);
		jarray_delta(p->before.row[r], p->after.row[r], ncpus);
		first = 0;
	}
	jp("},\"tasks_scheduled\":[");
	first = 1;
	for (int i = 0; i < p->after.ntasks; i++) {
		const struct task *a = &p->after.task[i];
		long long prev = 0;
		for (int j = 0; j < p->before.ntasks; j++)
			if (p->before.task[j].pid == a->pid)
				prev = p->before.task[j].slices;
		if (a->slices == prev || a->pid == getpid())
			continue;
		jp(first ? "" : ",");
		jp("{\"pid\":%d,\"comm\":", a->pid);
		jstr(a->comm, sizeof(a->comm));
		jp(",\"last_cpu\":%d,\"runs\":%lld}", a->cpu, a->slices - prev);
		first = 0;
	}
	jp("]");
	jp(",\"vmstat\":{");
	for (size_t i = 0; i < nvm; i++) {
		jp(i ? "," : "");
		if (p->before.vm[i] < 0)
			jp("\"%s\":null", vm_names[i]);
		else
			jp("\"%s\":%lld", vm_names[i], p->after.vm[i] - p->before.vm[i]);
	}
	jp("},\"MemFree_kB\":{\"before\":%lld,\"after\":%lld}}",
	   p->before.memfree_kb, p->after.memfree_kb);
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

/* ------------------------------------------------------------------ */
/* environment facts                                                  */

static char klog[1 << 21];

static void json_line_after(const char *text, const char *needle, const char *key)
{
	const char *p = strstr(text, needle);
	jp(",\"%s\":", key);
	if (!p) {
		jp("null");
		return;
	}
	p += strlen(needle);
	jstr(p, strcspn(p, "\n"));
}

static void json_environment(void)
{
	struct utsname u;
	uname(&u);
	jp("\"uname_r\":");
	jstr(u.release, sizeof(u.release));
	jp(",\"ncpus\":%d", ncpus);

	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, klog, sizeof(klog) - 1);
	klog[n > 0 ? n : 0] = 0;
	jp(",\"kernel_log_read\":%s", n > 0 ? "true" : "false");
	jp(",\"pv_tlb_flush\":%s", n <= 0 ? "null" :
	   strstr(klog, "KVM setup pv remote TLB flush") ? "true" : "false");
	json_line_after(klog, "Hypervisor detected: ", "hypervisor");
	json_line_after(klog, "Kernel/User page tables isolation: ", "pti");

	const char *ci = slurp("/proc/cpuinfo");
	const char *flags = strstr(ci, "\nflags");
	size_t flen = flags ? strcspn(flags + 1, "\n") : 0;
	char fl[4096];
	snprintf(fl, sizeof(fl), " %.*s ", (int)flen, flags ? flags + 1 : "");
	jp(",\"cpu_flags\":{\"hypervisor\":%s,\"pcid\":%s,\"invpcid\":%s}",
	   strstr(fl, " hypervisor ") ? "true" : "false",
	   strstr(fl, " pcid ") ? "true" : "false",
	   strstr(fl, " invpcid ") ? "true" : "false");
	json_line_after(ci, "model name\t: ", "cpu_model");

	const char *thp = slurp("/sys/kernel/mm/transparent_hugepage/enabled");
	jp(",\"thp_enabled\":");
	jstr(thp, strcspn(thp, "\n"));
	const char *wq = slurp("/sys/devices/virtual/workqueue/cpumask");
	jp(",\"workqueue_cpumask\":");
	jstr(wq, strcspn(wq, "\n"));
	const char *sw = slurp("/proc/swaps");
	const char *l2 = strchr(sw, '\n');
	jp(",\"proc_swaps_at_end\":");
	if (l2 && l2[1])
		jstr(l2 + 1, strcspn(l2 + 1, "\n"));
	else
		jp("null");
}

/* ------------------------------------------------------------------ */

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
		nvm = NVM;
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
	if (opt.file)
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

	printf("\n===RESULT-BEGIN===\n%.*s\n===RESULT-END===\n", (int)outn, out);
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
	return verify_bad ? 1 : 0;
}
