import { z } from 'zod';
import { KernelCheckError } from './errors.js';
import type { GuestExperiment } from './experiment.js';

/** Per-CPU deltas of one /proc/interrupts row. */
const per_cpu = z.array(z.number().int());

/** A stretch of the guest's experiment (write, dirty-pageout, writeback-wait, readback, clean-pageout, verify) and what moved in it. */
const guest_phase = z.looseObject({
  name: z.string(),
  pageout: z.boolean(),
  madvise_calls: z.number().int(),
  madvise_errors: z.number().int(),
  elapsed_ns: z.number(),
  TLB: per_cpu,
  CAL: per_cpu,
  /** Deltas; null for a counter this kernel does not have (nr_tlb_* need CONFIG_DEBUG_TLBFLUSH). */
  vmstat: z.record(z.string(), z.number().int().nullable()),
  MemFree_kB: z.object({ before: z.number(), after: z.number() }),
  /** The memcg case: the cgroup's memory.stat deltas; null for a line this kernel lacks. */
  memcg_stat: z.record(z.string(), z.number().int().nullable()).optional(),
});

/** A histogram of a trace field: value (as text) -> events; "other" past 64 distinct values. */
const histogram = z.record(z.string(), z.number().int());

/** The memcg case (guest/memcg_write.c): the cgroup, MGLRU's debugfs view of it, the vmscan trace summed up. */
const guest_memcg = z.looseObject({
  path: z.string(),
  max: z.number().int(),
  lru: z.enum(['classic', 'mglru']),
  /** /sys/kernel/mm/lru_gen/enabled as booted, and after the guest set it. */
  lru_gen_enabled_at_boot: z.string(),
  lru_gen_enabled: z.string(),
  /** memory.events "max": charges that hit memory.max (each runs limit reclaim). */
  events_max: z.number().int(),
  current: z.number().int(),
  peak: z.number().int(),
  swap_current: z.number().int(),
  /** The cgroup's block of debugfs lru_gen (before and after the write) and lru_gen_full (after). */
  lru_gen_before: z.string(),
  lru_gen_after: z.string(),
  lru_gen_full_after: z.string(),
  trace: z.object({
    /** mm_vmscan_memcg_reclaim_begin events: try_to_free_mem_cgroup_pages calls. */
    reclaim_calls: z.number().int(),
    /** mm_vmscan_lru_shrink_inactive: one per shrink_folio_list pass (classic shrink_inactive_list, MGLRU evict_folios). */
    shrink_inactive: z.looseObject({
      events: z.number().int(),
      nr_scanned: z.number().int(),
      nr_reclaimed: z.number().int(),
      nr_activate_anon: z.number().int(),
      nr_ref_keep: z.number().int(),
      nr_unmap_fail: z.number().int(),
      by_nr_scanned: histogram,
      by_nr_reclaimed: histogram,
      by_priority: histogram,
    }),
    lines: z.number().int(),
  }),
});

/** The JSON guest/pageout.c prints between ===RESULT-BEGIN=== and ===RESULT-END===. */
export const guest_report_schema = z.looseObject({
  schema: z.literal('reclaimsim/kernel-check-guest@1'),
  uname_r: z.string(),
  ncpus: z.number().int(),
  /** The kernel log says "KVM setup pv remote TLB flush"; null when the log could not be read. */
  pv_tlb_flush: z.boolean().nullable(),
  hypervisor: z.string().nullable(),
  last_pageout: z.string(),
  phases: z.array(guest_phase),
  verify: z.object({ pages: z.number().int(), mismatches: z.number().int(), readback_mismatches: z.number().int() }),
  /** Per-size mTHP stats over the whole program, sizes that moved (a guest program from before large folios has none). */
  mthp: z.record(z.string(), z.record(z.string(), z.number().int())).optional(),
  /** The memcg case only. */
  memcg: guest_memcg.optional(),
});

export type GuestPhase = z.infer<typeof guest_phase>;
export type GuestReport = z.infer<typeof guest_report_schema>;
export type GuestMemcgReport = z.infer<typeof guest_memcg>;

/** The parts of a qemu run the diagnosis reads. */
export interface ConsoleCapture {
  console: string;
  stderr: string;
  code: number | null;
  signal: string | null;
  timed_out: boolean;
  log_path: string;
  timeout_s: number;
}

