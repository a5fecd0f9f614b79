/**
 * Global reclaim under the multi-gen LRU (mm/vmscan.c, 6.12): kswapd's and direct reclaim's
 * shrink_node of the root goes to lru_gen_shrink_node, which visits the cgroups in the order
 * of the node's memcg LRU (shrink_many; mm/lru_gen_memcg.ts) and reclaims each with
 * try_to_shrink_lruvec (shrink_one) until should_abort_scan. There are no node flags
 * (PGDAT_DIRTY, PGDAT_WRITEBACK), no lru_note_cost and no should_continue_reclaim on this
 * path. memory.min/low, slab shrinkers and vmpressure are not modelled; every cgroup is
 * online and mem_cgroup_tryget succeeds.
 */
import { assert } from '../engine/assert.js';
import { Yield } from '../engine/simulator.js';
import { blk_flush_plug, BlkPlug } from '../block/blk_mq.js';
import type { Lruvec } from '../mm/lru.js';
import { ANON_AND_FILE, lru_gen_from_seq, type LruGenFolio } from '../mm/lru_gen.js';
import {
  get_memcg_bin,
  get_memcg_gen,
  get_nulls_value,
  is_a_nulls,
  MEMCG_LRU_NOP,
  MEMCG_LRU_TAIL,
  MEMCG_LRU_YOUNG,
  type MemcgLru,
} from '../mm/lru_gen_memcg.js';
import { must_sync, type Kernel, type ReclaimTask } from './kernel.js';
import { clear_mm_walk, set_mm_walk } from './lru_gen_mm_walk.js';
import { get_swappiness, set_initial_priority, should_abort_scan, try_to_shrink_lruvec } from './lru_gen_shrink.js';
import type { ScanControl } from './scan_control.js';

/**
 * lruvec_is_sizable: whether the lruvec's evictable pages (the generations of the types that
 * can be evicted) shifted right by the priority leave anything (an online cgroup's test).
 */
export function lruvec_is_sizable(k: Kernel, lruvec: Lruvec, sc: ScanControl): boolean {
  const lrugen = lruvec.lrugen as LruGenFolio;
  const can_swap = get_swappiness(k, sc) > 0;
  let total = 0;
  for (let type = can_swap ? 0 : 1; type < ANON_AND_FILE; type++) {
    for (let seq = lrugen.min_seq[type] as number; seq <= lrugen.max_seq; seq++) {
      total += Math.max(lrugen.gen_pages(lru_gen_from_seq(seq), type), 0);
    }
  }
  return Math.floor(total / 2 ** sc.priority) > 0;
}

/**
 * shrink_one: try_to_shrink_lruvec of one cgroup's lruvec, and the memcg LRU rotation it
 * asks for: MEMCG_LRU_YOUNG when the pass ended in an aging; none when it did not and the
 * lruvec is sizable at this priority; otherwise (too small) MEMCG_LRU_TAIL the first time,
 * MEMCG_LRU_YOUNG the second.
 */
export function* shrink_one(k: Kernel, rt: ReclaimTask, lruvec: Lruvec, sc: ScanControl): Generator<Yield, number, void> {
  const memcg_lru = k.pgdat.memcg_lru as MemcgLru;
  if (yield* try_to_shrink_lruvec(k, rt, lruvec, sc)) return MEMCG_LRU_YOUNG;
  if (lruvec_is_sizable(k, lruvec, sc)) return MEMCG_LRU_NOP;
  return memcg_lru.seg[lruvec.memcg_id] !== MEMCG_LRU_TAIL ? MEMCG_LRU_TAIL : MEMCG_LRU_YOUNG;
}

/** A bound on shrink_many's restarts of one bin (each follows a cgroup rotated meanwhile). */
const SHRINK_MANY_RESTARTS_MAX = 1_000_000;

/**
 * shrink_many: from a random bin of the old generation, each cgroup on the bin's list still
 * in that generation is reclaimed (shrink_one), its rotation applied once the walk has moved
 * past it, until should_abort_scan; then the following bins. A walk that ends in a list of
 * another generation (it followed a cgroup another reclaimer rotated) restarts the bin.
 */
export function* shrink_many(k: Kernel, rt: ReclaimTask, sc: ScanControl): Generator<Yield, void, void> {
  const memcg_lru = k.pgdat.memcg_lru as MemcgLru;
  const gen = get_memcg_gen(memcg_lru.seq);
  const first_bin = memcg_lru.random_bin();
  let bin = first_bin;
  for (let restarts = 0; ; restarts++) {
    assert(restarts < SHRINK_MANY_RESTARTS_MAX, 'shrink_many does not end');
    let op = MEMCG_LRU_NOP;
    let memcg = -1;
    let pos = memcg_lru.list_first(gen, bin);
    for (; !is_a_nulls(pos); pos = memcg_lru.list_next(pos)) {
      if (op !== MEMCG_LRU_NOP) {
        memcg_lru.lru_gen_rotate_memcg(memcg, op);
        op = MEMCG_LRU_NOP;
      }
      if (memcg_lru.gen[pos] !== gen) continue;
      memcg = pos;
      op = yield* shrink_one(k, rt, k.pgdat.lruvecs[memcg] as Lruvec, sc);
      if (should_abort_scan(k, rt, sc)) break;
    }
    if (op !== MEMCG_LRU_NOP) memcg_lru.lru_gen_rotate_memcg(memcg, op);
    if (!is_a_nulls(pos)) return;
    if (get_nulls_value(pos) !== gen) continue;
    bin = get_memcg_bin(bin + 1);
    if (bin === first_bin) return;
  }
}

/**
 * lru_gen_shrink_node: global reclaim of the node under the multi-gen LRU (nothing without
 * may_writepage and may_unmap: clean unmapped folios are already preferred): drain this CPU's
 * LRU batches, plug, set the walk (kswapd: the node's, for the whole pass), the initial
 * priority (set_initial_priority), shrink_many — for kswapd counting sc.nr_reclaimed from 0
 * for the pass (should_abort_scan compares the pass's own), added back after — then clear the
 * walk and unplug. Progress revives a failing kswapd.
 */
export function* lru_gen_shrink_node(k: Kernel, rt: ReclaimTask, sc: ScanControl): Generator<Yield, void, void> {
  const pgdat = k.pgdat;
  const reclaimed = sc.nr_reclaimed;
  if (sc.may_writepage && sc.may_unmap) {
    pgdat.fbatches.lru_add_drain(rt.cpu);
    const own_plug = rt.plug === null;
    if (own_plug) rt.plug = new BlkPlug();
    set_mm_walk(rt, true, false);
    set_initial_priority(pgdat, sc);
    if (rt.is_kswapd) sc.nr_reclaimed = 0;
    yield* shrink_many(k, rt, sc);
    if (rt.is_kswapd) sc.nr_reclaimed += reclaimed;
    clear_mm_walk(rt);
    if (own_plug) {
      if (must_sync(k, rt)) yield Yield.resume;
      blk_flush_plug(rt.plug as BlkPlug, rt.cpu, rt.task.now_ns);
      rt.plug = null;
    }
  }
  if (sc.nr_reclaimed > reclaimed) pgdat.kswapd_failures = 0;
}
