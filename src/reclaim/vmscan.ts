import { assert } from '../engine/assert.js';
import { Yield } from '../engine/simulator.js';
import {
  FolioList,
  NIL,
  PG_active,
  PG_anon,
  PG_dirty,
  PG_mlocked,
  PG_reclaim,
  PG_referenced,
  PG_swapbacked,
  PG_swapcache,
  PG_unevictable,
  PG_writeback,
} from '../mm/folio.js';
import { PAGEVEC_SIZE } from '../mm/lru.js';
import { must_sync, type Kernel, type ReclaimTask } from './kernel.js';
import { folio_mapped, folio_referenced, try_to_unmap } from './rmap.js';
import { make_reclaim_stat, type ReclaimStat, type ScanControl } from './scan_control.js';
import { TTU_BATCH_FLUSH, try_to_unmap_flush, try_to_unmap_flush_dirty } from './tlb_batch.js';

/** enum folio_references */
const FOLIOREF_RECLAIM = 0;
const FOLIOREF_RECLAIM_CLEAN = 1;
const FOLIOREF_KEEP = 2;
const FOLIOREF_ACTIVATE = 3;

/** pageout_t */
export const PAGE_KEEP = 0;
export const PAGE_ACTIVATE = 1;
export const PAGE_SUCCESS = 2;
export const PAGE_CLEAN = 3;

/** Where a folio leaves the main loop of shrink_folio_list (its goto labels). */
const FREE_IT = 0;
const ACTIVATE_LOCKED = 1;
const KEEP_LOCKED = 2;
const KEEP = 3;

/**
 * folio_check_references (kernel-spec A10) for an anonymous folio mapped by PTEs: referenced
 * PTEs keep it, or activate it when it was referenced before or by several mappings.
 */
function folio_check_references(k: Kernel, pfn: number): number {
  const f = k.pgdat.folios;
  const referenced_ptes = folio_referenced(k, pfn);
  const referenced_folio = f.test_clear(pfn, PG_referenced);
  if (referenced_ptes > 0) {
    f.set(pfn, PG_referenced);
    if (referenced_folio || referenced_ptes > 1) return FOLIOREF_ACTIVATE;
    return FOLIOREF_KEEP;
  }
  return FOLIOREF_RECLAIM;
}

/** folio_mapping for an anonymous folio: the swap address space if it is in the swap cache. */
function folio_mapping_is_swap(k: Kernel, pfn: number): boolean {
  return k.pgdat.folios.test(pfn, PG_swapcache);
}

/**
 * add_to_swap (F1): allocate a slot, insert the folio into the swap cache, mark it dirty.
 * False when swap is full.
 */
function add_to_swap(k: Kernel, pfn: number): boolean {
  const slot = k.pgdat.swap.alloc_slot();
  if (slot === NIL) return false;
  k.pgdat.swap.add_to_swap_cache(k.pgdat.folios, pfn, slot);
  k.pgdat.folios.set(pfn, PG_dirty);
  return true;
}

/**
 * pageout (A18) of a locked, unmapped swap-cache folio: someone else holding a reference
 * keeps it; a folio whose dirty bit we clear is written (PG_reclaim set, swap_writepage),
 * else it was already clean.
 */
function* pageout(k: Kernel, rt: ReclaimTask, pfn: number): Generator<Yield, number, void> {
  const f = k.pgdat.folios;
  // is_page_cache_freeable: the isolation reference plus the swap cache's.
  if (f.refcount[pfn] !== 1 + f.nr(pfn)) return PAGE_KEEP;
  if (!folio_mapping_is_swap(k, pfn)) return PAGE_KEEP;
  if (!f.test_clear(pfn, PG_dirty)) return PAGE_CLEAN;
  f.set(pfn, PG_reclaim);
  rt.task.now_ns += k.machine.cost.pageout_ns;
  if (must_sync(k, rt)) yield Yield.resume;
  yield* k.swap_io.swap_writepage(rt.task, rt.cpu, rt.plug, pfn);
  if (!f.test(pfn, PG_writeback)) f.clear(pfn, PG_reclaim);
  k.pgdat.vm.nr_vmscan_write += f.nr(pfn);
  return PAGE_SUCCESS;
}

/**
 * __remove_mapping (A21) for a swap-cache folio: freeze the refcount at isolation + cache
 * references (fail if anyone else holds one, or if it was re-dirtied), delete it from the swap
 * cache and give up the slot. Returns with refcount 0: the caller frees the folio.
 */
