/*
 * memcg_write.c - the memcg limit experiment of the guest program (issue 13):
 * the process moves into a cgroup v2 child with memory.max set, then writes
 * its region once from CPU 0, so every charge over the limit runs memcg
 * limit reclaim (try_to_free_mem_cgroup_pages) in the writer.  The LRU is
 * chosen first through /sys/kernel/mm/lru_gen/enabled: "n" (classic) or
 * 0x0007 (MGLRU, Debian's default).
 *
 * Besides the usual per-phase counters this reports the cgroup's
 * memory.stat deltas, its memory.events/current/peak, the debugfs lru_gen
 * and lru_gen_full blocks of the cgroup before and after the write (MGLRU's
 * only statistics: 6.12 adds no vmstat or memory.stat counter), and a
 * summary of the vmscan tracepoints: one mm_vmscan_lru_shrink_inactive
 * event per shrink_folio_list pass (classic shrink_inactive_list, MGLRU
 * evict_folios), one mm_vmscan_memcg_reclaim_begin per reclaim call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pageout.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP_DIR CGROUP_ROOT "/rsim"
#define LRU_GEN_ENABLED "/sys/kernel/mm/lru_gen/enabled"
#define TRACING "/sys/kernel/tracing"
#define DEBUGFS "/sys/kernel/debug"

static char lru_before[32], lru_after[32];
static char gen_before[8192], gen_after[8192], gen_full_after[32768];
static long long events_max, mem_current, mem_peak, swap_current;

/* Mounts `type` on `dir` unless something is mounted there already (EBUSY). */
static void mount_fs(const char *type, const char *dir)
{
	mkdir(dir, 0755);
	if (mount(type, dir, type, 0, NULL) && errno != EBUSY)
		die("mount -t %s %s: %s", type, dir, strerror(errno));
}

static void first_line(const char *path, char *out, size_t n)
{
	const char *t = slurp(path);
	snprintf(out, n, "%.*s", (int)strcspn(t, "\n"), t);
}

/* Classic ("n") or MGLRU (0x0007: core, mm walk, non-leaf PMD young), read back to be sure. */
void memcg_select_lru(int mglru)
{
	first_line(LRU_GEN_ENABLED, lru_before, sizeof(lru_before));
	if (!lru_before[0])
		die("no %s: the kernel has no CONFIG_LRU_GEN", LRU_GEN_ENABLED);
	write_sysfs(LRU_GEN_ENABLED, mglru ? "0x0007" : "n");
	first_line(LRU_GEN_ENABLED, lru_after, sizeof(lru_after));
	if (strcmp(lru_after, mglru ? "0x0007" : "0x0000"))
		die("%s reads %s after writing %s", LRU_GEN_ENABLED, lru_after, mglru ? "0x0007" : "n");
}

/* cgroup v2 with the memory controller for children, debugfs, tracefs; the child with its limit. */
void memcg_setup(size_t max_bytes)
{
	mount_fs("cgroup2", CGROUP_ROOT);
	mount_fs("debugfs", DEBUGFS);
	mount_fs("tracefs", TRACING);
	write_sysfs(CGROUP_ROOT "/cgroup.subtree_control", "+memory");
	if (mkdir(CGROUP_DIR, 0755) && errno != EEXIST)
		die("mkdir %s: %s", CGROUP_DIR, strerror(errno));
	char v[32];
	snprintf(v, sizeof(v), "%zu", max_bytes);
	write_sysfs(CGROUP_DIR "/memory.max", v);
	report_memcg_counters(CGROUP_DIR "/memory.stat");
	/* Room for every event of the write (about 250 bytes each), per CPU. */
	write_sysfs(TRACING "/buffer_size_kb", "8192");
	write_sysfs(TRACING "/events/vmscan/mm_vmscan_lru_shrink_inactive/enable", "1");
	write_sysfs(TRACING "/events/vmscan/mm_vmscan_memcg_reclaim_begin/enable", "1");
	write_sysfs(TRACING "/tracing_on", "0");
}

/* The cgroup's block of a debugfs lru_gen file ("memcg ID /rsim", " node N", one line per seq). */
static void lru_gen_block(const char *path, char *out, size_t n)
{
	const char *t = slurp(path), *start = NULL;
	for (const char *p = t; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		size_t len = strcspn(p, "\n");
		if (!strncmp(p, "memcg", 5)) {
			if (start)
				break;
			if (len >= 6 && !strncmp(p + len - 5, "/rsim", 5))
				start = p;
		}
	}
	out[0] = 0;
	if (!start)
		return;
	const char *end = strstr(start + 1, "\nmemcg");
	size_t len = end ? (size_t)(end - start + 1) : strlen(start);
	snprintf(out, n, "%.*s", (int)len, start);
}

/* Moves the whole process (every thread) into the cgroup: only charges from now on are its. */
void memcg_enter(void)
{
	lru_gen_block(DEBUGFS "/lru_gen", gen_before, sizeof(gen_before));
	write_sysfs(TRACING "/trace", "");
	write_sysfs(TRACING "/tracing_on", "1");
	char v[32];
	snprintf(v, sizeof(v), "%d", getpid());
	write_sysfs(CGROUP_DIR "/cgroup.procs", v);
}

