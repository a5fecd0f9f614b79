import type { BlockProbe } from '../block/probe.js';
import type { TlbProbe } from '../hw/probe.js';
import type { MmStruct } from '../mm/mm_struct.js';
import type { MmProbe } from '../mm/probe.js';
import type { ShrinkContext } from './shrink_context.js';

/**
 * Everything the model tells an observer: the oracle implements this. The model calls it
 * only where one is installed (Kernel.probe) and runs the same with it off.
 */
export interface Probe extends TlbProbe, MmProbe, BlockProbe {
  /**
   * try_to_unmap cleared a present PTE of `mm` mapping `pfn`, on `cpu`; `deferred` when the
   * flush waits in the task's batch (else it was flushed at once, locally).
   */
  pte_cleared(mm: MmStruct, vpn: number, pfn: number, pteval: number, deferred: boolean, cpu: number): void;
  /**
   * A user access by `cpu` to `vpn` of `mm` reached page frame `pfn`, through a cached or a
   * freshly walked translation (a stale cached one may reach a folio the PTE no longer maps).
   */
  user_access(cpu: number, mm: MmStruct, vpn: number, pfn: number, write: boolean): void;
  /** A write found only a clean cached translation (filled by a read): the CPU walks the page table again to set the PTE's dirty bit (B7). */
  clean_entry_written(cpu: number): void;
  /** A zap discarded the page at `vpn` (its frame `pfn`, or NIL for a swapped-out page): it reads as zero from now on. */
  page_discarded(mm: MmStruct, vpn: number, pfn: number): void;
  /** A thread of `mm` starts an operation that must leave no stale translation of its range (munmap, MADV_DONTNEED, mprotect, mremap). */
  range_op_begin(mm: MmStruct): void;
  /** That operation returns, having changed [start_vpn, end_vpn). */
  range_op_end(mm: MmStruct, start_vpn: number, end_vpn: number, op: string): void;
  /**
   * mremap moved the PTE at `old_vpn` of `mm` to `new_vpn` (`pteval`, naming `val`: a page
   * frame if present, a swap slot if not), on `cpu`: the data now lives at the new address;
   * a CPU may cache the old translation until the move's flush.
   */
  pte_moved(mm: MmStruct, old_vpn: number, new_vpn: number, val: number, pteval: number, cpu: number): void;
  /** fork begins making `child` a copy of `parent`. */
  mm_forked(parent: MmStruct, child: MmStruct): void;
  /** copy_page_range copied the PTE at `vpn` to the child: the child's page holds what the parent's holds now. */
  pte_copied(parent: MmStruct, child: MmStruct, vpn: number): void;
  /** dup_mmap flushed the parent's TLBs: from now on no parent write reaches a page the child shares. */
  fork_done(parent: MmStruct): void;
  /** A copy-on-write fault copied page frame `from` into the new `to`. */
  folio_copied(from: number, to: number): void;
  /** pageout answered PAGE_ACTIVATE for the folio (its writepage asked to keep it active): it must leave activated. */
  pageout_activate(pfn: number): void;
  /** split_folio_to_list made the `nr` pages of the large folio `pfn` order-0 folios (each its own head now). */
  folio_split(pfn: number, nr: number): void;
  /** write() copied new data into folio `pfn`, page `index` of file `file`. */
  file_written(pfn: number, file: number, index: number): void;
  /** read() copied folio `pfn`, page `index` of file `file`, out to the reader. */
  file_read(pfn: number, file: number, index: number): void;
  /** folio_mkclean write-protected and cleaned a PTE mapping `pfn` (the flusher is about to write it). */
  mkclean_pte(pfn: number): void;
  /** The flusher hands the folio to ->writepage. */
  flusher_write(pfn: number): void;
  /** A dirtying task sleeps in balance_dirty_pages. */
  dirty_throttled(): void;
  /** The multi-gen LRU's evict_folios hands `nr` folios to shrink_folio_list, in kswapd, or memcg limit reclaim (`memcg`), or direct reclaim. */
  lru_gen_evicting(kswapd: boolean, memcg: boolean, nr: number): void;
  /** shrink_folio_list starts on the folios of ctx.folio_list. */
  shrink_begin(ctx: ShrinkContext): void;
  /** shrink_folio_list returns `nr_reclaimed`, survivors on ctx.folio_list. */
  shrink_end(ctx: ShrinkContext, nr_reclaimed: number): void;
}
