/**
 * The multi-gen LRU's reclaim of one lruvec (mm/vmscan.c, 6.12): try_to_shrink_lruvec evicts
 * batches while get_nr_to_scan says there is something to scan at this priority — or ages
 * instead, below DEF_PRIORITY, when should_run_aging finds too few cold pages, which ends the
 * lruvec's pass — until should_abort_scan. lru_gen_shrink_lruvec is memcg limit reclaim's entry.
 *
 * shrink_lruvec sends memcg limit reclaim here and kswapd_age_node calls lru_gen_age_node;
 * root reclaim (kswapd, direct reclaim) enters try_to_shrink_lruvec from shrink_one
 * (lru_gen_shrink_node.ts). Aging is try_to_inc_max_seq (lru_gen_walk.ts). memory.min/low is
 * not modelled; every cgroup is online.
 */
import { Yield } from '../engine/simulator.js';
import { blk_flush_plug, BlkPlug } from '../block/blk_mq.js';
import type { Lruvec } from '../mm/lru.js';
import { ANON_AND_FILE, lru_gen_from_seq, MIN_LRU_BATCH, MIN_NR_GENS, type LruGenFolio } from '../mm/lru_gen.js';
import { LRU_INACTIVE_ANON, LRU_INACTIVE_FILE } from '../mm/lru.js';
import { MEMCG_LRU_YOUNG } from '../mm/lru_gen_memcg.js';
import type { PgData } from '../mm/pgdat.js';
import { zone_watermark_ok } from '../mm/zone.js';
import { must_sync, type Kernel, type ReclaimTask } from './kernel.js';
import { evict_folios } from './lru_gen_evict.js';
import { clear_mm_walk, set_mm_walk } from './lru_gen_mm_walk.js';
import { try_to_inc_max_seq } from './lru_gen_walk.js';
import { DEF_PRIORITY, DEFAULT_SWAPPINESS, type ScanControl } from './scan_control.js';
import { can_reclaim_anon_pages } from './vmscan_lru.js';

/** A bound on try_to_shrink_lruvec's evictions in one call; far above any scenario's need. */
const EVICT_LOOPS_MAX = 10_000_000;

/**
 * get_swappiness: 0 without may_swap or with fewer than MIN_LRU_BATCH free swap slots (no
 * demotion target: one node), else vm.swappiness (the cgroup's is the same default).
 */
export function get_swappiness(k: Kernel, sc: ScanControl): number {
  if (!sc.may_swap) return 0;
  if (k.pgdat.swap.get_nr_swap_pages() < MIN_LRU_BATCH) return 0;
  return DEFAULT_SWAPPINESS;
}

/**
 * should_run_aging: whether a new generation is needed, and the evictable pages (the
 * generations of the types that can be evicted). Yes when the lruvec is down to MIN_NR_GENS
 * (nothing cold: nr_to_scan 0); no while more than MIN_NR_GENS + 1 generations exist;
 * otherwise yes when the youngest holds more than half the pages or the oldest-but-one
 * (seq max_seq − 2) less than a quarter.
 */
export function should_run_aging(lrugen: LruGenFolio, max_seq: number, can_swap: boolean): { age: boolean; nr_to_scan: number } {
  const keep = can_swap ? 0 : 1;
  if ((lrugen.min_seq[keep] as number) + MIN_NR_GENS > max_seq) return { age: true, nr_to_scan: 0 };
  let old = 0;
  let young = 0;
  let total = 0;
  for (let type = keep; type < ANON_AND_FILE; type++) {
    for (let seq = lrugen.min_seq[type] as number; seq <= max_seq; seq++) {
      const size = Math.max(lrugen.gen_pages(lru_gen_from_seq(seq), type), 0);
      total += size;
      if (seq === max_seq) young += size;
      else if (seq + MIN_NR_GENS === max_seq) old += size;
    }
  }
  if ((lrugen.min_seq[keep] as number) + MIN_NR_GENS < max_seq) return { age: false, nr_to_scan: total };
  return { age: young * MIN_NR_GENS > total || old * (MIN_NR_GENS + 2) < total, nr_to_scan: total };
}

/**
 * get_nr_to_scan: the pages to scan at this priority (evictable >> priority) when no aging is
 * needed or at DEF_PRIORITY (which never ages); otherwise age (try_to_inc_max_seq) and return
 * −1, which ends this lruvec's pass, or 0 if another aging got there first.
 */
export function get_nr_to_scan(k: Kernel, rt: ReclaimTask, lruvec: Lruvec, sc: ScanControl, can_swap: boolean): number {
  const lrugen = lruvec.lrugen as LruGenFolio;
  const max_seq = lrugen.max_seq;
  const { age, nr_to_scan } = should_run_aging(lrugen, max_seq, can_swap);
  if (!age || sc.priority === DEF_PRIORITY) return Math.floor(nr_to_scan / 2 ** sc.priority);
  // try_to_inc_max_seq's set_mm_walk(NULL, true): an aging not already done allocates the
  // task's walk, which stays until its pass ends (clear_mm_walk).
  if (max_seq > lrugen.mm_state.seq) set_mm_walk(rt, false, true);
  return try_to_inc_max_seq(k, rt, lruvec, max_seq, can_swap, false) ? -1 : 0;
}

