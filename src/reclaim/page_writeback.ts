/**
 * Dirty page-cache limits and the writing of a file's dirty folios (mm/page-writeback.c,
 * 6.12): global_dirtyable_memory and domain_dirty_limits (one global domain: no memcg
 * writeback domain, no per-bdi share), folio_clear_dirty_for_io with folio_mkclean, and
 * writeback_use_writepage / writeback_iter, which the flusher (fs_writeback.ts) runs. The
 * dirtying task's side, balance_dirty_pages, is in balance_dirty_pages.ts.
 */
import { Yield } from '../engine/simulator.js';
import { PG_dirty, PG_writeback, NIL } from '../mm/folio.js';
import { FileMapping } from '../mm/file_mapping.js';
import { folio_mapping } from '../mm/address_space.js';
import { LRU_ACTIVE_FILE, LRU_INACTIVE_FILE } from '../mm/lru.js';
import { WRITEPAGE_NO_TAG } from '../mm/address_space.js';
import { folio_lock, must_sync, type Kernel, type ReclaimTask } from './kernel.js';
import { folio_mkclean } from './rmap_file.js';
import { BlkPlug, blk_flush_plug } from '../block/blk_mq.js';

const PAGE_SIZE = 4096;

/** The writeback sysctls (/proc/sys/vm/dirty_*), as the scenario's writeback.* resolves them. */
export interface WritebackParams {
  dirty_background_ratio: number;
  dirty_ratio: number;
  dirty_background_bytes: number;
  dirty_bytes: number;
  dirty_expire_centisecs: number;
  dirty_writeback_centisecs: number;
}

/** The global dirty thresholds, in pages (struct dirty_throttle_control's thresh and bg_thresh). */
export interface DirtyLimits {
  thresh: number;
  bg_thresh: number;
}

/**
 * global_dirtyable_memory: free pages less totalreserve_pages (one zone, no lowmem_reserve:
 * its high watermark), plus the file LRU pages; never 0.
 */
export function global_dirtyable_memory(k: Kernel): number {
  const pgdat = k.pgdat;
  let x = pgdat.folios.nr_free_pages;
  x -= Math.min(x, pgdat.zone.high_wmark_pages());
  x += pgdat.node_lru_pages(LRU_INACTIVE_FILE) + pgdat.node_lru_pages(LRU_ACTIVE_FILE);
  return x + 1;
}

/**
 * domain_dirty_limits for the global domain: dirty_bytes / dirty_background_bytes when set,
 * else the ratios (in 1/PAGE_SIZE units, as the kernel converts them) of dirtyable memory;
 * a background threshold not below the hard one becomes half of it. Not an RT task.
 */
export function domain_dirty_limits(k: Kernel, wb: WritebackParams): DirtyLimits {
  const avail = global_dirtyable_memory(k);
  const ratio = Math.floor((wb.dirty_ratio * PAGE_SIZE) / 100);
  const bg_ratio = Math.floor((wb.dirty_background_ratio * PAGE_SIZE) / 100);
  const thresh = wb.dirty_bytes !== 0 ? Math.ceil(wb.dirty_bytes / PAGE_SIZE) : Math.floor((ratio * avail) / PAGE_SIZE);
  let bg_thresh = wb.dirty_background_bytes !== 0 ? Math.ceil(wb.dirty_background_bytes / PAGE_SIZE) : Math.floor((bg_ratio * avail) / PAGE_SIZE);
  if (bg_thresh >= thresh) bg_thresh = Math.floor(thresh / 2);
  return { thresh, bg_thresh };
}

/** Publishes the thresholds where /proc/vmstat shows them (nr_dirty_threshold, nr_dirty_background_threshold). */
export function note_dirty_limits(k: Kernel, limits: DirtyLimits): void {
  k.pgdat.vm.nr_dirty_threshold = limits.thresh;
  k.pgdat.vm.nr_dirty_background_threshold = limits.bg_thresh;
}

