/**
 * The multi-gen LRU's isolation for eviction (mm/vmscan.c, 6.12): isolate_folios picks the
 * type, scan_folios walks the oldest generation from its tail, sort_folio moves aside what must
 * not be evicted yet (promoted by the walk, or protected by its tier), isolate_folio takes the
 * rest, until MIN_LRU_BATCH pages are isolated or MAX_LRU_BATCH folios looked at; evict_folios
 * hands the batch to shrink_folio_list, sorts what came back and retries the clean leftovers
 * once. try_to_shrink_lruvec (lru_gen_shrink.ts) calls it.
 *
 * One zone is modelled, and reclaim_idx always covers it: no folio is ineligible, none is
 * skipped for its zone (PGSCAN_SKIP).
 */
import {
  FolioList,
  LRU_REFS_MASK,
  LRU_REFS_WIDTH,
  NIL,
  PG_active,
  PG_anon,
  PG_dirty,
  PG_locked,
  PG_lru,
  PG_reclaim,
  PG_referenced,
  PG_swapcache,
  PG_unevictable,
  PG_workingset,
  PG_writeback,
  type FolioTable,
} from '../mm/folio.js';
import { LRU_INACTIVE_ANON, LRU_INACTIVE_FILE, type Lruvec } from '../mm/lru.js';
import {
  ANON_AND_FILE,
  folio_is_file_lru,
  folio_lru_gen,
  folio_lru_refs,
  LRU_GEN_ANON,
  LRU_GEN_FILE,
  lru_gen_from_seq,
  lru_tier_from_refs,
  MAX_LRU_BATCH,
  MIN_LRU_BATCH,
  MIN_NR_GENS,
  type LruGenFolio,
} from '../mm/lru_gen.js';
import { Yield } from '../engine/simulator.js';
import { reset_batch_size } from './lru_gen_mm_walk.js';
import { must_sync, type Kernel, type ReclaimTask } from './kernel.js';
import { try_to_inc_min_seq } from './lru_gen_aging.js';
import { get_tier_idx, get_type_to_scan } from './lru_gen_pid.js';
import { folio_mapped } from './rmap.js';
import { make_reclaim_stat, MAX_SWAPPINESS, NO_TARGET_MEMCG, type ScanControl } from './scan_control.js';
import { shrink_folio_list } from './vmscan.js';
import { cgroup_reclaim, count_pgscan, count_pgsteal, lruvec_memcg, move_folios_to_lru } from './vmscan_lru.js';
import { trace_lru_isolate, trace_lru_shrink_inactive } from './vmscan_trace.js';

/**
 * sort_folio: true when the folio was moved instead of isolated: promoted by the page-table
 * walk (its gen bits name a younger generation: to the head of that generation's list), or
 * protected by its tier (above tier_idx, or refs at the maximum: folio_inc_gen, to the tail of
 * the next generation, counted in `protected`). An unevictable folio is let through, for
 * shrink_folio_list to cull.
 */
export function sort_folio(lrugen: LruGenFolio, f: FolioTable, pfn: number, tier_idx: number): boolean {
  if (f.test(pfn, PG_unevictable)) return false;
  const gen = folio_lru_gen(f, pfn);
  const type = folio_is_file_lru(f, pfn);
  if (gen !== lru_gen_from_seq(lrugen.min_seq[type] as number)) {
    lrugen.move_to_gen(pfn, gen, false);
    return true;
  }
  const refs = folio_lru_refs(f, pfn);
  const tier = lru_tier_from_refs(refs);
  if (tier > tier_idx || refs === 1 << LRU_REFS_WIDTH) {
    const delta = f.nr(pfn);
    lrugen.move_to_gen(pfn, lrugen.folio_inc_gen(pfn, false), true);
    const prot = lrugen.protected[type] as Float64Array;
    prot[tier - 1] = (prot[tier - 1] as number) + delta;
    return true;
  }
  return false;
}

/**
 * isolate_folio: take a folio for eviction: not without __GFP_IO if it is dirty anon or anon
 * outside the swap cache; not if it lost its last reference or another isolator has it; its
 * refs and PG_workingset are wiped unless PG_referenced is set, PG_referenced is cleared (for
 * shrink_folio_list), and it leaves its generation (lru_gen_del_folio, reclaiming: no
 * PG_active). The isolation holds a reference.
 */
