/**
 * The classic (non-MGLRU) LRU's reclaim, mm/vmscan.c: the scan targets (get_scan_count), the
 * isolation of up to SWAP_CLUSTER_MAX folios from an inactive tail, shrink_folio_list on them
 * (the one strategy pipeline), put-back, the aging of the active lists, and the body of
 * shrink_lruvec and of kswapd_age_node that runs when lru_gen is disabled. shrink_node.ts
 * dispatches here.
 *
 * Debian enables MGLRU (kernel-spec E2); this is what 6.12 runs with lru_gen disabled.
 */
import { assert } from '../engine/assert.js';
import { Yield } from '../engine/simulator.js';
import { blk_flush_plug, BlkPlug } from '../block/blk_mq.js';
import { FolioList, NIL, PG_active, PG_lru, PG_unevictable, PG_workingset } from '../mm/folio.js';
import {
  LRU_ACTIVE,
  LRU_ACTIVE_ANON,
  LRU_ACTIVE_FILE,
  LRU_INACTIVE_ANON,
  LRU_INACTIVE_FILE,
  type Lruvec,
} from '../mm/lru.js';
import { ROOT_MEM_CGROUP } from '../mm/memcontrol.js';
import type { PgData } from '../mm/pgdat.js';
import { int_sqrt } from '../mm/zone.js';
import { must_sync, pmd_young_flush_wait, type Kernel, type ReclaimTask } from './kernel.js';
import { folio_mapped, folio_referenced } from './rmap.js';
import {
  DEACTIVATE_ANON,
  DEACTIVATE_FILE,
  DEF_PRIORITY,
  DEFAULT_SWAPPINESS,
  make_reclaim_stat,
  MAX_SWAPPINESS,
  SWAP_CLUSTER_MAX,
  type ScanControl,
} from './scan_control.js';
import { shrink_folio_list } from './vmscan.js';
import { can_reclaim_anon_pages, cgroup_reclaim, count_pgscan, count_pgsteal, lruvec_memcg, move_folios_to_lru } from './vmscan_lru.js';
import { trace_lru_isolate, trace_lru_shrink_active, trace_lru_shrink_inactive } from './vmscan_trace.js';

/** enum scan_balance */
const SCAN_EQUAL = 0;
const SCAN_FRACT = 1;
const SCAN_ANON = 2;
const SCAN_FILE = 3;

/** Pages per GiB: inactive_is_low's size unit (1 << (30 - PAGE_SHIFT)). */
const PAGES_PER_GB = 1 << 18;

/** A bound on the passes of one reclaim loop; far above any scenario's need. */
const RECLAIM_LOOPS_MAX = 10_000_000;

/** The lruvec whose totals steer this reclaim (mem_cgroup_lruvec(sc->target_mem_cgroup)). */
function target_lruvec(pgdat: PgData, sc: ScanControl): Lruvec {
  return pgdat.lruvecs[cgroup_reclaim(sc) ? sc.target_memcg : ROOT_MEM_CGROUP] as Lruvec;
}

/**
 * lruvec_page_state(lruvec, NR_LRU_BASE + lru): cgroup statistics are hierarchical, so the
 * root cgroup's lruvec counts the pages of every cgroup on the node.
 */
function lruvec_page_state(pgdat: PgData, lruvec: Lruvec, lru: number): number {
  return lruvec.memcg_id === ROOT_MEM_CGROUP ? pgdat.node_lru_pages(lru) : lruvec.lru_size(lru);
}

/** can_age_anon_pages: aging the anon LRU is worth it when there is swap. */
function can_age_anon_pages(pgdat: PgData): boolean {
  return pgdat.swap.nr_slots > 1;
}

/**
 * inactive_is_low (mm/vmscan.c): the inactive list is too small against the active one for
 * the memory size (ratio int_sqrt(10 × GiB), 1 below 1 GiB).
 */
export function inactive_is_low(pgdat: PgData, lruvec: Lruvec, inactive_lru: number): boolean {
  const inactive = lruvec_page_state(pgdat, lruvec, inactive_lru);
  const active = lruvec_page_state(pgdat, lruvec, inactive_lru + LRU_ACTIVE);
  const gb = Math.floor((inactive + active) / PAGES_PER_GB);
  const inactive_ratio = gb > 0 ? int_sqrt(10 * gb) : 1;
  return inactive * inactive_ratio < active;
}

/** Scanned pages of the last isolate_lru_folios call (its *nr_scanned out-parameter). */
let isolate_nr_scanned = 0;