function remove_mapping(k: Kernel, rt: ReclaimTask, pfn: number): boolean {
  const f = k.pgdat.folios;
  rt.task.now_ns += k.machine.cost.remove_mapping_ns;
  if (f.refcount[pfn] !== 1 + f.nr(pfn)) return false;
  if (f.test(pfn, PG_dirty)) return false;
  const slot = f.swap[pfn] as number;
  k.pgdat.swap.delete_from_swap_cache(f, pfn);
  k.pgdat.swap.put_swap_folio(slot);
  f.refcount[pfn] = 0;
  return true;
}

/**
 * The free batch of shrink_folio_list (A22, A34): mem_cgroup_uncharge_folios, then
 * try_to_unmap_flush — no CPU may still translate to a page being freed (A23) — then
 * free_unref_folios.
 */
function* free_folio_batch(k: Kernel, rt: ReclaimTask, count: number): Generator<Yield, void, void> {
  yield* try_to_unmap_flush(k, rt);
  const f = k.pgdat.folios;
  for (let i = 0; i < count; i++) {
    const pfn = rt.free_folios[i] as number;
    k.pgdat.vm.pgfree += f.nr(pfn);
    f.free(pfn);
  }
  rt.task.now_ns += count * k.machine.cost.free_folio_ns;
}

/**
 * shrink_folio_list (mm/vmscan.c; kernel-spec section A) for the anonymous, order-0 folios the
 * model has: every isolated folio on `folio_list` (taken from the tail) is reclaimed — swapped
 * out, unmapped, written, freed through the batch of 31 — or returned on the list, unlocked,
 * holding its isolation reference, with activation counted. Returns nr_reclaimed.
 */
export function* shrink_folio_list(
  k: Kernel,
  rt: ReclaimTask,
  folio_list: FolioList,
  sc: ScanControl,
  stat: ReclaimStat,
  ignore_references: boolean,
): Generator<Yield, number, void> {
  const f = k.pgdat.folios;
  const cost = k.machine.cost;
  const vm = k.pgdat.vm;
  const ret_folios = new FolioList(f);
  let nr_free = 0;
  let nr_reclaimed = 0;
  let pgactivate = 0;

  for (;;) {
    const pfn = folio_list.pop_tail();
    if (pfn === NIL) break;
    if (must_sync(k, rt)) yield Yield.resume;
    rt.task.now_ns += cost.shrink_folio_ns;
    let exit = KEEP;
    const nr_pages = f.nr(pfn);
    // A1
    if (!f.trylock(pfn)) {
      ret_folios.add(pfn);
      continue;
    }
    assert(f.test(pfn, PG_anon) && f.test(pfn, PG_swapbacked), `folio ${pfn}: only swap-backed anon folios are modelled`);
    sc.nr_scanned += nr_pages;
    exit = yield* shrink_one_folio(k, rt, pfn, sc, stat, ignore_references);
    if (exit === FREE_IT) {
      // A22
      nr_reclaimed += nr_pages;
      rt.free_folios[nr_free++] = pfn;
      if (nr_free === PAGEVEC_SIZE) {
        yield* free_folio_batch(k, rt, nr_free);
        nr_free = 0;
      }
      continue;
    }
    if (exit === ACTIVATE_LOCKED) {
      // A27
      if (f.test(pfn, PG_swapcache) && (k.pgdat.swap.swap_full() || f.test(pfn, PG_mlocked))) {
        k.pgdat.swap.folio_free_swap(f, pfn);
      }
      if (!f.test(pfn, PG_mlocked)) {
        f.set(pfn, PG_active);
        stat.nr_activate[0] += nr_pages;
        pgactivate += nr_pages;
      }
      exit = KEEP_LOCKED;
    }
    if (exit === KEEP_LOCKED) f.unlock(pfn);
    ret_folios.add(pfn);
  }
  // A34
  yield* free_folio_batch(k, rt, nr_free);
  // A35
  folio_list.splice(ret_folios);
  vm.pgactivate += pgactivate;
  vm.sim_nr_reclaimed += nr_reclaimed;
  return nr_reclaimed;
}