/* After the write: stop tracing, read the cgroup's state. */
void memcg_after_write(void)
{
	write_sysfs(TRACING "/tracing_on", "0");
	lru_gen_block(DEBUGFS "/lru_gen", gen_after, sizeof(gen_after));
	lru_gen_block(DEBUGFS "/lru_gen_full", gen_full_after, sizeof(gen_full_after));
	events_max = keyed_value(slurp(CGROUP_DIR "/memory.events"), "max");
	mem_current = atoll(slurp(CGROUP_DIR "/memory.current"));
	mem_peak = atoll(slurp(CGROUP_DIR "/memory.peak"));
	swap_current = atoll(slurp(CGROUP_DIR "/memory.swap.current"));
}

/* ------------------------------------------------------------------ */
/* the trace, summarised while read in pieces                         */

#define HIST_MAX 64
struct hist { int n; long long key[HIST_MAX], count[HIST_MAX]; long long other; };
static struct {
	long long events, scanned, reclaimed, activate_anon, ref_keep, unmap_fail, dirty, writeback;
	struct hist by_scanned, by_reclaimed, by_priority;
	long long reclaim_calls, lines;
} tr;

static void hist_add(struct hist *h, long long key)
{
	for (int i = 0; i < h->n; i++)
		if (h->key[i] == key) {
			h->count[i]++;
			return;
		}
	if (h->n == HIST_MAX) {
		h->other++;
		return;
	}
	h->key[h->n] = key;
	h->count[h->n++] = 1;
}

static long long field(const char *line, const char *name)
{
	const char *p = strstr(line, name);
	return p ? atoll(p + strlen(name)) : -1;
}

static void trace_line(const char *line)
{
	tr.lines++;
	if (strstr(line, "mm_vmscan_memcg_reclaim_begin:")) {
		tr.reclaim_calls++;
		return;
	}
	if (!strstr(line, "mm_vmscan_lru_shrink_inactive:"))
		return;
	long long scanned = field(line, " nr_scanned="), reclaimed = field(line, " nr_reclaimed=");
	tr.events++;
	tr.scanned += scanned;
	tr.reclaimed += reclaimed;
	tr.activate_anon += field(line, " nr_activate_anon=");
	tr.ref_keep += field(line, " nr_ref_keep=");
	tr.unmap_fail += field(line, " nr_unmap_fail=");
	tr.dirty += field(line, " nr_dirty=");
	tr.writeback += field(line, " nr_writeback=");
	hist_add(&tr.by_scanned, scanned);
	hist_add(&tr.by_reclaimed, reclaimed);
	hist_add(&tr.by_priority, field(line, " priority="));
}

static char tbuf[1 << 16];

/* Reads the trace (not consuming it) line by line through a small buffer. */
void memcg_read_trace(void)
{
	int fd = open(TRACING "/trace", O_RDONLY);
	if (fd < 0)
		return;
	size_t have = 0;
	for (;;) {
		ssize_t r = read(fd, tbuf + have, sizeof(tbuf) - 1 - have);
		if (r <= 0)
			break;
		have += (size_t)r;
		tbuf[have] = 0;
		char *p = tbuf, *nl;
		while ((nl = strchr(p, '\n'))) {
			*nl = 0;
			if (*p != '#')
				trace_line(p);
			p = nl + 1;
		}
		have = (size_t)(tbuf + have - p);
		memmove(tbuf, p, have);
		if (have == sizeof(tbuf) - 1)
			have = 0; /* a line longer than the buffer: dropped */
	}
	close(fd);
}

/* ------------------------------------------------------------------ */
/* JSON                                                               */

static void json_text(const char *key, const char *s)
{
	jp(",\"%s\":\"", key);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			jp("\\%c", *s);
		else if (*s == '\n')
			jp("\\n");
		else if ((unsigned char)*s >= 0x20)
			jp("%c", *s);
	}
	jp("\"");
}

static void json_hist(const char *key, const struct hist *h)
{
	jp(",\"%s\":{", key);
	for (int i = 0; i < h->n; i++)
		jp("%s\"%lld\":%lld", i ? "," : "", h->key[i], h->count[i]);
	if (h->other)
		jp("%s\"other\":%lld", h->n ? "," : "", h->other);
	jp("}");
}

void memcg_json(size_t max_bytes, int mglru)
{
	jp(",\"memcg\":{\"path\":\"/rsim\",\"max\":%zu,\"lru\":\"%s\"", max_bytes, mglru ? "mglru" : "classic");
	json_text("lru_gen_enabled_at_boot", lru_before);
	json_text("lru_gen_enabled", lru_after);
	jp(",\"events_max\":%lld,\"current\":%lld,\"peak\":%lld,\"swap_current\":%lld",
	   events_max, mem_current, mem_peak, swap_current);
	json_text("lru_gen_before", gen_before);
	json_text("lru_gen_after", gen_after);
	json_text("lru_gen_full_after", gen_full_after);
	jp(",\"trace\":{\"reclaim_calls\":%lld,\"shrink_inactive\":{\"events\":%lld,\"nr_scanned\":%lld,"
	   "\"nr_reclaimed\":%lld,\"nr_activate_anon\":%lld,\"nr_ref_keep\":%lld,\"nr_unmap_fail\":%lld,"
	   "\"nr_dirty\":%lld,\"nr_writeback\":%lld",
	   tr.reclaim_calls, tr.events, tr.scanned, tr.reclaimed, tr.activate_anon, tr.ref_keep,
	   tr.unmap_fail, tr.dirty, tr.writeback);
	json_hist("by_nr_scanned", &tr.by_scanned);
	json_hist("by_nr_reclaimed", &tr.by_reclaimed);
	json_hist("by_priority", &tr.by_priority);
	jp("},\"lines\":%lld}}", tr.lines);
}