/**
 * isolate_lru_folios (mm/vmscan.c; kernel-spec E1), under the LRU lock: from the tail of the
 * list, take up to `nr_to_scan` pages' worth of folios onto `dst` (each at dst's head, so
 * shrink_folio_list, which takes from the tail, meets them oldest first), clearing PG_lru and
 * taking a reference; folios that may not be unmapped go back to the list's head. Returns
 * the pages taken; the pages scanned are left in isolate_nr_scanned.
 */
function isolate_lru_folios(k: Kernel, nr_to_scan: number, lruvec: Lruvec, dst: FolioList, sc: ScanControl, lru: number): number {
  const f = k.pgdat.folios;
  let nr_taken = 0;
  let scan = 0;
  for (let pfn = lruvec.lru_tail(lru); scan < nr_to_scan && pfn !== NIL; pfn = lruvec.lru_tail(lru)) {
    const nr_pages = f.nr(pfn);
    scan += nr_pages;
    assert(f.test(pfn, PG_lru) && (f.refcount[pfn] as number) > 0, () => `folio ${pfn} on an LRU list without PG_lru or a reference`);
    if (!sc.may_unmap && folio_mapped(k, pfn)) {
      lruvec.lru_rotate_to_head(lru, pfn);
      continue;
    }
    lruvec.lru_del(lru, pfn);
    f.clear(pfn, PG_lru);
    f.get(pfn);
    nr_taken += nr_pages;
    dst.add(pfn);
  }
  isolate_nr_scanned = scan;
  return nr_taken;
}

/**
 * lru_note_cost (mm/swap.c): reclaim of this list cost `nr_io` writes (weighted by
 * SWAP_CLUSTER_MAX) and `nr_rotated` rotations; recorded on the lruvec and its parents,
 * halving both averages whenever they exceed a quarter of the lruvec's pages.
 */
function lru_note_cost(pgdat: PgData, lruvec: Lruvec, file: boolean, nr_io: number, nr_rotated: number): void {
  const cost = nr_io * SWAP_CLUSTER_MAX + nr_rotated;
  for (let vec: Lruvec | null = lruvec; vec !== null; vec = vec.memcg_id === ROOT_MEM_CGROUP ? null : pgdat.lruvec) {
    if (file) vec.file_cost += cost;
    else vec.anon_cost += cost;
    const lrusize = lruvec_page_state(pgdat, vec, LRU_INACTIVE_ANON) + lruvec_page_state(pgdat, vec, LRU_ACTIVE_ANON)
      + lruvec_page_state(pgdat, vec, LRU_INACTIVE_FILE) + lruvec_page_state(pgdat, vec, LRU_ACTIVE_FILE);
    if (vec.file_cost + vec.anon_cost > Math.floor(lrusize / 4)) {
      vec.file_cost = Math.floor(vec.file_cost / 2);
      vec.anon_cost = Math.floor(vec.anon_cost / 2);
    }
  }
}

/** is_file_lru */
function is_file_lru(lru: number): boolean {
  return lru === LRU_INACTIVE_FILE || lru === LRU_ACTIVE_FILE;
}

/**
 * shrink_inactive_list (mm/vmscan.c; kernel-spec E1, E3): drain this CPU's LRU batches,
 * isolate up to `nr_to_scan` pages from the inactive tail (PGSCAN_*), one
 * shrink_folio_list(ignore_references = false) over them — where the reclaim strategy
 * applies — then put the survivors back (PGSTEAL_*), note the cost and add up the call's
 * statistics into sc->nr. Throttling on too many isolated folios is not modelled.
 */
function* shrink_inactive_list(k: Kernel, rt: ReclaimTask, nr_to_scan: number, lruvec: Lruvec, sc: ScanControl, lru: number): Generator<Yield, number, void> {
  if (must_sync(k, rt)) yield Yield.resume;
  k.pgdat.fbatches.lru_add_drain(rt.cpu);
  const folio_list = new FolioList(k.pgdat.folios);
  const nr_taken = isolate_lru_folios(k, nr_to_scan, lruvec, folio_list, sc, lru);
  const nr_scanned = isolate_nr_scanned;
  trace_lru_isolate(k, rt, sc, nr_to_scan, nr_scanned, nr_taken, lru);
  rt.task.now_ns += nr_scanned * k.machine.cost.isolate_folio_ns;
  const file = is_file_lru(lru);
  count_pgscan(k, rt, sc, lruvec, nr_scanned, file);
  if (nr_taken === 0) return 0;
  const stat = make_reclaim_stat();
  const nr_reclaimed = yield* shrink_folio_list(k, rt, folio_list, sc, stat, false);
  if (must_sync(k, rt)) yield Yield.resume;
  move_folios_to_lru(k, rt, folio_list);
  count_pgsteal(k, rt, sc, lruvec, nr_reclaimed, file);
  lru_note_cost(k.pgdat, lruvec, file, stat.nr_pageout, nr_scanned - nr_reclaimed);
  // stat.nr_unqueued_dirty == nr_taken would wake the flusher threads: anon folios are never
  // counted unqueued-dirty (A7), so it does not happen here.
  sc.nr.dirty += stat.nr_dirty;
  sc.nr.congested += stat.nr_congested;
  sc.nr.unqueued_dirty += stat.nr_unqueued_dirty;
  sc.nr.writeback += stat.nr_writeback;
  sc.nr.immediate += stat.nr_immediate;
  sc.nr.taken += nr_taken;
  trace_lru_shrink_inactive(k, rt, sc, nr_scanned, nr_reclaimed, stat, file);
  return nr_reclaimed;
}

