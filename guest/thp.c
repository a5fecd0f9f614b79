/*
 * thp.c - transparent huge pages in the guest program: the sysfs knobs a
 * scenario's memory.thp / memory.mthp ask for (the kernel boots with THP
 * never), whether the region is left to THP, and the per-size mTHP stats
 * over the whole program.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pageout.h"

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"
/* The anonymous mTHP sizes of x86-64, kB (orders 2..9), and the stats reported. */
static const int mthp_kb[] = { 16, 32, 64, 128, 256, 512, 1024, 2048 };
#define NMTHP (sizeof(mthp_kb) / sizeof(mthp_kb[0]))
static const char *const mthp_stat_names[] = { "anon_fault_alloc", "anon_fault_fallback", "swpout", "swpout_fallback", "split" };
#define NMTHP_STAT (sizeof(mthp_stat_names) / sizeof(mthp_stat_names[0]))
static long long mthp_before[NMTHP][NMTHP_STAT], mthp_after[NMTHP][NMTHP_STAT];

/* Sets the sysfs knobs the scenario asks for (the kernel boots with THP never). */
void setup_thp(const char *thp, const char *mthp)
{
	if (thp)
		write_sysfs(THP_DIR "/enabled", thp);
	if (!mthp)
		return;
	char list[512];
	snprintf(list, sizeof(list), "%s", mthp);
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
int thp_wanted(const char *thp, const char *mthp)
{
	return (thp && strcmp(thp, "never")) || (mthp && strstr(mthp, ":always")) || (mthp && strstr(mthp, ":madvise"));
}

int thp_madvise(const char *thp, const char *mthp)
{
	return (thp && !strcmp(thp, "madvise")) || (mthp && strstr(mthp, ":madvise"));
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

void mthp_stats_begin(void)
{
	read_mthp_stats(mthp_before);
}

void mthp_stats_end(void)
{
	read_mthp_stats(mthp_after);
}

/* Per-size mTHP stats over the whole program (sizes that moved), as the result's "mthp". */
void json_mthp_stats(void)
{
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
}
