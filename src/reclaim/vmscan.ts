import { assert } from '../engine/assert.js';
import { Yield } from '../engine/simulator.js';
import {
  HPAGE_PMD_NR,
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
  type FolioList,
} from '../mm/folio.js';
import { PGDAT_DIRTY, PGDAT_WRITEBACK } from '../mm/pgdat.js';
import { DIRTY_WRITEBACK_DIRTY, DIRTY_WRITEBACK_WRITEBACK, folio_mapping } from '../mm/address_space.js';
import { must_sync, pmd_young_flush_wait, type Kernel, type ReclaimTask } from './kernel.js';
import { anon_mapping, folio_pmd_mapped, folio_referenced, try_to_unmap } from './rmap.js';
import { split_folio_to_list, split_huge_pmd } from './huge_memory.js';
import type { MmStruct } from '../mm/mm_struct.js';
import { make_reclaim_stat, make_scan_control, type ReclaimStat, type ScanControl } from './scan_control.js';
import { ShrinkContext } from './shrink_context.js';
import { TTU_BATCH_FLUSH, TTU_SPLIT_HUGE_PMD } from './tlb_batch.js';
import type { AddressSpace } from '../mm/address_space.js';

/** enum folio_references */
const FOLIOREF_RECLAIM = 0;
const FOLIOREF_RECLAIM_CLEAN = 1;
const FOLIOREF_KEEP = 2;
const FOLIOREF_ACTIVATE = 3;


/**
 * folio_check_references (kernel-spec A10): referenced PTEs keep the folio, or activate it
 * when it was referenced before or by several mappings; a file folio referenced only through
 * PG_referenced (read(), mark_page_accessed) is reclaimed if clean, its dirty case deferred
 * to writeback (FOLIOREF_RECLAIM_CLEAN). No VMA is VM_EXEC here.
 */
function folio_check_references(k: Kernel, pfn: number, rt: ReclaimTask): number {
  const f = k.pgdat.folios;
  const referenced_ptes = folio_referenced(k, pfn, rt, rt.mm_walk);
  const referenced_folio = f.test_clear(pfn, PG_referenced);
  if (referenced_ptes > 0) {
    f.set(pfn, PG_referenced);
    if (referenced_folio || referenced_ptes > 1) return FOLIOREF_ACTIVATE;
    return FOLIOREF_KEEP;
  }
  if (referenced_folio && !f.test(pfn, PG_swapbacked)) return FOLIOREF_RECLAIM_CLEAN;
  return FOLIOREF_RECLAIM;
}

/**
 * folio_check_dirty_writeback (A7) and its counts: only file LRU folios report dirty or
 * writeback (the mapping's is_dirty_writeback); anon and lazy-free folios report neither.
 */
function count_dirty_writeback(ctx: ShrinkContext, pfn: number, nr_pages: number): void {
  const f = ctx.folios;
  if (f.test(pfn, PG_swapbacked) || f.test(pfn, PG_anon)) return;
  const mapping = folio_mapping(f, pfn);
  if (mapping === NIL) return;
  const state = (ctx.k.pgdat.mappings[mapping] as AddressSpace).is_dirty_writeback(pfn);
  const dirty = (state & DIRTY_WRITEBACK_DIRTY) !== 0;
  const writeback = (state & DIRTY_WRITEBACK_WRITEBACK) !== 0;
  if (dirty || writeback) ctx.stat.nr_dirty += nr_pages;
  if (dirty && !writeback) ctx.stat.nr_unqueued_dirty += nr_pages;
  if (writeback && f.test(pfn, PG_reclaim)) ctx.stat.nr_congested += nr_pages;
}

/**
 * add_to_swap (F1): allocate the folio's slots (folio_alloc_swap: one per page, a contiguous
 * cluster run for a large folio — none on a rotational device), insert the folio into the
 * swap cache, mark it dirty. False when no slots are free.
 */