/**
 * shrink_active_list (mm/vmscan.c): isolate up to `nr_to_scan` pages from the active tail
 * (PGREFILL), check each folio's references (clearing its PTE's accessed bit; only
 * executable file folios keep their place, so every anon folio goes), deactivate it with
 * PG_workingset, and put the lists back (PGDEACTIVATE).
 */
function* shrink_active_list(k: Kernel, rt: ReclaimTask, nr_to_scan: number, lruvec: Lruvec, sc: ScanControl, lru: number): Generator<Yield, void, void> {
  const pgdat = k.pgdat;
  const f = pgdat.folios;
  if (must_sync(k, rt)) yield Yield.resume;
  pgdat.fbatches.lru_add_drain(rt.cpu);
  const l_hold = new FolioList(f);
  const nr_taken = isolate_lru_folios(k, nr_to_scan, lruvec, l_hold, sc, lru);
  const nr_scanned = isolate_nr_scanned;
  trace_lru_isolate(k, rt, sc, nr_to_scan, nr_scanned, nr_taken, lru);
  rt.task.now_ns += nr_scanned * k.machine.cost.isolate_folio_ns;
  const memcg = lruvec_memcg(pgdat, lruvec);
  if (!cgroup_reclaim(sc)) pgdat.vm.pgrefill += nr_scanned;
  if (memcg !== null) memcg.stat.pgrefill += nr_scanned;
  const l_active = new FolioList(f);
  const l_inactive = new FolioList(f);
  for (let pfn = l_hold.pop_tail(); pfn !== NIL; pfn = l_hold.pop_tail()) {
    if (must_sync(k, rt)) yield Yield.resume;
    rt.task.now_ns += k.machine.cost.deactivate_folio_ns;
    if (f.test(pfn, PG_unevictable)) {
      pgdat.fbatches.folio_putback_lru(rt.cpu, pfn);
      continue;
    }
    // Referenced or not, an anon folio is deactivated (only VM_EXEC file folios rotate).
    folio_referenced(k, pfn, rt);
    if (pmd_young_flush_wait(k, rt)) yield Yield.resume;
    f.clear(pfn, PG_active);
    f.set(pfn, PG_workingset);
    l_inactive.add(pfn);
  }
  if (must_sync(k, rt)) yield Yield.resume;
  const nr_activate = move_folios_to_lru(k, rt, l_active);
  const nr_deactivate = move_folios_to_lru(k, rt, l_inactive);
  pgdat.vm.pgdeactivate += nr_deactivate;
  if (memcg !== null) memcg.stat.pgdeactivate += nr_deactivate;
  trace_lru_shrink_active(k, rt, sc, nr_taken, nr_activate, nr_deactivate);
}

/** shrink_list: age an active list (if sc->may_deactivate allows) or shrink an inactive one. */
function* shrink_list(k: Kernel, rt: ReclaimTask, lru: number, nr_to_scan: number, lruvec: Lruvec, sc: ScanControl): Generator<Yield, number, void> {
  if (lru === LRU_ACTIVE_ANON || lru === LRU_ACTIVE_FILE) {
    const file = lru === LRU_ACTIVE_FILE ? 1 : 0;
    if ((sc.may_deactivate & (1 << file)) !== 0) yield* shrink_active_list(k, rt, nr_to_scan, lruvec, sc, lru);
    else sc.skipped_deactivate = true;
    return 0;
  }
  return yield* shrink_inactive_list(k, rt, nr_to_scan, lruvec, sc, lru);
}