/**
 * folio_mark_dirty (mm/page-writeback.c), for reclaim's page-table scans that find a dirty
 * PTE: a page-cache folio goes through its mapping (filemap_dirty_folio: NR_FILE_DIRTY,
 * NR_DIRTIED, the inode queued for the flusher); a swap-cache folio (swap's noop_dirty_folio)
 * or one with no mapping only gets PG_dirty.
 */
export function folio_mark_dirty(k: Kernel, pfn: number): void {
  const mapping = k.pgdat.mappings[folio_mapping(k.pgdat.folios, pfn)];
  if (mapping instanceof FileMapping) mapping.mark_dirty(pfn);
  else k.pgdat.folios.set(pfn, PG_dirty);
}

/**
 * folio_clear_dirty_for_io (mm/page-writeback.c) of a locked page-cache folio: folio_mkclean
 * write-protects and cleans every shared PTE mapping it (each a flush), a PTE found dirty or
 * writable re-marking the folio dirty (folio_mark_dirty); then PG_dirty is cleared
 * (NR_FILE_DIRTY). True when the folio was dirty: it must be written.
 */
export function* folio_clear_dirty_for_io(k: Kernel, rt: ReclaimTask, file: FileMapping, pfn: number): Generator<Yield, boolean, void> {
  if (k.pgdat.folios.mapcount[pfn] !== 0 && !k.mutants.flusher_skips_mkclean && (yield* folio_mkclean(k, rt, pfn)) > 0) file.mark_dirty(pfn);
  return file.clear_dirty_for_io(pfn);
}

/**
 * writeback_use_writepage (mm/page-writeback.c) for WB_SYNC_NONE, range-cyclic writeback of
 * up to `nr_to_write` pages of `file`, under a block plug: writeback_iter walks the dirty
 * folios from mapping->writeback_index in index order (it never wraps: the next call starts
 * at 0), locks each (waiting for the lock), skips one no longer in the file, no longer dirty
 * or already under writeback (folio_prepare_writeback), clears its dirty bit
 * (folio_clear_dirty_for_io) and hands it to ->writepage. Returns the pages written.
 */
export function* writeback_file(k: Kernel, rt: ReclaimTask, file: FileMapping, nr_to_write: number): Generator<Yield, number, void> {
  const f = k.pgdat.folios;
  const a_ops = file.a_ops;
  if (a_ops === null) return 0;
  const plug = new BlkPlug();
  let written = 0;
  let index = file.writeback_index;
  for (; index < file.nr_pages && written < nr_to_write; index++) {
    const pfn = file.get_folio(index);
    if (pfn === NIL || !f.test(pfn, PG_dirty)) continue;
    if (must_sync(k, rt)) yield Yield.resume;
    // filemap_get_folios_tag took a reference; the folio may have left meanwhile.
    if (file.get_folio(index) !== pfn || !f.test(pfn, PG_dirty)) continue;
    f.get(pfn);
    rt.task.now_ns += k.machine.cost.writeback_folio_ns;
    yield* folio_lock(k, rt, pfn);
    if (f.mapping[pfn] !== file.id || f.index[pfn] !== index || !f.test(pfn, PG_dirty) || f.test(pfn, PG_writeback) || !(yield* folio_clear_dirty_for_io(k, rt, file, pfn))) {
      f.unlock(pfn);
      k.pgdat.fbatches.folio_put(pfn);
      continue;
    }
    if (k.probe !== null) k.probe.flusher_write(pfn);
    const ret = a_ops.writepage(rt.task, rt.cpu, plug, pfn);
    if (ret === WRITEPAGE_NO_TAG) yield* a_ops.writepage_wait(rt.task, rt.cpu, plug, pfn);
    k.pgdat.fbatches.folio_put(pfn);
    written++;
  }
  file.writeback_index = index >= file.nr_pages ? 0 : index;
  blk_flush_plug(plug, rt.cpu, rt.task.now_ns);
  return written;
}
