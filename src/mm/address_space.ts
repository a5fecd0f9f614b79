import type { Task, Yield } from '../engine/simulator.js';
import { NIL, PG_anon, PG_swapcache, type FolioTable } from './folio.js';

/**
 * struct address_space as reclaim sees it (include/linux/fs.h): what a folio is cached in,
 * and the operations shrink_folio_list calls on it. Two implementations: the swap space
 * (swapper_spaces, mm/swap_state.ts) for anonymous folios in the swap cache, and a file's
 * page cache (mm/file_mapping.ts). Mappings are numbered in pgdat.mappings; the swap space
 * is always 0.
 */
export interface AddressSpace {
  /** The index in pgdat.mappings (what FolioTable.mapping holds). */
  readonly id: number;
  /** The writeback side (a_ops->writepage), set by the block layer once it is built. */
  a_ops: AddressSpaceOperations | null;
  /**
   * folio_check_dirty_writeback (mm/vmscan.c; kernel-spec A7): the folio's dirty and
   * writeback state as reclaim counts it, as bits DIRTY_WRITEBACK_DIRTY | ..._WRITEBACK.
   */
  is_dirty_writeback(pfn: number): number;
  /** folio_clear_dirty_for_io (mm/page-writeback.c): clear PG_dirty for a write; false if it was clean. */
  clear_dirty_for_io(pfn: number): boolean;
  /**
   * The cache removal of __remove_mapping (mm/vmscan.c; A21), after the refcount freeze:
   * __delete_from_swap_cache + put_swap_folio, or __filemap_remove_folio leaving a shadow
   * entry (workingset_eviction) when `reclaimed`.
   */
  remove_folio(pfn: number, reclaimed: boolean): void;
}

/** is_dirty_writeback's answer bits. */
export const DIRTY_WRITEBACK_DIRTY = 1;
export const DIRTY_WRITEBACK_WRITEBACK = 2;

/** The block layer's per-task plug, opaque here (block/blk_mq.ts BlkPlug). */
export type IoPlug = object;

/** a_ops->writepage's "keep this folio active" answer (AOP_WRITEPAGE_ACTIVATE). */
export const AOP_WRITEPAGE_ACTIVATE = 0x80000;
/**
 * writepage's answer when the folio's bio found no free tag: the write is started (the folio
 * is under writeback and unlocked) and the caller finishes it with writepage_wait.
 */
export const WRITEPAGE_NO_TAG = -1;

/** struct address_space_operations: the writeback a mapping's folios go through. */
export interface AddressSpaceOperations {
  /**
   * ->writepage of a locked folio whose dirty bit clear_dirty_for_io just cleared: 0 when
   * the write started or was not needed (the folio is unlocked), AOP_WRITEPAGE_ACTIVATE, or
   * WRITEPAGE_NO_TAG. It never waits, so the common path makes no generator per folio.
   */
  writepage(task: Task, cpu: number, plug: IoPlug | null, pfn: number): number;
  /** The end of a writepage answered WRITEPAGE_NO_TAG: sleep in submit_bio until a tag frees. */
  writepage_wait(task: Task, cpu: number, plug: IoPlug | null, pfn: number): Generator<Yield, number, void>;
}

/** The swap space's id in pgdat.mappings. */
export const SWAP_MAPPING = 0;

/**
 * folio_mapping (mm/util.c): the swap space for a swap-cache folio, none for another
 * anonymous folio (its mapping field is the anon_vma), else the file mapping it is cached in
 * (NIL once removed).
 */
export function folio_mapping(f: FolioTable, pfn: number): number {
  const flags = f.flags[pfn] as number;
  if ((flags & PG_swapcache) !== 0) return SWAP_MAPPING;
  if ((flags & PG_anon) !== 0) return NIL;
  return f.mapping[pfn] as number;
}