function add_to_swap(k: Kernel, pfn: number): boolean {
  const slot = k.pgdat.swap.alloc_slots(k.pgdat.folios.order[pfn] as number);
  if (slot === NIL) return false;
  k.pgdat.swap.add_to_swap_cache(k.pgdat.folios, pfn, slot);
  k.pgdat.folios.set(pfn, PG_dirty);
  return true;
}

/**
 * shrink_folio_list (mm/vmscan.c; kernel-spec section A) for the anonymous, order-0 folios the
 * model has: every isolated folio on `folio_list` (taken from the tail) is reclaimed — swapped
 * out, unmapped, written, freed through the batch of 31 — or returned on the list, unlocked,
 * holding its isolation reference, with activation counted. The reclaim strategy decides
 * what happens to dirty folios (A17.5) and after the main loop. Returns nr_reclaimed.
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
  const ctx = new ShrinkContext(k, rt, sc, stat, folio_list);
  if (k.probe !== null) k.probe.shrink_begin(ctx);
  const start_ns = rt.task.now_ns;
  const scanned_before = sc.nr_scanned;
  const rounds_before = rt.nr_flush_rounds;
  for (;;) {
    const pfn = folio_list.pop_tail();
    if (pfn === NIL) break;
    if (must_sync(k, rt)) yield Yield.resume;
    rt.task.now_ns += k.machine.cost.shrink_folio_ns;
    // A1
    if (!f.trylock(pfn)) {
      ctx.keep(pfn);
      continue;
    }
    assert(f.test(pfn, PG_anon) === f.test(pfn, PG_swapbacked), () => `folio ${pfn}: lazy-free anon folios are not modelled`);
    sc.nr_scanned += f.nr(pfn);
    let next = shrink_one_folio(ctx, pfn, ignore_references);
    // A young PMD's reference check flushed (pmdp_clear_flush_young): its queued calls go first.
    if (pmd_young_flush_wait(k, rt)) yield Yield.resume;
    if (next >= SPLIT_FOR_SWAP) next = yield* large_folio_split(ctx, pfn, next);
    if (next === WRITE_DIRTY) yield* k.strategy.dirty_folio(ctx, pfn);
    else if (next === FREE) yield* ctx.folio_free(pfn);
  }
  yield* k.strategy.after_main_loop(ctx);
  // A32 (demotion) does not apply: no memory tiers are modelled.
  const nr_reclaimed = yield* ctx.finish();
  if (k.probe !== null) k.probe.shrink_end(ctx, nr_reclaimed);
  k.machine.tracer?.shrink_folio_list(
    rt.cpu,
    start_ns,
    rt.task.now_ns,
    sc.nr_scanned - scanned_before,
    nr_reclaimed,
    rt.nr_flush_rounds - rounds_before,
  );
  return nr_reclaimed;
}

/**
 * A8: a locked folio already under writeback is activated. Case 1: kswapd meets a folio it
 * marked for reclaim before, on a node flagged as cycling through folios under writeback
 * (nr_immediate). Case 2 (global reclaim and cgroup v2 have sane writeback throttling): mark
 * it PG_reclaim (nr_writeback). Case 3 is cgroup v1 only.
 */
function folio_under_writeback(ctx: ShrinkContext, pfn: number, nr_pages: number): void {
  const f = ctx.folios;
  if (ctx.rt.is_kswapd && f.test(pfn, PG_reclaim) && (ctx.k.pgdat.flags & PGDAT_WRITEBACK) !== 0) {
    ctx.stat.nr_immediate += nr_pages;
    return ctx.activate_locked(pfn);
  }
  f.set(pfn, PG_reclaim);
  ctx.stat.nr_writeback += nr_pages;
  ctx.activate_locked(pfn);
}

/**
 * What shrink_one_folio leaves to its caller: nothing, the dirty-folio path, the free path,
 * or for a large folio a split first (of the folio, to swap it page by page; of its PMD
 * mapping, to unmap it).
 */
const DECIDED = 0;
const WRITE_DIRTY = 1;
const FREE = 2;
const SPLIT_FOR_SWAP = 3;
const SPLIT_PMD = 4;

