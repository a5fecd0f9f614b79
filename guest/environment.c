/*
 * environment.c - facts about the guest for the result: kernel release,
 * CPUs, paravirtual TLB flush and hypervisor (from the kernel log), CPU
 * flags, THP setting, workqueue mask, swap.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/utsname.h>

#include "pageout.h"

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

/* Faults in the kernel-log buffer (before the memcg case enters its cgroup). */
void environment_prefault(void)
{
	memset(klog, 0, sizeof(klog));
}