/**
 * prepare_scan_control (mm/vmscan.c): read the target lruvec's cost averages; let the active
 * lists be aged where the inactive list is low (refault-driven deactivation is not
 * modelled); no cache trim mode without page cache; for global reclaim, file_is_tiny when
 * free pages plus the (absent) page cache are below the high watermark and the inactive anon
 * list is worth scanning at this priority.
 */
export function prepare_scan_control(k: Kernel, sc: ScanControl): void {
  const pgdat = k.pgdat;
  const target = target_lruvec(pgdat, sc);
  sc.anon_cost = target.anon_cost;
  sc.file_cost = target.file_cost;
  if (!sc.force_deactivate) {
    if (inactive_is_low(pgdat, target, LRU_INACTIVE_ANON)) sc.may_deactivate |= DEACTIVATE_ANON;
    else sc.may_deactivate &= ~DEACTIVATE_ANON;
    if (inactive_is_low(pgdat, target, LRU_INACTIVE_FILE)) sc.may_deactivate |= DEACTIVATE_FILE;
    else sc.may_deactivate &= ~DEACTIVATE_FILE;
  } else {
    sc.may_deactivate = DEACTIVATE_ANON | DEACTIVATE_FILE;
  }
  const inactive_file = lruvec_page_state(pgdat, target, LRU_INACTIVE_FILE);
  sc.cache_trim_mode = Math.floor(inactive_file / 2 ** sc.priority) > 0 && (sc.may_deactivate & DEACTIVATE_FILE) === 0;
  if (!cgroup_reclaim(sc)) {
    const free = pgdat.folios.nr_free_pages;
    const file = pgdat.node_lru_pages(LRU_ACTIVE_FILE) + pgdat.node_lru_pages(LRU_INACTIVE_FILE);
    const anon = pgdat.node_lru_pages(LRU_INACTIVE_ANON);
    sc.file_is_tiny = file + free <= pgdat.zone.high_wmark_pages()
      && (sc.may_deactivate & DEACTIVATE_ANON) === 0
      && Math.floor(anon / 2 ** sc.priority) > 0;
  }
}

/**
 * get_scan_count (mm/vmscan.c; kernel-spec E1): how many pages of each evictable list to
 * scan at this priority: the list size >> priority, all of it for anon when the page cache
 * is tiny (SCAN_ANON, the usual case of global reclaim here), equally at priority 0, and
 * otherwise (memcg reclaim) scaled by the anon share of swappiness over the recent reclaim
 * costs (SCAN_FRACT). memory.min/low protection is not modelled.
 */
function get_scan_count(k: Kernel, lruvec: Lruvec, sc: ScanControl, nr: number[]): void {
  const swappiness = DEFAULT_SWAPPINESS;
  let scan_balance: number;
  let ap = 0;
  let fp = 0;
  if (!sc.may_swap || !can_reclaim_anon_pages(k.pgdat)) scan_balance = SCAN_FILE;
  else if (sc.priority === 0) scan_balance = SCAN_EQUAL;
  else if (sc.file_is_tiny) scan_balance = SCAN_ANON;
  else if (sc.cache_trim_mode) scan_balance = SCAN_FILE;
  else {
    scan_balance = SCAN_FRACT;
    const total = sc.anon_cost + sc.file_cost;
    const anon_cost = total + sc.anon_cost;
    const file_cost = total + sc.file_cost;
    const total_cost = anon_cost + file_cost;
    ap = Math.floor((swappiness * (total_cost + 1)) / (anon_cost + 1));
    fp = Math.floor(((MAX_SWAPPINESS - swappiness) * (total_cost + 1)) / (file_cost + 1));
  }
  for (let lru = LRU_INACTIVE_ANON; lru <= LRU_ACTIVE_FILE; lru++) {
    const file = lru === LRU_INACTIVE_FILE || lru === LRU_ACTIVE_FILE;
    let scan = Math.floor(lruvec.lru_size(lru) / 2 ** sc.priority);
    if (scan_balance === SCAN_FRACT) {
      const product = scan * (file ? fp : ap);
      assert(Number.isSafeInteger(product), 'get_scan_count: scan fraction overflows');
      scan = Math.floor(product / (ap + fp));
    } else if (scan_balance === SCAN_FILE || scan_balance === SCAN_ANON) {
      if ((scan_balance === SCAN_FILE) !== file) scan = 0;
    }
    nr[lru] = scan;
  }
}