/**
 * The large-folio steps of the chain that may wait (a split's flushes), then the rest of it:
 * SPLIT_FOR_SWAP (swap_fallback_split) or SPLIT_PMD (try_to_unmap's TTU_SPLIT_HUGE_PMD).
 */
function* large_folio_split(ctx: ShrinkContext, pfn: number, step: number): Generator<Yield, number, void> {
  if (step === SPLIT_FOR_SWAP) {
    step = yield* swap_fallback_split(ctx, pfn);
    if (step !== SPLIT_PMD) return step;
  }
  yield* split_huge_pmd(ctx.k, ctx.rt, anon_mapping(ctx.k, pfn) as MmStruct, pfn);
  return shrink_mapped_folio(ctx, pfn, FOLIOREF_RECLAIM);
}

/**
 * The large folio add_to_swap could not give a run of slots (A12, 6.12): split it onto the
 * call's list (split_folio_to_list; failure activates it), count THP_SWPOUT_FALLBACK for a
 * PMD-sized folio and the order's mTHP swpout_fallback, take back the pages the head no
 * longer stands for from nr_scanned (the new folios are scanned in their own turn), and
 * swap the head alone; then the rest of the chain.
 */
function* swap_fallback_split(ctx: ShrinkContext, pfn: number): Generator<Yield, number, void> {
  const { k, rt, sc } = ctx;
  const f = k.pgdat.folios;
  const order = f.order[pfn] as number;
  const nr_pages = 1 << order;
  if (!(yield* split_folio_to_list(k, rt, pfn, ctx.folio_list))) return decided(ctx.activate_locked(pfn));
  if (nr_pages >= HPAGE_PMD_NR) k.pgdat.thp.thp_swpout_fallback++;
  k.pgdat.mthp.count(order, 'swpout_fallback');
  sc.nr_scanned -= nr_pages - 1;
  rt.task.now_ns += k.machine.cost.add_to_swap_ns;
  if (!add_to_swap(k, pfn)) return decided(ctx.activate_locked(pfn));
  return shrink_mapped_folio(ctx, pfn, FOLIOREF_RECLAIM);
}

/**
 * The per-folio decision chain of shrink_folio_list from A4 on, for a locked folio. It never
 * waits: the two steps that may (writing a dirty folio, freeing one) are returned for the
 * caller to take, so that no generator is made per folio for the decisions alone.
 */
function shrink_one_folio(ctx: ShrinkContext, pfn: number, ignore_references: boolean): number {
  const { k, rt, sc, stat } = ctx;
  const f = k.pgdat.folios;
  const cost = k.machine.cost;
  const nr_pages = f.nr(pfn);
  // A4
  if (f.test(pfn, PG_unevictable) || f.test(pfn, PG_mlocked)) return decided(ctx.activate_locked(pfn));
  // A5
  if (!sc.may_unmap && ctx.mapped(pfn)) return decided(ctx.keep_locked(pfn));
  // A6 under the multi-gen LRU: folio_update_gen marked it referenced after isolation (look-around, the walk).
  if (!ignore_references && k.pgdat.lru_gen_enabled && f.test(pfn, PG_referenced) && ctx.mapped(pfn)) return decided(ctx.keep_locked(pfn));
  // A7
  count_dirty_writeback(ctx, pfn, nr_pages);
  // A8
  if (f.test(pfn, PG_writeback)) return decided(folio_under_writeback(ctx, pfn, nr_pages));
  // A9, A10
  let references = FOLIOREF_RECLAIM;
  if (!ignore_references) {
    references = folio_check_references(k, pfn, rt);
    if (references === FOLIOREF_ACTIVATE) return decided(ctx.activate_locked(pfn));
    if (references === FOLIOREF_KEEP) {
      stat.nr_ref_keep += nr_pages;
      return decided(ctx.keep_locked(pfn));
    }
  }
  // A12: only anonymous swap-backed folios are added to swap.
  if (f.test(pfn, PG_anon) && !f.test(pfn, PG_swapcache)) {
    if (!sc.gfp_io) return decided(ctx.keep_locked(pfn));
    // A large folio someone else holds a reference to could not be split: skip it.
    if (nr_pages > 1 && !can_split_folio(k, pfn)) return decided(ctx.activate_locked(pfn));
    rt.task.now_ns += cost.add_to_swap_ns;
    if (!add_to_swap(k, pfn)) return nr_pages > 1 ? SPLIT_FOR_SWAP : decided(ctx.activate_locked(pfn));
  }
  return shrink_mapped_folio(ctx, pfn, references);
}