export function isolate_folio(lrugen: LruGenFolio, f: FolioTable, pfn: number, sc: ScanControl): boolean {
  if (!sc.gfp_io && ((f.test(pfn, PG_dirty) && folio_is_file_lru(f, pfn) === LRU_GEN_ANON) || (f.test(pfn, PG_anon) && !f.test(pfn, PG_swapcache)))) return false;
  if ((f.refcount[pfn] as number) === 0) return false;
  if (!f.test_clear(pfn, PG_lru)) return false;
  f.get(pfn);
  if (!f.test(pfn, PG_referenced)) f.flags[pfn] = (f.flags[pfn] as number) & ~(LRU_REFS_MASK | PG_referenced | PG_workingset);
  f.clear(pfn, PG_referenced);
  lrugen.lru_gen_del_folio(pfn, true);
  return true;
}

/**
 * scan_folios: nothing when `type` is down to MIN_NR_GENS generations; otherwise from the tail
 * of its oldest generation, sort or isolate each folio (isolated ones go to the head of
 * `list`, so the first isolated is met first from its tail) until MIN_LRU_BATCH pages are
 * isolated (or skipped) or MAX_LRU_BATCH folios seen. Counts PGSCAN_KSWAPD/DIRECT and PGREFILL
 * (sorted pages: node-wide only without a target cgroup, the cgroup's always) and
 * PGSCAN_ANON/FILE, and sc->nr.file_taken.
 */
export function scan_folios(k: Kernel, rt: ReclaimTask, lruvec: Lruvec, sc: ScanControl, type: number, tier: number, list: FolioList): number {
  const lrugen = lruvec.lrugen as LruGenFolio;
  const f = k.pgdat.folios;
  if (lrugen.get_nr_gens(type) === MIN_NR_GENS) return 0;
  const head = lrugen.list(lru_gen_from_seq(lrugen.min_seq[type] as number), type);
  const moved = new FolioList(f);
  let sorted = 0;
  let scanned = 0;
  let isolated = 0;
  let skipped = 0;
  let remaining = MAX_LRU_BATCH;
  for (let pfn = head.tail; pfn !== NIL; pfn = head.tail) {
    const delta = f.nr(pfn);
    scanned += delta;
    if (sort_folio(lrugen, f, pfn, tier)) {
      sorted += delta;
    } else if (isolate_folio(lrugen, f, pfn, sc)) {
      list.add(pfn);
      isolated += delta;
    } else {
      head.del(pfn);
      moved.add(pfn);
      skipped += delta;
    }
    if (--remaining === 0 || Math.max(isolated, skipped) >= MIN_LRU_BATCH) break;
  }
  // list_splice(&moved, head): the skipped folios back at the head, in moved's order.
  for (let pfn = moved.tail; pfn !== NIL; pfn = moved.tail) {
    moved.del(pfn);
    head.add(pfn);
  }
  rt.task.now_ns += scanned * k.machine.cost.isolate_folio_ns;
  count_pgscan(k, rt, sc, lruvec, isolated, type === LRU_GEN_FILE);
  const memcg = lruvec_memcg(k.pgdat, lruvec);
  if (!cgroup_reclaim(sc)) k.pgdat.vm.pgrefill += sorted;
  if (memcg !== null) memcg.stat.pgrefill += sorted;
  trace_lru_isolate(k, rt, sc, MAX_LRU_BATCH, scanned, isolated, type === LRU_GEN_FILE ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON, skipped);
  if (type === LRU_GEN_FILE) sc.nr.file_taken += isolated;
  return isolated > 0 || remaining === 0 ? scanned : 0;
}

/**
 * isolate_folios: the type to evict — the obvious choice first (swappiness 0: file; anon
 * behind file: anon; swappiness 1: file; MAX_SWAPPINESS: anon; no __GFP_IO: file), else the
 * PID controller's — then scan_folios of it, and of the other type if that found nothing
 * (only file when swappiness is 0). Returns the pages scanned and the type scanned last.
 */
export function isolate_folios(k: Kernel, rt: ReclaimTask, lruvec: Lruvec, sc: ScanControl, swappiness: number, list: FolioList): { scanned: number; type: number } {
  const lrugen = lruvec.lrugen as LruGenFolio;
  let type: number;
  let tier = -1;
  if (swappiness === 0) type = LRU_GEN_FILE;
  else if ((lrugen.min_seq[LRU_GEN_ANON] as number) < (lrugen.min_seq[LRU_GEN_FILE] as number)) type = LRU_GEN_ANON;
  else if (swappiness === 1) type = LRU_GEN_FILE;
  else if (swappiness === MAX_SWAPPINESS) type = LRU_GEN_ANON;
  else if (!sc.gfp_io) type = LRU_GEN_FILE;
  else ({ type, tier_idx: tier } = get_type_to_scan(lrugen, swappiness));
  let scanned = 0;
  for (let i = swappiness === 0 ? 1 : 0; i < ANON_AND_FILE; i++) {
    if (tier < 0) tier = get_tier_idx(lrugen, type);
    scanned = scan_folios(k, rt, lruvec, sc, type, tier, list);
    if (scanned > 0) break;
    type = ANON_AND_FILE - 1 - type;
    tier = -1;
  }
  return { scanned, type };
}