/** What a user does about a setup failure /init or the guest program reported. */
const GUEST_ERROR_HINTS: [RegExp, string][] = [
  [/no \/dev\/vda/, 'the kernel has no virtio-blk driver: build it with CONFIG_VIRTIO_PCI=y and CONFIG_VIRTIO_BLK=y'],
  [/zram/, 'the kernel has no usable zram: build it with CONFIG_ZRAM=y, CONFIG_ZSMALLOC=y and CONFIG_ZRAM_BACKEND_LZ4=y'],
  [/mkswap|swapon/, 'the kernel cannot swap: build it with CONFIG_SWAP=y'],
  [/insmod/, 'a module of the package does not load into its kernel (see the log for the kernel\'s reason)'],
];

/** The last lines of a console, without terminal escapes, indented for an error message. */
export function console_tail(text: string, lines = 15): string {
  return text
    // eslint-disable-next-line no-control-regex -- terminal escape sequences from the firmware
    .replace(/\x1b(\[[0-9;?]*[A-Za-z]|c)/g, '')
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((line) => `  | ${line}`)
    .join('\n');
}

/** The guest's result from its console, or an error that says what happened to it (with the log). */
export function read_guest_report(run: ConsoleCapture): GuestReport {
  const fail = (message: string): never => {
    throw new KernelCheckError(message, run.log_path);
  };
  const match = /===RESULT-BEGIN===\n([\s\S]*?)\n===RESULT-END===/.exec(run.console);
  if (match !== null) {
    let json: unknown;
    try {
      json = JSON.parse(match[1] as string);
    } catch (error) {
      return fail(`the guest printed a malformed result (${(error as Error).message})`);
    }
    const parsed = guest_report_schema.safeParse(json);
    if (!parsed.success) return fail(`the guest's result does not have the expected fields: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return parsed.data;
  }
  if (run.console.includes('===RESULT-BEGIN===') && !run.timed_out) return fail("the guest's result was cut short on the console");
  const guest_error = /RSIM-ERROR: (.*)/.exec(run.console) ?? /pageout: error: (.*)/.exec(run.console);
  if (guest_error !== null) {
    const what = guest_error[1] as string;
    const hint = GUEST_ERROR_HINTS.find(([pattern]) => pattern.test(what))?.[1];
    return fail(`guest setup failed: ${what}${hint === undefined ? '' : `\n${hint}`}`);
  }
  if (/failed to set MSR|kvm_buf_set_msrs/.test(run.stderr)) return fail(`KVM rejected the CPU model (${run.stderr.trim().split('\n')[0] ?? ''}); use --kvm off`);
  if (/KVM internal error/.test(run.console + run.stderr)) return fail('KVM could not run the guest (KVM internal error, emulation failure); use --kvm off');
  const panic = run.console.indexOf('Kernel panic');
  if (panic >= 0) return fail(`the guest kernel panicked:\n${console_tail(run.console.slice(0, panic + 2000))}`);
  if (run.timed_out) return fail(`the guest did not finish within ${run.timeout_s} s (a hang?); qemu was killed (raise the bound with --timeout). Last console lines:\n${console_tail(run.console)}`);
  return fail(`qemu exited (code ${run.code}${run.signal === null ? '' : `, signal ${run.signal}`}) without a result:\n${console_tail(run.stderr === '' ? run.console : run.stderr)}`);
}

/** A phase the guest must have run; its absence means a guest program from another version. */
export function guest_phase_named(report: GuestReport, name: string, log_path: string): GuestPhase {
  const phase = report.phases.find((p) => p.name === name);
  if (phase === undefined) throw new KernelCheckError(`the guest's result has no ${name} phase`, log_path);
  return phase;
}

/** Checks that the guest ran the experiment asked for: every CPU online, every madvise call accepted. */
export function check_guest_report(report: GuestReport, e: GuestExperiment, log_path: string): void {
  if (report.ncpus !== e.cpus) throw new KernelCheckError(`the guest kernel brought up ${report.ncpus} of ${e.cpus} CPUs (CONFIG_SMP? nr_cpus=?)`, log_path);
  for (const phase of report.phases.filter((p) => p.pageout)) {
    if (phase.madvise_errors > 0) {
      throw new KernelCheckError(`madvise(MADV_PAGEOUT) failed in the guest (${phase.madvise_errors} of ${phase.madvise_calls} calls in ${phase.name}): the kernel needs CONFIG_ADVISE_SYSCALLS=y and Linux 5.4 or later`, log_path);
    }
  }
}
