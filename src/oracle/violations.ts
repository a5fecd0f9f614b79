/**
 * The oracle's findings: a code per broken rule, the kernel rule it breaks, and the first
 * occurrence in full.
 */
export const VIOLATION_RULES = {
  LEAKED_FOLIO: 'A21/A22: a folio handed to shrink_folio_list must leave it freed, or returned unlocked with its isolation reference',
  NR_RECLAIMED_MISMATCH: 'A22: nr_reclaimed must equal the pages the call freed',
  RETURNED_LOCKED: 'A28: folios returned by shrink_folio_list must be unlocked',
  RETURNED_REFCOUNT: 'A29: a returned folio still holds its isolation reference (besides its mappings\' and the swap cache\'s)',
  ACTIVATION_SKIPPED: 'A18/A27: a folio whose writepage answered AOP_WRITEPAGE_ACTIVATE (PAGE_ACTIVATE) must be activated and counted in PGACTIVATE',
  PGACTIVATE_MISMATCH: 'A27/A33: PGACTIVATE must count exactly the folios activated',
  FLUSH_BEFORE_IO: 'A17.5/B7: writeback must not start while a CPU may still hold a dirty writable translation of the folio',
  FLUSHER_IO_BEFORE_FLUSH:
    'd950c9477d51 (2015, "the TLB must be flushed before any IO can start"): the flusher (writeback_iter, ->writepage) started a folio\'s write while a CPU may still hold a dirty writable translation of it (a PTE cleared or write-protected whose flush has not completed). In 6.12 the window exists: shrink_folio_list unlocks a dirty file folio it does not write (A17.1, activate_locked) before the list\'s try_to_unmap_flush, and folio_mkclean finds no PTE to flush (the folio is unmapped); a write through that translation after the I/O began sets no dirty bit, so once written the folio is clean and reclaim may drop the write',
  DIRTY_ACCOUNTING:
    'write-notify (mm/memory.c wp_page_shared, mm/page-writeback.c folio_clear_dirty_for_io): a shared file PTE becomes writable only by a fault that dirties the folio, and the flusher write-protects every PTE (folio_mkclean) before it cleans the folio; a clean folio under a writable or dirty shared PTE is data NR_FILE_DIRTY does not count, that no writeback will find (fsync included) and dirty throttling does not see',
  USE_AFTER_FREE: 'A22/A23: a folio must not be freed while a CPU may still translate to it',
  LOST_WRITE: 'B7/A17.5: an application must read back the last version it wrote; a write through a stale translation after its folio\'s writeback began is lost',
  STALE_READ: 'A21/A23: a clean folio leaves the swap cache (__remove_mapping) before its deferred flush, so another CPU may fault a new copy in and write it while a stale translation still reads the old one; upstream closes this window at its next dirty folio\'s flush or its free batch\'s (31 folios), a strategy that flushes later keeps it open longer',
  WRITE_TO_FREED_PAGE: 'A23: a write through a stale translation reached a page frame that was freed (or handed to another owner)',
  ACCESS_NOT_UPTODATE: 'do_swap_page (mm/memory.c): it maps a swapped-in folio only once its read completed (PG_uptodate); no user access may reach a folio whose data is still being read',
  SWAP_DATA_MISSING: 'F2/F3/F9: swap_writepage stores a page somewhere (the zeromap bit, zswap\'s pool or the device); a swap-in must read a store that holds it',
  BAD_FLAGS_AT_FREE: 'free_pages_prepare (PAGE_FLAGS_CHECK_AT_FREE): a folio is freed unlocked, not under writeback, off the LRU, not active, unevictable or mlocked, and outside the swap cache',
  REFCOUNT_MISMATCH: 'A21/A29: at the end of a run a folio holds exactly its mappings\' references, the swap cache\'s and one per LRU batch entry; more is a leaked reference (reclaim can never free it)',
  STALE_TLB_AFTER_UNMAP: 'B12: munmap, MADV_DONTNEED and mprotect call flush_tlb_batched_pending under the PTE lock, so that once they return no CPU keeps a translation reclaim cleared without flushing',
  LEFT_LOCKED: 'liveness: no folio may stay locked at the end of a run',
  LEFT_ISOLATED: 'liveness: every folio in use must be back on an LRU list (or a per-CPU LRU batch) at the end of a run',
  LEFT_UNDER_WRITEBACK: 'liveness: all writeback completes by the end of a run',
  FREE_PAGES_MISMATCH: 'free pages plus pages in use must equal the machine memory',
  SWAP_ACCOUNTING: 'every swap PTE holds a live slot reference, every cached slot its folio',
  MEMCG_CHARGE_LEAK: 'A22/A34: a folio leaving reclaim is uncharged (mem_cgroup_uncharge_folios) before it is freed; a charged folio no one uses keeps memory.current high',
  MEMCG_ACCOUNTING: 'memory.current equals the pages charged to the cgroup plus its per-CPU charge stocks',
} as const;

export type ViolationCode = keyof typeof VIOLATION_RULES;

/** Where and when a violation was first seen. */
export interface ViolationDetail {
  folio: number;
  sim_time_ns: number;
  /** Events processed when it was seen. */
  event_seq: number;
  detail: string;
}

export interface Violation {
  code: ViolationCode;
  rule: string;
  count: number;
  first: ViolationDetail;
}
