/*
 * snapshot.c - what guest/pageout.c measures and how it prints it: per-CPU
 * /proc/interrupts rows, /proc/vmstat counters and who ran, snapshotted
 * around each phase without allocating (no brk), and the JSON result
 * written into a static buffer and printed once at the end.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "pageout.h"

/* ------------------------------------------------------------------ */
/* reading /proc without allocating                                   */

static char fbuf[1 << 18];

const char *slurp(const char *path)
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
long long keyed_value(const char *text, const char *name)
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
	/* and these too in the memcg case (NVM_FILE above) */
	"allocstall_dma32", "allocstall_normal", "allocstall_movable",
	"pgscan_anon", "pgsteal_anon", "pgrefill", "pageoutrun",
	"workingset_refault_anon", "workingset_activate_anon", "workingset_restore_anon",
};
#define NVM (sizeof(vm_names) / sizeof(vm_names[0]))
_Static_assert(NVM <= NVM_MAX, "struct snap holds NVM_MAX counters");
/* The anonymous experiment reports the first 19, as it always did. */
#define NVM_ANON 19
/* The file case reports the first 39. */
#define NVM_FILE 39
static size_t nvm = NVM_ANON;

void report_file_counters(void)
{
	nvm = NVM_FILE;
}

/* The memcg case: every counter above, and the cgroup's memory.stat. */
static const char *const mcg_names[] = {
	"anon", "active_anon", "inactive_anon", "pgscan", "pgsteal",
	"pgscan_direct", "pgsteal_direct", "pgscan_kswapd", "pgsteal_kswapd",
	"pgrefill", "pgactivate", "pgdeactivate", "pgfault", "pgmajfault",
	"workingset_refault_anon", "workingset_activate_anon",
	"workingset_restore_anon", "workingset_nodereclaim", "swpout_zero",
};
#define NMCG (sizeof(mcg_names) / sizeof(mcg_names[0]))
_Static_assert(NMCG <= NMCG_MAX, "struct snap holds NMCG_MAX memory.stat lines");
static const char *mcg_stat_path;

void report_memcg_counters(const char *stat_path)
{
	nvm = NVM;
	mcg_stat_path = stat_path;
}

int ncpus;

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

int spin_tid[MAX_CPUS];
int nthreads_started;

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
	if (mcg_stat_path) {
		t = slurp(mcg_stat_path);
		for (size_t i = 0; i < NMCG; i++)
			s->mcg[i] = keyed_value(t, mcg_names[i]);
	}
}

/* ------------------------------------------------------------------ */
/* JSON output into a static buffer, printed once at the end          */

static char out[1 << 20];
static size_t outn;

void jp(const char *fmt, ...)
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

struct phase phases[MAX_PHASES];
int nphases;

long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct phase *phase_begin(const char *name, int is_pageout)
{
	struct phase *p = &phases[nphases++];
	p->name = name;
	p->is_pageout = is_pageout;
	take_snap(&p->before);
	p->ns = now_ns();
	return p;
}

void phase_end(struct phase *p)
{
	p->ns = now_ns() - p->ns;
	take_snap(&p->after);
}

void json_phase(const struct phase *p)
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
	jp("},\"MemFree_kB\":{\"before\":%lld,\"after\":%lld}",
	   p->before.memfree_kb, p->after.memfree_kb);
	if (mcg_stat_path) {
		jp(",\"memcg_stat\":{");
		for (size_t i = 0; i < NMCG; i++) {
			jp(i ? "," : "");
			if (p->before.mcg[i] < 0)
				jp("\"%s\":null", mcg_names[i]);
			else
				jp("\"%s\":%lld", mcg_names[i], p->after.mcg[i] - p->before.mcg[i]);
		}
		jp("}");
	}
	jp("}");
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

void json_environment(void)
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

/* ------------------------------------------------------------------ */

/* Prints the result between its markers and waits until the console has sent it. */
void print_result(void)
{
	printf("\n===RESULT-BEGIN===\n%.*s\n===RESULT-END===\n", (int)outn, out);
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
}

/* Faults in every static buffer a snapshot or the result uses, so none is charged to the cgroup later. */
void prefault_buffers(void)
{
	memset(fbuf, 0, sizeof(fbuf));
	memset(out, 0, sizeof(out));
	memset(klog, 0, sizeof(klog));
	memset(phases, 0, sizeof(phases));
	static struct snap scratch;
	take_snap(&scratch);
}
