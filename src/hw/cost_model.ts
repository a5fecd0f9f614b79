/**
 * The cost model: every CPU cost the simulator charges, a named integer parameter in
 * nanoseconds with its source. Defaults follow reference/lkml-review.md section 5 where a
 * figure is published; where none is, the value is an estimate, said so, and meant to be
 * calibrated (issue: calibration against the seed author's experiment).
 */
export interface CostParam {
  readonly default_ns: number;
  readonly source: string;
}

export const COST_PARAMS = {
  ipi_send_ns: {
    default_ns: 150,
    source: 'estimate: x2APIC ICR write plus csd queueing in smp_call_function_many_cond, once per call',
  },
  ipi_send_per_target_ns: {
    default_ns: 30,
    source: 'estimate: per-target csd enqueue and cpumask walk in smp_call_function_many_cond',
  },
  ipi_delivery_ns: {
    default_ns: 500,
    source: 'estimate: APIC delivery to interrupt entry on the target; "TLB shootdown can take microseconds" (Amit, ATC 2017)',
  },
  irq_entry_exit_ns: {
    default_ns: 600,
    source: 'estimate: interrupt entry/exit on the target incl. PTI CR3 switches; splits the ~2.5 us single-socket round derived from Mel Gorman 2015 (lkml-review 4.3)',
  },
  flush_tlb_func_ns: {
    default_ns: 100,
    source: 'estimate: flush_tlb_func bookkeeping (generation reads, tracepoint) without the flush itself',
  },
  tlb_flush_full_ns: {
    default_ns: 40,
    source: 'Ingo Molnar 2015: __flush_tlb() (CR3 reload) 96 cycles (lkml-review 4.4); refill charged separately',
  },
  invlpg_ns: {
    default_ns: 100,
    source: 'arch/x86/mm/tlb.c comment "each single flush is about 100 ns"; Ingo 2015: INVLPG 260 cycles',
  },
  csd_ack_ns: {
    default_ns: 100,
    source: 'estimate: cache-line transfer of the csd lock release seen by the spinning initiator',
  },
  cross_socket_ns: {
    default_ns: 90,
    source: 'core-to-core cache-line hand-off, other socket minus same socket: 2S Xeon Gold 6242 48 -> 136 ns, 2S Xeon 8375C 51 -> 108 ns, 2S EPYC 7R13 ~110 -> 197 ns (nviennot/core-to-core-latency; memo issue-11 4.1); added to IPI delivery and to the acknowledgement across sockets',
  },
  vmexit_ns: {
    default_ns: 1500,
    source: 'estimate (x86-kvm-guest): VM exit and re-entry for one ICR write (x2APIC physical mode: one per IPI destination); no sourced absolute figure (memo 3.5: the single-target fastpath saved "200+ cycles", IPIv cuts send-to-completion by 16-22 %)',
  },
  tlbi_ns: {
    default_ns: 30,
    source: 'estimate (arm64): DSB ISHST plus issuing one broadcast TLBI VALE1IS without waiting for it; no published latency (research memo issue-11 section 2.6)',
  },
  dsb_ish_ns: {
    default_ns: 200,
    source: 'estimate (arm64): DSB ISH waiting for this CPU\'s broadcast TLBIs to complete on every PE, base part; no published latency (memo 2.6); 95 % of ptep_clear_flush is this DSB (commit 43b3dfdd0455)',
  },
  dsb_ish_per_cpu_ns: {
    default_ns: 4,
    source: 'estimate (arm64): added to dsb_ish_ns per CPU of the machine; broadcast TLBI latency grows with the CPUs that must acknowledge (Arcangeli 2020, "bad scalability of tlb shootdown in HW", 43b3dfdd0455; no figure)',
  },
  invlpgb_ns: {
    default_ns: 50,
    source: 'estimate (AMD INVLPGB): issuing one broadcast INVLPGB without waiting; no published latency (memo 1.6, 7)',
  },
  tlbsync_ns: {
    default_ns: 1000,
    source: 'estimate (AMD INVLPGB): TLBSYNC waiting until every CPU of the system completed this CPU\'s INVLPGBs; no published latency (memo 1.6, 7)',
  },
  tlb_miss_walk_ns: {
    default_ns: 8,
    source: 'Ingo Molnar 2015: a TLB miss whose walk hits the cache costs 10-20 cycles (lkml-review 4.4)',
  },
  madvise_pte_ns: {
    default_ns: 60,
    source: 'estimate: madvise_cold_or_pageout_pte_range per present PTE (checks, isolate_lru_folio)',
  },
  syscall_ns: {
    default_ns: 300,
    source: 'estimate: system call entry and exit with the mmap lock taken (munmap, madvise, mprotect of a racing thread)',
  },
  zap_pte_ns: {
    default_ns: 30,
    source: 'estimate: zap_pte_range per PTE (clear, rmap and counter updates, gathering the page)',
  },
  change_pte_ns: {
    default_ns: 10,
    source: 'estimate: change_pte_range per present PTE (read-modify-write of the protection bits)',
  },
  shrink_folio_ns: {
    default_ns: 120,
    source: 'estimate: shrink_folio_list per-folio checks (trylock, flags, references) before the costly steps',
  },
  add_to_swap_ns: {
    default_ns: 500,
    source: 'estimate: swap slot allocation plus swap-cache xarray insert and memcg swap charge',
  },
  try_to_unmap_ns: {
    default_ns: 350,
    source: 'estimate: anon rmap walk, PTE clear, swap PTE install, mmu notifier brackets',
  },
  clear_page_ns: {
    default_ns: 250,
    source: 'estimate: clear_page of each further 4 KiB page of a large folio a fault allocates (rep stosb at ~16 GB/s)',
  },
  copy_page_ns: {
    default_ns: 250,
    source: 'estimate: copy_user_highpage of a 4 KiB page in a copy-on-write fault (as clear_page_ns, ~16 GB/s)',
  },
  move_pte_ns: {
    default_ns: 20,
    source: 'estimate: move_ptes per PTE (get-and-clear the old PTE, set the new one)',
  },
  copy_pte_ns: {
    default_ns: 30,
    source: 'estimate: copy_pte_range per PTE at fork (folio reference and mapcount, write-protect, or swap_duplicate)',
  },
  unmap_pte_ns: {
    default_ns: 30,
    source: 'estimate: each further PTE of a large folio in try_to_unmap_one (clear, swap PTE install, rmap and refcount update)',
  },
  split_huge_pmd_ns: {
    default_ns: 2000,
    source: 'estimate: __split_huge_pmd_locked besides its flush: withdraw the deposited page table, write 512 PTEs',
  },
  split_page_ns: {
    default_ns: 20,
    source: 'estimate: per page of __split_huge_page (new folio setup, swap-cache entry update, LRU insert)',
  },
  pageout_ns: {
    default_ns: 700,
    source: 'estimate: pageout + swap_writepage + bio allocation and submit_bio (plugged)',
  },
  remove_mapping_ns: {
    default_ns: 250,
    source: 'estimate: __remove_mapping (refcount freeze, swap-cache delete, put_swap_folio)',
  },
  free_folio_ns: {
    default_ns: 100,
    source: 'estimate: per folio share of mem_cgroup_uncharge_folios + free_unref_folios',
  },
  putback_folio_ns: {
    default_ns: 80,
    source: 'estimate: folio_putback_lru per folio (lru_add batch)',
  },
  page_fault_ns: {
    default_ns: 1000,
    source: 'estimate: exception entry, handle_mm_fault and return for a fault served without I/O',
  },
  io_irq_ns: {
    default_ns: 1500,
    source: 'estimate: block completion interrupt on the submitting CPU, per request',
  },
  end_writeback_ns: {
    default_ns: 100,
    source: 'estimate: per bio end_swap_bio_write + folio_end_writeback',
  },
  zswap_compress_ns: {
    default_ns: 4000,
    source: 'estimate: as zram_compress_ns (zswap compresses the page on the reclaiming CPU; spent also when the store fails)',
  },
  zswap_decompress_ns: {
    default_ns: 1000,
    source: 'estimate: as zram_decompress_ns',
  },
  zero_page_check_ns: {
    default_ns: 200,
    source: 'estimate: is_folio_zero_filled reads a whole zero 4 KiB page (~20 GB/s); a non-zero page stops at its first word',
  },
  zram_compress_ns: {
    default_ns: 4000,
    source: 'estimate: one 4 KiB page compressed by LZO-RLE/LZ4 at ~1 GB/s per core',
  },
  zram_decompress_ns: {
    default_ns: 1000,
    source: 'estimate: one 4 KiB page decompressed at ~4 GB/s per core',
  },
  isolate_folio_ns: {
    default_ns: 40,
    source: 'estimate: isolate_lru_folios per folio under the LRU lock (flag tests, folio_try_get, list move)',
  },
  lru_gen_walk_pte_ns: {
    default_ns: 5,
    source: 'estimate: the multi-gen LRU page-table walk per PTE looked at (walk_pte_range: one PTE load and young test, a test-and-clear and folio_update_gen when young; PTEs are contiguous in cache lines)',
  },
  deactivate_folio_ns: {
    default_ns: 150,
    source: 'estimate: shrink_active_list per folio (folio_referenced rmap walk of one PTE, flag updates, move to the inactive list)',
  },
  kswapd_wakeup_ns: {
    default_ns: 5000,
    source: 'estimate: wakeup_kswapd to kswapd running on its idle CPU (try_to_wake_up, wakeup IPI, idle exit, context switch)',
  },
  writeback_folio_ns: {
    default_ns: 300,
    source: 'estimate: the flusher per dirty folio (writeback_iter tag lookup, folio lock, folio_clear_dirty_for_io, block_write_full_folio building its bio), as shrink_folio_list plus try_to_unmap for reclaim',
  },
  flusher_wakeup_ns: {
    default_ns: 5000,
    source: 'estimate: as kswapd_wakeup_ns (queue_work of the bdi writeback work, its kworker woken on an idle CPU)',
  },
  stress_vm_page_ns: {
    default_ns: 256,
    source: 'estimate: a stress-ng --vm worker writing one 4 KiB page of its region per pass (~16 GB/s store bandwidth per core)',
  },
} as const satisfies Record<string, CostParam>;

export type CostName = keyof typeof COST_PARAMS;
export type CostModel = { readonly [K in CostName]: number };

export const COST_NAMES = Object.keys(COST_PARAMS) as CostName[];

/** The default cost model, with any overrides (already validated as integers) applied. */
export function make_cost_model(overrides: { readonly [K in CostName]?: number | undefined } = {}): CostModel {
  const model = {} as Record<CostName, number>;
  for (const name of COST_NAMES) model[name] = overrides[name] ?? COST_PARAMS[name].default_ns;
  return model;
}
