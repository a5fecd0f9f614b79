/**
 * The multi-gen LRU's generation numbers (mm/vmscan.c, 6.12): eviction trims the empty oldest
 * generations (try_to_inc_min_seq), aging opens a new youngest one (inc_max_seq), forcing the
 * oldest forward (inc_min_seq) when all four are in use. The page-table walk that decides what
 * is young before a new generation opens is lru_gen_walk.ts's. The generations' birth times
 * (timestamps, read only by min_ttl_ms, 0 by default, and debugfs) are not modelled.
 */
import { assert } from '../engine/assert.js';
import { NIL } from '../mm/folio.js';
import { ANON_AND_FILE, LRU_GEN_ANON, lru_gen_from_seq, MAX_LRU_BATCH, MAX_NR_GENS, MIN_NR_GENS, type LruGenFolio } from '../mm/lru_gen.js';
import { reset_ctrl_pos } from './lru_gen_pid.js';

/** enum lru_list offsets for the compatibility sizes. */
const LRU_INACTIVE_FILE = 2;
const LRU_ACTIVE = 1;

/**
 * inc_min_seq: retire the oldest generation of `type`: each of its folios, from the tail,
 * goes to the tail of the next generation (folio_inc_gen; a folio the walk promoted meanwhile
 * goes to its own generation's list), then min_seq advances. Anon folios stay put when swap
 * cannot take them. False after MAX_LRU_BATCH folios, for the caller to drop the lock and
 * come back (the kernel's cond_resched).
 */
export function inc_min_seq(lrugen: LruGenFolio, type: number, can_swap: boolean): boolean {
  if (type !== LRU_GEN_ANON || can_swap) {
    const list = lrugen.list(lru_gen_from_seq(lrugen.min_seq[type] as number), type);
    let remaining = MAX_LRU_BATCH;
    for (let pfn = list.tail; pfn !== NIL; pfn = list.tail) {
      const new_gen = lrugen.folio_inc_gen(pfn, false);
      lrugen.move_to_gen(pfn, new_gen, true);
      if (--remaining === 0) return false;
    }
  }
  reset_ctrl_pos(lrugen, type, true);
  lrugen.min_seq[type] = (lrugen.min_seq[type] as number) + 1;
  return true;
}

/**
 * try_to_inc_min_seq: advance each type's min_seq past its empty oldest generations (keeping
 * at least MIN_NR_GENS), anon never ahead of file when swapping is possible, and file never
 * behind anon. True when a min_seq moved.
 */
export function try_to_inc_min_seq(lrugen: LruGenFolio, can_swap: boolean): boolean {
  assert(lrugen.seq_is_valid(), 'try_to_inc_min_seq: invalid generation window');
  const min_seq = [lrugen.min_seq[0] as number, lrugen.min_seq[1] as number];
  const first = can_swap ? 0 : 1;
  for (let type = first; type < ANON_AND_FILE; type++) {
    while ((min_seq[type] as number) + MIN_NR_GENS <= lrugen.max_seq) {
      if (lrugen.list(lru_gen_from_seq(min_seq[type] as number), type).tail !== NIL) break;
      min_seq[type] = (min_seq[type] as number) + 1;
    }
  }
  if (can_swap) {
    min_seq[0] = Math.min(min_seq[0] as number, min_seq[1] as number);
    min_seq[1] = Math.max(min_seq[0], lrugen.min_seq[1] as number);
  }
  let success = false;
  for (let type = first; type < ANON_AND_FILE; type++) {
    if (min_seq[type] === lrugen.min_seq[type]) continue;
    reset_ctrl_pos(lrugen, type, true);
    lrugen.min_seq[type] = min_seq[type] as number;
    success = true;
  }
  return success;
}

/** A bound on inc_max_seq's restarts (each moves MAX_LRU_BATCH folios); far above any node's folios. */
const INC_MAX_SEQ_RESTARTS_MAX = 1 << 20;

/**
 * inc_max_seq: open generation max_seq + 1 if `seq` is still the youngest: first retire the
 * oldest generation of a type that has all MAX_NR_GENS (file first), then update the
 * active/inactive sizes (max_seq − 1 turns inactive, and max_seq + 1, which may overlap
 * anon's min_seq when swapping is constrained, turns active). False when another aging got
 * there first.
 */
export function inc_max_seq(lrugen: LruGenFolio, seq: number, can_swap: boolean): boolean {
  for (let restarts = 0; ; restarts++) {
    assert(restarts < INC_MAX_SEQ_RESTARTS_MAX, 'inc_max_seq does not converge');
    if (seq < lrugen.max_seq) return false;
    assert(lrugen.seq_is_valid(), 'inc_max_seq: invalid generation window');
    if (seq !== lrugen.max_seq) return false;
    let restart = false;
    for (let type = ANON_AND_FILE - 1; type >= 0; type--) {
      if (lrugen.get_nr_gens(type) !== MAX_NR_GENS) continue;
      if (inc_min_seq(lrugen, type, can_swap)) continue;
      restart = true;
      break;
    }
    if (!restart) break;
  }
  const prev = lru_gen_from_seq(lrugen.max_seq - 1);
  const next = lru_gen_from_seq(lrugen.max_seq + 1);
  const sizes = lrugen.lru_size;
  for (let type = 0; type < ANON_AND_FILE; type++) {
    const lru = type * LRU_INACTIVE_FILE;
    const delta = lrugen.gen_pages(prev, type) - lrugen.gen_pages(next, type);
    if (delta === 0) continue;
    sizes[lru] = (sizes[lru] as number) + delta;
    sizes[lru + LRU_ACTIVE] = (sizes[lru + LRU_ACTIVE] as number) - delta;
  }
  for (let type = 0; type < ANON_AND_FILE; type++) reset_ctrl_pos(lrugen, type, false);
  lrugen.max_seq++;
  return true;
}
