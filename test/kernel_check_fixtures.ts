/** Guest results as guest/pageout.c prints them, for the kernel-check tests that boot nothing; and the kernel image the booting tests use. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { default_cache_dir } from '../src/kernel_check/cache.js';
import type { ConsoleCapture, GuestPhase, GuestReport } from '../src/kernel_check/guest_result.js';

const VMSTAT_NAMES = ['pswpout', 'pswpin', 'pgfree', 'pgactivate', 'pgrotated', 'pgmajfault', 'pgfault', 'zswpout'];
const TLB_COUNTERS = ['nr_tlb_remote_flush', 'nr_tlb_remote_flush_received', 'nr_tlb_local_flush_all', 'nr_tlb_local_flush_one'];

/** A phase with the given per-CPU TLB (CAL equal) and vmstat deltas; nr_tlb_* absent as on Debian's kernel. */
export function phase(name: string, tlb: number[], vmstat: Record<string, number> = {}): GuestPhase {
  return {
    name,
    pageout: name.endsWith('pageout'),
    madvise_calls: name.endsWith('pageout') ? 1 : 0,
    madvise_errors: 0,
    elapsed_ns: 1_500_000_000,
    TLB: tlb,
    CAL: tlb,
    vmstat: { ...Object.fromEntries(VMSTAT_NAMES.map((n) => [n, 0])), ...Object.fromEntries(TLB_COUNTERS.map((n) => [n, null])), ...vmstat },
    MemFree_kB: { before: 180_000, after: 180_000 },
  };
}

/** A guest report of a 2-CPU dirty or clean experiment. */
export function guest_report(phases: GuestPhase[], overrides: Partial<GuestReport> = {}): GuestReport {
  return {
    schema: 'reclaimsim/kernel-check-guest@1',
    uname_r: '6.12.117+deb12-amd64',
    ncpus: 2,
    pv_tlb_flush: false,
    hypervisor: 'KVM',
    last_pageout: phases.some((p) => p.name === 'clean-pageout') ? 'clean-pageout' : 'dirty-pageout',
    phases,
    verify: { pages: 4096, mismatches: 0, readback_mismatches: 0 },
    ...overrides,
  };
}

/** A finished qemu run whose console holds `text`. */
export function capture(text: string, overrides: Partial<ConsoleCapture> = {}): ConsoleCapture {
  return { console: text, stderr: '', code: 0, signal: null, timed_out: false, log_path: '/tmp/guest.log', timeout_s: 600, ...overrides };
}

/** A console with the report between its markers, as the guest prints it. */
export function console_with(report: GuestReport): string {
  return `RSIM-BOOT: uptime 2.1 s\nRSIM-START: uptime 2.5 s\n\n===RESULT-BEGIN===\n${JSON.stringify(report)}\n===RESULT-END===\nRSIM-EXIT: 0 uptime 4.0 s\n`;
}

/** RECLAIMSIM_KERNEL_IMAGE, or the newest 6.12 package .ci/run downloaded into the cache. */
export function kernel_image(): string | null {
  const given = process.env.RECLAIMSIM_KERNEL_IMAGE;
  if (given !== undefined && given !== '') return given;
  const dir = join(default_cache_dir(), 'debs');
  if (!existsSync(dir)) return null;
  const debs = readdirSync(dir).filter((f) => /^linux-image-6\.12\..*-amd64-unsigned_.*\.deb$/.test(f));
  debs.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const newest = debs.at(-1);
  return newest === undefined ? null : join(dir, newest);
}
