import type { Machine, MmContext } from './machine.js';

/** The architectures a scenario may ask for (machine.arch). */
export const ARCH_NAMES = ['x86', 'x86-invlpgb', 'x86-kvm-guest', 'arm64'] as const;
export type ArchName = (typeof ARCH_NAMES)[number];

/**
 * struct arch_tlbflush_unmap_batch: what one task's deferred reclaim flushes remember. Its
 * contents belong to the architecture (x86: a cpumask; arm64: the TLBIs in flight); shared
 * code only hands it back to the architecture that made it.
 */
export interface ArchTlbBatch {
  readonly arch: ArchName;
}

/**
 * The architecture TLB seam (DESIGN.md section 9), in the kernel's own words: the hooks of
 * mm/rmap.c's batched unmap flush (include/linux/mm_types_task.h, asm/tlbbatch.h) and
 * flush_tlb_mm_range. Shared code (reclaim/, mm/, oracle/, run/) reaches TLB flushing only
 * through this interface, never a mechanism of one architecture (cpumask, IPI, TLBI).
 *
 * Every method that flushes takes the initiating CPU and its clock and returns the time the
 * caller continues (after any wait for remote completion).
 */
export interface ArchTlb {
  readonly name: ArchName;
  /**
   * Per-CPU /proc/interrupts rows this architecture counts for TLB maintenance, by row name
   * (x86: TLB and CAL; arm64 and INVLPGB flushes send no interrupt, so none or fewer).
   */
  readonly interrupt_rows: Readonly<Record<string, Float64Array>>;
  /** Remote TLB flush requests each CPU received by interrupt (x86's TLB row; 0 on arm64). */
  readonly shootdowns_received: Float64Array;
  /** The architecture's vmstat-style counters (x86: the CONFIG_DEBUG_TLBFLUSH nr_tlb_* events). */
  vm_events(): Record<string, number>;
  /** Remote flush rounds so far (x86: nr_tlb_remote_flush), for the shrink_folio_list trace line. */
  remote_flush_rounds(): number;

  new_batch(): ArchTlbBatch;
  /** arch_tlbbatch_should_defer (kernel-spec B4): may the unmap of a PTE of `mm` by `cpu` defer its flush? */
  arch_tlbbatch_should_defer(mm: MmContext, cpu: number): boolean;
  /** arch_tlbbatch_add_pending (B6): a PTE of `mm` at `vpn` was cleared by `cpu`, its flush deferred to the batch. */
  arch_tlbbatch_add_pending(batch: ArchTlbBatch, mm: MmContext, vpn: number, cpu: number, t_ns: number): number;
  /** Whether flushing the batch now reaches a CPU other than `cpu` (the sim_tlbbatch_flush_remote counter). */
  arch_tlbbatch_reaches_remote(batch: ArchTlbBatch, cpu: number): boolean;
  /** arch_tlbbatch_flush (C7): complete every flush the batch defers; the batch is empty after. */
  arch_tlbbatch_flush(batch: ArchTlbBatch, cpu: number, t_ns: number): number;
  /**
   * flush_tlb_mm_range (C3): `mm`'s translations of [start_vpn, end_vpn) (end TLB_FLUSH_ALL:
   * all of them) in strides of 2^stride_shift pages; freed_tables also reaches lazy CPUs.
   */
  flush_tlb_mm_range(cpu: number, t_ns: number, mm: MmContext, start_vpn: number, end_vpn: number, stride_shift: number, freed_tables: boolean): number;
  /**
   * flush_pmd_tlb_range: the 2 MiB a PMD at `start_vpn` maps, as pmdp_clear_flush_young
   * flushes it after clearing a young PMD (6.12; x86 calls flush_tlb_range, arm64 its own
   * PMD-stride flush_pmd_tlb_range). Returns the time the caller continues.
   */
  flush_pmd_tlb_range(cpu: number, t_ns: number, mm: MmContext, start_vpn: number): number;
  /**
   * arch_flush_tlb_batched_pending (B12): reclaim deferred flushes of `mm` that another path
   * must not race with; make them complete (x86: flush_tlb_mm).
   */
  arch_flush_tlb_batched_pending(cpu: number, t_ns: number, mm: MmContext): number;
  /**
   * The oracle's question: may `cpu` still use a translation of `mm` that a PTE clear left
   * in its TLB, if nothing flushed it since? (Whether a flush did is told by the TLB probe.)
   */
  may_hold(cpu: number, mm: MmContext): boolean;
  /** may_hold for every CPU at once, as a bitmap written into `bits` (the oracle's hot path). */
  may_hold_mask(mm: MmContext, bits: Uint32Array): void;
}

/**
 * The CPUs that run `mm` and are not lazy, as a bitmap: what may_hold answers on x86 and arm64
 * (a lazy CPU runs no user code and catches up when it leaves lazy mode, kernel-spec C2).
 */
export function running_cpus_mask(m: Machine, mm: MmContext, bits: Uint32Array): void {
  const words = mm.cpumask.bits;
  for (let w = 0; w < bits.length; w++) {
    let word = words[w] as number;
    let out = word;
    while (word !== 0) {
      const bit = 31 - Math.clz32(word & -word);
      word = (word & (word - 1)) >>> 0;
      if (m.is_lazy[w * 32 + bit] === 1) out = (out & ~(1 << bit)) >>> 0;
    }
    bits[w] = out;
  }
}

/** Marks a flush of the whole address space (TLB_FLUSH_ALL). */
export const TLB_FLUSH_ALL = -1;

/** Pages one PMD maps (HPAGE_PMD_NR, 2 MiB of 4 KiB pages). */
export const PMD_NR_PAGES = 512;
/** PMD_SHIFT - PAGE_SHIFT: a PMD-stride flush's step, in log2 pages. */
export const PMD_STRIDE_SHIFT = 9;

/** flush_tlb_page (C5): one page, freed_tables clear; what a non-deferred reclaim unmap uses. */
export function flush_tlb_page(m: Machine, cpu: number, t_ns: number, mm: MmContext, vpn: number): number {
  return m.arch.flush_tlb_mm_range(cpu, t_ns, mm, vpn, vpn + 1, 0, false);
}

/**
 * Arch-neutral counters of broadcast TLB maintenance (no interrupt row counts these):
 * invalidation instructions broadcast (arm64 TLBI ...IS, AMD INVLPGB) and waits for their
 * completion everywhere (DSB ISH, TLBSYNC).
 */
export interface BroadcastFlushEvents {
  sim_flush_broadcast: number;
  sim_flush_broadcast_sync: number;
}
