/**
 * What a run exercised of the rules the oracle checks (issue 15: a swarm must prove it
 * looked). A swarm whose scenarios never reached a rule proves nothing about it; these counts
 * show which rules each run reached, so a test can assert a minimum.
 */
export interface OracleCoverage {
  /** PTEs reclaim cleared with the flush deferred to its batch (a CPU may keep the translation). */
  deferred_unmaps: number;
  /** Deferred flushes consumed by flush_tlb_batched_pending (B12): pending unmaps of an mm flushed by an operation racing them. */
  batched_pending_flushes: number;
  /** Writebacks and frees of a folio some CPU had a tracked stale translation of (checked against its holders). */
  stale_translations_checked: number;
  /** User accesses through a cached translation whose PTE is gone or changed. */
  stale_accesses: number;
  /** User writes through such a stale translation: each could be a lost write. */
  lost_write_opportunities: number;
  /** Folios written and freed in the same shrink_folio_list pass (zram, zeromap, zswap). */
  freed_same_pass: number;
  /** Swap-in reads from an asynchronous device: in flight while other tasks run. */
  swapins_in_flight: number;
  /** Swap-in reads of any store (device, zeromap, zswap). */
  swapins: number;
  /** Write accesses through a clean cached translation (filled by a read): the TLB refills it dirty by a walk (B7). */
  writes_after_read_fill: number;
  /** Operations racing reclaim on its region (munmap, mprotect, MADV_DONTNEED, mremap, fork). */
  racing_ops: number;
  /** PTEs an mremap moved, present or swapped (their old translations checked when it returns). */
  ptes_moved: number;
  /** Pages fork shared copy-on-write (present PTEs copied; swap PTEs duplicated). */
  ptes_shared_by_fork: number;
  /** Copy-on-write faults that copied a shared page (wp_page_copy: the old PTE cleared and flushed). */
  cow_copies: number;
  /** Folios the flusher wrote (kupdate or background writeback). */
  flusher_writes: number;
  /** PTEs folio_mkclean write-protected and cleaned before the flusher's write (each flushed). */
  mkclean_ptes: number;
  /** Sleeps of a dirtying task in balance_dirty_pages past the dirty limit. */
  dirty_throttles: number;
  /** Folios the multi-gen LRU's evict_folios handed to shrink_folio_list in kswapd. */
  lru_gen_kswapd_folios: number;
  /** … in direct reclaim. */
  lru_gen_direct_folios: number;
  /** … in memcg limit reclaim. */
  lru_gen_memcg_folios: number;
}

export const COVERAGE_KEYS: readonly (keyof OracleCoverage)[] = [
  'deferred_unmaps',
  'batched_pending_flushes',
  'stale_translations_checked',
  'stale_accesses',
  'lost_write_opportunities',
  'freed_same_pass',
  'swapins_in_flight',
  'swapins',
  'writes_after_read_fill',
  'racing_ops',
  'ptes_moved',
  'ptes_shared_by_fork',
  'cow_copies',
  'flusher_writes',
  'mkclean_ptes',
  'dirty_throttles',
  'lru_gen_kswapd_folios',
  'lru_gen_direct_folios',
  'lru_gen_memcg_folios',
];

export function empty_coverage(): OracleCoverage {
  return Object.fromEntries(COVERAGE_KEYS.map((key) => [key, 0])) as unknown as OracleCoverage;
}