/**
 * should_abort_scan: enough reclaimed (nr_to_reclaim, at least compact_gap(0) = 2); for
 * kswapd also when the zone is above its high watermark plus MIN_LRU_BATCH.
 */
export function should_abort_scan(k: Kernel, rt: ReclaimTask, sc: ScanControl): boolean {
  if (sc.nr_reclaimed >= Math.max(sc.nr_to_reclaim, 2)) return true;
  if (!rt.is_kswapd) return false;
  return zone_watermark_ok(k.pgdat.folios.nr_free_pages, k.pgdat.zone.high_wmark_pages() + MIN_LRU_BATCH);
}

/**
 * try_to_shrink_lruvec: evict while get_nr_to_scan is positive, evict_folios makes progress,
 * fewer than nr_to_scan pages were scanned and should_abort_scan does not stop it. True when
 * the pass ended in an aging (the memcg is rotated young). The flusher wake-up for file folios
 * all unqueued-dirty is left out: no file folio is counted unqueued-dirty here (A7).
 */
export function* try_to_shrink_lruvec(k: Kernel, rt: ReclaimTask, lruvec: Lruvec, sc: ScanControl): Generator<Yield, boolean, void> {
  const swappiness = get_swappiness(k, sc);
  let scanned = 0;
  let nr_to_scan = 0;
  for (let loops = 0; ; loops++) {
    if (loops >= EVICT_LOOPS_MAX) throw new Error('try_to_shrink_lruvec does not converge');
    nr_to_scan = get_nr_to_scan(k, rt, lruvec, sc, swappiness > 0);
    if (nr_to_scan <= 0) break;
    const delta = yield* evict_folios(k, rt, lruvec, sc, swappiness);
    if (delta === 0) break;
    scanned += delta;
    if (scanned >= nr_to_scan) break;
    if (should_abort_scan(k, rt, sc)) break;
  }
  return nr_to_scan < 0;
}

/**
 * lru_gen_shrink_lruvec: memcg limit reclaim of one cgroup's lruvec under the multi-gen LRU:
 * drain this CPU's LRU batches, one block plug around try_to_shrink_lruvec, with no walk set
 * (set_mm_walk(NULL, proactive): memory.reclaim is not modelled) unless its aging makes one,
 * cleared at the end; a pass that ended in an aging rotates the cgroup young in the node's
 * memcg LRU.
 */
export function* lru_gen_shrink_lruvec(k: Kernel, rt: ReclaimTask, lruvec: Lruvec, sc: ScanControl): Generator<Yield, void, void> {
  k.pgdat.fbatches.lru_add_drain(rt.cpu);
  const own_plug = rt.plug === null;
  if (own_plug) rt.plug = new BlkPlug();
  set_mm_walk(rt, false, false);
  if (yield* try_to_shrink_lruvec(k, rt, lruvec, sc)) k.pgdat.memcg_lru?.lru_gen_rotate_memcg(lruvec.memcg_id, MEMCG_LRU_YOUNG);
  clear_mm_walk(rt);
  if (own_plug) {
    if (must_sync(k, rt)) yield Yield.resume;
    blk_flush_plug(rt.plug as BlkPlug, rt.cpu, rt.task.now_ns);
    rt.plug = null;
  }
}

/** fls_long: the 1-based index of the highest set bit, 0 for 0. */
function fls_long(x: number): number {
  return x <= 0 ? 0 : Math.floor(Math.log2(x)) + 1;
}

/**
 * set_initial_priority: for a reclaim starting at DEF_PRIORITY that wants at least
 * MIN_LRU_BATCH pages, start where (inactive >> priority) ≈ nr_to_reclaim: fls(inactive) − 1 −
 * fls(nr_to_reclaim − 1), clamped to [DEF_PRIORITY / 2, DEF_PRIORITY]; inactive counts the
 * node's inactive file pages, and inactive anon when swap has room.
 */
export function set_initial_priority(pgdat: PgData, sc: ScanControl): void {
  if (sc.priority !== DEF_PRIORITY || sc.nr_to_reclaim < MIN_LRU_BATCH) return;
  let reclaimable = pgdat.node_lru_pages(LRU_INACTIVE_FILE);
  if (can_reclaim_anon_pages(pgdat)) reclaimable += pgdat.node_lru_pages(LRU_INACTIVE_ANON);
  const priority = fls_long(reclaimable) - 1 - fls_long(sc.nr_to_reclaim - 1);
  sc.priority = Math.min(Math.max(priority, DEF_PRIORITY / 2), DEF_PRIORITY);
}

/**
 * lru_gen_age_node, kswapd's aging hook under the multi-gen LRU: no generation is made here;
 * it sets the initial priority, and with min_ttl_ms 0 (the default) checks nothing else.
 */
export function lru_gen_age_node(k: Kernel, sc: ScanControl): void {
  set_initial_priority(k.pgdat, sc);
}