/** The per-folio decision chain of shrink_folio_list from A4 to A21, for a locked folio. */
function* shrink_one_folio(
  k: Kernel,
  rt: ReclaimTask,
  pfn: number,
  sc: ScanControl,
  stat: ReclaimStat,
  ignore_references: boolean,
): Generator<Yield, number, void> {
  const f = k.pgdat.folios;
  const cost = k.machine.cost;
  const nr_pages = f.nr(pfn);
  // A4
  if (f.test(pfn, PG_unevictable) || f.test(pfn, PG_mlocked)) return ACTIVATE_LOCKED;
  // A5
  if (!sc.may_unmap && folio_mapped(k, pfn)) return KEEP_LOCKED;
  // A7: swap-backed folios report neither dirty nor writeback (folio_check_dirty_writeback).
  // A8
  if (f.test(pfn, PG_writeback)) {
    // Case 2: global reclaim has sane writeback throttling.
    f.set(pfn, PG_reclaim);
    stat.nr_writeback += nr_pages;
    return ACTIVATE_LOCKED;
  }
  // A9, A10
  let references = FOLIOREF_RECLAIM;
  if (!ignore_references) {
    references = folio_check_references(k, pfn);
    if (references === FOLIOREF_ACTIVATE) return ACTIVATE_LOCKED;
    if (references === FOLIOREF_KEEP) {
      stat.nr_ref_keep += nr_pages;
      return KEEP_LOCKED;
    }
  }
  // A12
  if (!f.test(pfn, PG_swapcache)) {
    if (!sc.gfp_io) return KEEP_LOCKED;
    rt.task.now_ns += cost.add_to_swap_ns;
    if (!add_to_swap(k, pfn)) return ACTIVATE_LOCKED;
  }
  // A14
  if (folio_mapped(k, pfn)) {
    rt.task.now_ns += cost.try_to_unmap_ns;
    try_to_unmap(k, rt, pfn, TTU_BATCH_FLUSH);
    if (folio_mapped(k, pfn)) {
      stat.nr_unmap_fail += nr_pages;
      return ACTIVATE_LOCKED;
    }
  }
  // A17
  if (f.test(pfn, PG_dirty)) {
    if (references === FOLIOREF_RECLAIM_CLEAN) return KEEP_LOCKED;
    if (!sc.may_writepage) return KEEP_LOCKED;
    // A17.5: flush before I/O if any deferred PTE was dirty, then write.
    yield* try_to_unmap_flush_dirty(k, rt);
    const result = yield* pageout(k, rt, pfn);
    if (result === PAGE_KEEP) return KEEP_LOCKED;
    if (result === PAGE_ACTIVATE) return ACTIVATE_LOCKED;
    if (result === PAGE_SUCCESS) {
      stat.nr_pageout += nr_pages;
      if (f.test(pfn, PG_writeback)) return KEEP;
      if (f.test(pfn, PG_dirty)) return KEEP;
      // A synchronous write (zram): try to free it now.
      if (!f.trylock(pfn)) return KEEP;
      if (f.test(pfn, PG_dirty) || f.test(pfn, PG_writeback)) return KEEP_LOCKED;
    }
  }
  // A21: mapping NULL (left the swap cache) or a failed freeze keeps the folio.
  if (!folio_mapping_is_swap(k, pfn) || !remove_mapping(k, rt, pfn)) return KEEP_LOCKED;
  f.unlock(pfn);
  return FREE_IT;
}

/**
 * reclaim_folio_list (D5): shrink_folio_list with MADV_PAGEOUT's scan_control (may write, unmap
 * and swap; no demotion; references ignored), then every returned folio back to the LRU. In
 * 6.12 the reclaim_stat is discarded, so no PGSCAN/PGSTEAL is counted.
 */
export function* reclaim_folio_list(k: Kernel, rt: ReclaimTask, folio_list: FolioList): Generator<Yield, number, void> {
  const sc: ScanControl = {
    nr_to_reclaim: 0,
    gfp_io: true,
    may_writepage: true,
    may_unmap: true,
    may_swap: true,
    no_demotion: true,
    priority: 0,
    nr_scanned: 0,
    nr_reclaimed: 0,
  };
  const stat = make_reclaim_stat();
  const nr_reclaimed = yield* shrink_folio_list(k, rt, folio_list, sc, stat, true);
  if (must_sync(k, rt)) yield Yield.resume;
  for (;;) {
    const pfn = folio_list.pop_tail();
    if (pfn === NIL) break;
    k.pgdat.lruvec.folio_putback_lru(rt.cpu, pfn);
    rt.task.now_ns += k.machine.cost.putback_folio_ns;
  }
  return nr_reclaimed;
}

/** reclaim_pages (D4): clear PG_active on each folio, then reclaim_folio_list (one node). */
export function* reclaim_pages(k: Kernel, rt: ReclaimTask, folio_list: FolioList): Generator<Yield, number, void> {
  const f = k.pgdat.folios;
  for (let pfn = folio_list.tail; pfn !== NIL; pfn = f.lru_prev[pfn] as number) f.clear(pfn, PG_active);
  return yield* reclaim_folio_list(k, rt, folio_list);
}