/** A bound on evict_folios' passes: the first and the one retry. */
const EVICT_PASSES_MAX = 2;

/**
 * evict_folios: under the LRU lock isolate a batch (isolate_folios), trim empty oldest
 * generations (try_to_inc_min_seq, one more "scanned" if it did), and report nothing scanned
 * when the type that must be kept is down to MIN_NR_GENS; then shrink_folio_list on the batch
 * (ignore_references false: the A6 keep applies), PGSTEAL per pass. Of what comes back: an
 * unevictable folio is left for move_folios_to_lru to cull; a folio this pass wrote (PG_reclaim,
 * dirty or under writeback) goes back as it is (PG_referenced restored from PG_workingset:
 * to max_seq − 1); a rejected one (active, referenced, mapped, locked, dirty, under writeback,
 * or any on the retry) loses its refs and gets PG_active (to max_seq); a clean, unmapped,
 * unreferenced one may have missed folio_rotate_reclaimable and gets one more
 * shrink_folio_list call. Generation sizes the pass's walk batched (look-around) are applied
 * after each call (reset_batch_size). Returns the pages scanned.
 */
export function* evict_folios(k: Kernel, rt: ReclaimTask, lruvec: Lruvec, sc: ScanControl, swappiness: number): Generator<Yield, number, void> {
  const lrugen = lruvec.lrugen as LruGenFolio;
  const f = k.pgdat.folios;
  if (must_sync(k, rt)) yield Yield.resume;
  const list = new FolioList(f);
  const isolated = isolate_folios(k, rt, lruvec, sc, swappiness, list);
  let scanned = isolated.scanned;
  const type = isolated.type;
  if (try_to_inc_min_seq(lrugen, swappiness > 0)) scanned++;
  if (lrugen.get_nr_gens(swappiness > 0 ? LRU_GEN_ANON : LRU_GEN_FILE) === MIN_NR_GENS) scanned = 0;
  if (list.count === 0) return scanned;
  if (k.probe !== null) k.probe.lru_gen_evicting(rt.is_kswapd, sc.target_memcg !== NO_TARGET_MEMCG, list.count);
  const clean = new FolioList(f);
  for (let pass = 0, skip_retry = false; list.count > 0; pass++, skip_retry = true) {
    if (pass >= EVICT_PASSES_MAX) throw new Error('evict_folios retried more than once');
    const stat = make_reclaim_stat();
    const reclaimed = yield* shrink_folio_list(k, rt, list, sc, stat, false);
    sc.nr.unqueued_dirty += stat.nr_unqueued_dirty;
    sc.nr_reclaimed += reclaimed;
    trace_lru_shrink_inactive(k, rt, sc, scanned, reclaimed, stat, type === LRU_GEN_FILE);
    for (let pfn = list.tail, prev = NIL; pfn !== NIL; pfn = prev) {
      prev = f.lru_prev[pfn] as number;
      if (f.test(pfn, PG_unevictable)) continue;
      if (f.test(pfn, PG_reclaim) && f.test(pfn, PG_dirty | PG_writeback)) {
        if (f.test(pfn, PG_workingset)) f.set(pfn, PG_referenced);
        continue;
      }
      if (skip_retry || f.test(pfn, PG_active | PG_referenced | PG_locked | PG_dirty | PG_writeback) || folio_mapped(k, pfn)) {
        f.flags[pfn] = ((f.flags[pfn] as number) & ~(LRU_REFS_MASK | PG_referenced | PG_workingset)) | PG_active;
        continue;
      }
      list.del(pfn);
      clean.add(pfn);
    }
    if (must_sync(k, rt)) yield Yield.resume;
    move_folios_to_lru(k, rt, list);
    const walk = rt.mm_walk;
    if (walk !== null && walk.batched > 0) {
      walk.lruvec = lruvec;
      reset_batch_size(walk);
    }
    count_pgsteal(k, rt, sc, lruvec, reclaimed, type === LRU_GEN_FILE);
    // list_splice_init(&clean, &list)
    for (let pfn = clean.tail; pfn !== NIL; pfn = clean.tail) {
      clean.del(pfn);
      list.add(pfn);
    }
  }
  return scanned;
}
