/**
 * The reclaimer's multi-gen LRU walk (current->reclaim_state->mm_walk, mm/vmscan.c 6.12), as
 * eviction sees it: while one is set, lru_gen_look_around promotes young neighbours by their
 * gen bits and batches the generation sizes here (update_batch_size) instead of queueing
 * activations; evict_folios applies the batch (reset_batch_size) after each
 * shrink_folio_list. kswapd sets the node's preallocated walk for its whole node pass
 * (set_mm_walk(pgdat, …) in lru_gen_shrink_node); direct and memcg reclaim start without one,
 * and an aging (try_to_inc_max_seq's set_mm_walk(NULL, true)) allocates one that stays until
 * the pass ends (clear_mm_walk). The batch is empty between passes, so kswapd's node walk is
 * made afresh per pass here.
 */
import { LRU_ACTIVE, LRU_INACTIVE_FILE, type Lruvec } from '../mm/lru.js';
import { ANON_AND_FILE, folio_is_file_lru, MAX_NR_GENS, type LruGenFolio } from '../mm/lru_gen.js';
import type { FolioTable } from '../mm/folio.js';
import type { ReclaimTask } from './kernel.js';

/** struct lru_gen_mm_walk: the part eviction and look-around use. */
export interface LruGenMmWalk {
  /** The lruvec the batch applies to (evict_folios sets it). */
  lruvec: Lruvec | null;
  /** nr_pages[gen * ANON_AND_FILE + type]: generation size changes batched until reset_batch_size. */
  readonly nr_pages: Float64Array;
  batched: number;
}

function alloc_mm_walk(): LruGenMmWalk {
  return { lruvec: null, nr_pages: new Float64Array(MAX_NR_GENS * ANON_AND_FILE), batched: 0 };
}

/**
 * set_mm_walk: kswapd with its node takes the node's walk; another task keeps the one it
 * has, or allocates one when `force_alloc`. Returns the task's walk (or null).
 */
export function set_mm_walk(rt: ReclaimTask, node: boolean, force_alloc: boolean): LruGenMmWalk | null {
  if (node && rt.is_kswapd) rt.mm_walk = alloc_mm_walk();
  else if (rt.mm_walk === null && force_alloc) rt.mm_walk = alloc_mm_walk();
  return rt.mm_walk;
}

/** clear_mm_walk: the task has no walk any more (a batch left behind would be a bug). */
export function clear_mm_walk(rt: ReclaimTask): void {
  rt.mm_walk = null;
}

/** update_batch_size: `folio` moved from generation `old_gen` to `new_gen` by its gen bits only. */
export function update_batch_size(walk: LruGenMmWalk, f: FolioTable, folio: number, old_gen: number, new_gen: number): void {
  const type = folio_is_file_lru(f, folio);
  const delta = f.nr(folio);
  walk.batched++;
  walk.nr_pages[old_gen * ANON_AND_FILE + type] = (walk.nr_pages[old_gen * ANON_AND_FILE + type] as number) - delta;
  walk.nr_pages[new_gen * ANON_AND_FILE + type] = (walk.nr_pages[new_gen * ANON_AND_FILE + type] as number) + delta;
}

/** reset_batch_size: apply the batched generation sizes to walk.lruvec, and its active/inactive view. */
export function reset_batch_size(walk: LruGenMmWalk): void {
  const lrugen = (walk.lruvec as Lruvec).lrugen as LruGenFolio;
  walk.batched = 0;
  for (let gen = 0; gen < MAX_NR_GENS; gen++) {
    for (let type = 0; type < ANON_AND_FILE; type++) {
      const i = gen * ANON_AND_FILE + type;
      const delta = walk.nr_pages[i] as number;
      if (delta === 0) continue;
      walk.nr_pages[i] = 0;
      lrugen.nr_pages[i] = (lrugen.nr_pages[i] as number) + delta;
      const lru = type * LRU_INACTIVE_FILE + (lrugen.lru_gen_is_active(gen) ? LRU_ACTIVE : 0);
      lrugen.lru_size[lru] = (lrugen.lru_size[lru] as number) + delta;
    }
  }
}