/**
 * shrink_lruvec (mm/vmscan.c; kernel-spec E1), its classic body: under one block plug, scan each
 * evictable list SWAP_CLUSTER_MAX at a time until the targets are met — or, once
 * nr_to_reclaim pages are reclaimed, stop (direct reclaim at DEF_PRIORITY scans its whole
 * target) — then age the anon active list if the inactive one is low.
 */
export function* shrink_lruvec_classic(k: Kernel, rt: ReclaimTask, lruvec: Lruvec, sc: ScanControl): Generator<Yield, void, void> {
  const nr = [0, 0, 0, 0];
  get_scan_count(k, lruvec, sc, nr);
  const targets = nr.slice();
  const nr_to_reclaim = sc.nr_to_reclaim;
  const proportional_reclaim = !cgroup_reclaim(sc) && !rt.is_kswapd && sc.priority === DEF_PRIORITY;
  // blk_start_plug: an outer plug (none today) would take precedence.
  const own_plug = rt.plug === null;
  if (own_plug) rt.plug = new BlkPlug();
  let nr_reclaimed = 0;
  for (let loops = 0; (nr[LRU_INACTIVE_ANON] as number) > 0 || (nr[LRU_ACTIVE_FILE] as number) > 0 || (nr[LRU_INACTIVE_FILE] as number) > 0; loops++) {
    assert(loops < RECLAIM_LOOPS_MAX, 'shrink_lruvec does not converge');
    for (let lru = LRU_INACTIVE_ANON; lru <= LRU_ACTIVE_FILE; lru++) {
      const left = nr[lru] as number;
      if (left === 0) continue;
      const nr_to_scan = Math.min(left, SWAP_CLUSTER_MAX);
      nr[lru] = left - nr_to_scan;
      nr_reclaimed += yield* shrink_list(k, rt, lru, nr_to_scan, lruvec, sc);
    }
    if (nr_reclaimed < nr_to_reclaim || proportional_reclaim) continue;
    const nr_file = (nr[LRU_INACTIVE_FILE] as number) + (nr[LRU_ACTIVE_FILE] as number);
    const nr_anon = (nr[LRU_INACTIVE_ANON] as number) + (nr[LRU_ACTIVE_ANON] as number);
    if (nr_file === 0 || nr_anon === 0) break;
    // Stop scanning the smaller side, scale the other to the share already scanned.
    let smaller: number;
    let percentage: number;
    if (nr_file > nr_anon) {
      smaller = LRU_INACTIVE_ANON;
      percentage = Math.floor((nr_anon * 100) / ((targets[LRU_INACTIVE_ANON] as number) + (targets[LRU_ACTIVE_ANON] as number) + 1));
    } else {
      smaller = LRU_INACTIVE_FILE;
      percentage = Math.floor((nr_file * 100) / ((targets[LRU_INACTIVE_FILE] as number) + (targets[LRU_ACTIVE_FILE] as number) + 1));
    }
    nr[smaller] = 0;
    nr[smaller + LRU_ACTIVE] = 0;
    const other = smaller === LRU_INACTIVE_FILE ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE;
    for (const lru of [other, other + LRU_ACTIVE]) {
      const scanned = (targets[lru] as number) - (nr[lru] as number);
      const next = Math.floor(((targets[lru] as number) * (100 - percentage)) / 100);
      nr[lru] = next - Math.min(next, scanned);
    }
  }
  if (own_plug) {
    // blk_finish_plug
    if (must_sync(k, rt)) yield Yield.resume;
    blk_flush_plug(rt.plug as BlkPlug, rt.cpu, rt.task.now_ns);
    rt.plug = null;
  }
  sc.nr_reclaimed += nr_reclaimed;
  if (can_age_anon_pages(k.pgdat) && inactive_is_low(k.pgdat, lruvec, LRU_INACTIVE_ANON)) {
    yield* shrink_active_list(k, rt, SWAP_CLUSTER_MAX, lruvec, sc, LRU_ACTIVE_ANON);
  }
}

/**
 * kswapd_age_node (mm/vmscan.c), its classic body: when the node's inactive anon list is low,
 * age SWAP_CLUSTER_MAX pages of every cgroup's active anon list.
 */
export function* kswapd_age_node_classic(k: Kernel, rt: ReclaimTask, sc: ScanControl): Generator<Yield, void, void> {
  const pgdat = k.pgdat;
  if (!can_age_anon_pages(pgdat)) return;
  if (!inactive_is_low(pgdat, pgdat.lruvec, LRU_INACTIVE_ANON)) return;
  for (const lruvec of pgdat.lruvecs) yield* shrink_active_list(k, rt, SWAP_CLUSTER_MAX, lruvec, sc, LRU_ACTIVE_ANON);
}