/**
 * can_split_folio (mm/huge_memory.c) with the caller's one pin: only its mappings and the
 * swap cache reference it besides.
 */
function can_split_folio(k: Kernel, pfn: number): boolean {
  const f = k.pgdat.folios;
  const extra_pins = f.test(pfn, PG_swapcache) ? f.nr(pfn) : 0;
  return f.mapcount[pfn] === (f.refcount[pfn] as number) - extra_pins - 1;
}

/**
 * The chain from A14 on, for a locked folio in the swap cache: unmap it (a PMD mapping is
 * split first — TTU_SPLIT_HUGE_PMD — which the caller does, as it may wait), then the dirty
 * and free decisions.
 */
function shrink_mapped_folio(ctx: ShrinkContext, pfn: number, references: number): number {
  const { k, rt, sc, stat } = ctx;
  const f = k.pgdat.folios;
  const cost = k.machine.cost;
  const nr_pages = f.nr(pfn);
  // A14
  if (ctx.mapped(pfn)) {
    if (folio_pmd_mapped(k, pfn)) return SPLIT_PMD;
    rt.task.now_ns += cost.try_to_unmap_ns + (nr_pages - 1) * cost.unmap_pte_ns;
    try_to_unmap(k, rt, pfn, TTU_BATCH_FLUSH | TTU_SPLIT_HUGE_PMD);
    if (ctx.mapped(pfn)) {
      stat.nr_unmap_fail += nr_pages;
      return decided(ctx.activate_locked(pfn));
    }
  }
  // A17
  if (f.test(pfn, PG_dirty)) {
    // A17.1: only kswapd writes file folios, and only ones it met before (PG_reclaim) on a
    // node flagged PGDAT_DIRTY; others are marked for immediate reclaim and activated.
    if (!f.test(pfn, PG_swapbacked) && (!rt.is_kswapd || !f.test(pfn, PG_reclaim) || (k.pgdat.flags & PGDAT_DIRTY) === 0)) {
      k.pgdat.vm.nr_vmscan_immediate_reclaim += nr_pages;
      f.set(pfn, PG_reclaim);
      return decided(ctx.activate_locked(pfn));
    }
    if (references === FOLIOREF_RECLAIM_CLEAN) return decided(ctx.keep_locked(pfn));
    if (!sc.may_writepage) return decided(ctx.keep_locked(pfn));
    // A17.5: flush before I/O (if a deferred PTE was dirty), then write — or the strategy's way.
    return WRITE_DIRTY;
  }
  // A19-A22
  return FREE;
}

/** An exit taken (keep, activate): nothing left for the caller. */
function decided(_exit: void): number {
  return DECIDED;
}

/**
 * reclaim_folio_list (D5): shrink_folio_list with MADV_PAGEOUT's scan_control (may write, unmap
 * and swap; no demotion; references ignored), then every returned folio back to the LRU. In
 * 6.12 the reclaim_stat is discarded, so no PGSCAN/PGSTEAL is counted.
 */
export function* reclaim_folio_list(k: Kernel, rt: ReclaimTask, folio_list: FolioList): Generator<Yield, number, void> {
  const sc = make_scan_control({ may_writepage: true, may_unmap: true, may_swap: true, no_demotion: true });
  const stat = make_reclaim_stat();
  const nr_reclaimed = yield* shrink_folio_list(k, rt, folio_list, sc, stat, true);
  if (must_sync(k, rt)) yield Yield.resume;
  for (;;) {
    const pfn = folio_list.pop_tail();
    if (pfn === NIL) break;
    k.pgdat.fbatches.folio_putback_lru(rt.cpu, pfn);
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
