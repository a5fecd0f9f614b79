/**
 * The multi-gen LRU's aging walk (mm/vmscan.c, 6.12): try_to_inc_max_seq walks the page
 * tables of the cgroup's mms (iterate_mm_list, walk_mm → walk_pte_range), clearing the
 * accessed bit of each young PTE — without a TLB flush (ptep_clear_young_notify; x86's
 * ptep_test_and_clear_young does not flush) — and moving its folio to the youngest generation
 * by its gen bits (folio_update_gen; the lists are sorted at eviction), then opens a new
 * generation (inc_max_seq).
 *
 * An mm is walked when it was used since its last walk (mm->lru_gen.bitmap, which the model
 * never sets yet: no context switch is modelled) or on the forced scan of the first iteration
 * of the list and of mms added since ("tail"). Only forced scans walk, so the Bloom filter and
 * the non-leaf PMD accessed bits, which prune non-forced walks, are not modelled yet; nor are
 * PMD-mapped THPs (walk_pmd_range_locked).
 */
import { PG_anon, PG_dirty, PG_swapbacked, PG_swapcache } from '../mm/folio.js';
import type { Lruvec } from '../mm/lru.js';
import { ANON_AND_FILE, folio_is_file_lru, folio_update_gen, lru_gen_from_seq, LRU_GEN_FILE, MAX_NR_GENS, type LruGenFolio } from '../mm/lru_gen.js';
import { PTE_ACCESSED, PTE_DIRTY, PTE_PMD, PTE_PRESENT, type MmStruct } from '../mm/mm_struct.js';
import type { Kernel, ReclaimTask } from './kernel.js';
import { inc_max_seq } from './lru_gen_aging.js';
import { LRU_ACTIVE, LRU_INACTIVE_FILE } from '../mm/lru.js';

/** mm_state->head at the list head (&mm_list->fifo). */
const FIFO = -1;

/** struct lru_gen_mm_walk: one aging's walk. */
interface MmWalk {
  lruvec: Lruvec;
  seq: number;
  can_swap: boolean;
  force_scan: boolean;
  /** nr_pages[gen * 2 + type]: generation size changes batched until reset_batch_size. */
  readonly nr_pages: Float64Array;
  batched: number;
  /** PTEs looked at (MM_LEAF_TOTAL), for the cost. */
  leaf_total: number;
}

/** get_mm_list: the mms whose owner is in the lruvec's cgroup, in the order they joined. */
function get_mm_list(k: Kernel, lruvec: Lruvec): MmStruct[] {
  return k.pgdat.mms.filter((mm) => mm.memcg_id === lruvec.memcg_id);
}

/** get_next_mm: the mm at the head if it was used since its last walk or the scan is forced (clearing its bitmap). */
function get_next_mm(walk: MmWalk, mm: MmStruct): MmStruct | null {
  if (!walk.force_scan && !mm.lru_gen_bitmap) return null;
  mm.lru_gen_bitmap = false;
  return mm;
}

/**
 * iterate_mm_list: the next mm of this iteration to walk, or null; `last` when the iteration
 * ended (mm_state->seq advanced), which tells the caller to open the new generation. An aging
 * whose seq another one already completed finds nothing to do.
 */
function iterate_mm_list(lrugen: LruGenFolio, list: readonly MmStruct[], walk: MmWalk): { last: boolean; mm: MmStruct | null } {
  const st = lrugen.mm_state;
  if (walk.seq <= st.seq) return { last: false, mm: null };
  if (st.head === null) st.head = FIFO;
  const next = (pos: number): number => (pos + 1 < list.length ? pos + 1 : FIFO);
  for (;;) {
    st.head = next(st.head);
    if (st.head === FIFO) {
      st.seq++;
      return { last: true, mm: null };
    }
    if (st.tail === null || st.tail === st.head) {
      st.tail = next(st.head);
      walk.force_scan = true;
    }
    const mm = get_next_mm(walk, list[st.head] as MmStruct);
    if (mm !== null) return { last: false, mm };
  }
}

/** reset_batch_size: apply the walk's batched generation sizes, and the active/inactive view. */
function reset_batch_size(lrugen: LruGenFolio, walk: MmWalk): void {
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

/**
 * walk_mm → walk_pte_range over every VMA of `mm`: each present, young PTE of a folio of this
 * cgroup (anon only when it can be swapped) loses its accessed bit, passes its dirty bit on
 * to a folio that can be written back, and its folio goes to the youngest generation.
 */
function walk_mm(k: Kernel, mm: MmStruct, walk: MmWalk): void {
  const lrugen = walk.lruvec.lrugen as LruGenFolio;
  if (walk.seq !== lrugen.max_seq) return;
  const f = k.pgdat.folios;
  const memcg = walk.lruvec.memcg_id;
  const new_gen = lru_gen_from_seq(lrugen.max_seq);
  for (const vma of mm.vmas) {
    for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) {
      walk.leaf_total++;
      const pte = mm.pte[vpn] as number;
      if ((pte & (PTE_PRESENT | PTE_ACCESSED)) !== (PTE_PRESENT | PTE_ACCESSED) || (pte & PTE_PMD) !== 0) continue;
      const page = mm.pte_val[vpn] as number;
      if (page < 0 || page >= f.nr_pages) continue;
      const folio = f.folio_head(page);
      if ((f.memcg[folio] as number) !== memcg) continue;
      if (folio_is_file_lru(f, folio) !== LRU_GEN_FILE && !walk.can_swap) continue;
      mm.pte[vpn] = pte & ~PTE_ACCESSED;
      if ((pte & PTE_DIRTY) !== 0 && !f.test(folio, PG_dirty)
        && !(f.test(folio, PG_anon) && f.test(folio, PG_swapbacked) && !f.test(folio, PG_swapcache))) f.set(folio, PG_dirty);
      const old_gen = folio_update_gen(f, folio, new_gen);
      if (old_gen >= 0 && old_gen !== new_gen) {
        // update_batch_size
        const type = folio_is_file_lru(f, folio);
        const delta = f.nr(folio);
        walk.batched++;
        walk.nr_pages[old_gen * ANON_AND_FILE + type] = (walk.nr_pages[old_gen * ANON_AND_FILE + type] as number) - delta;
        walk.nr_pages[new_gen * ANON_AND_FILE + type] = (walk.nr_pages[new_gen * ANON_AND_FILE + type] as number) + delta;
      }
    }
  }
  if (walk.batched > 0) reset_batch_size(lrugen, walk);
}

/**
 * try_to_inc_max_seq: age the lruvec from `seq` (its max_seq when the caller decided): walk
 * the mms of this iteration of the cgroup's mm list, then, when the iteration ended here,
 * inc_max_seq. False when another aging got there first. The walk costs the reclaimer
 * lru_gen_walk_pte_ns per PTE looked at.
 */
export function try_to_inc_max_seq(k: Kernel, rt: ReclaimTask, lruvec: Lruvec, seq: number, can_swap: boolean, force_scan: boolean): boolean {
  const lrugen = lruvec.lrugen as LruGenFolio;
  if (seq <= lrugen.mm_state.seq) return false;
  const walk: MmWalk = { lruvec, seq, can_swap, force_scan, nr_pages: new Float64Array(MAX_NR_GENS * ANON_AND_FILE), batched: 0, leaf_total: 0 };
  const list = get_mm_list(k, lruvec);
  let success = false;
  for (let i = 0; i <= list.length; i++) {
    const { last, mm } = iterate_mm_list(lrugen, list, walk);
    success = last;
    if (mm === null) break;
    walk_mm(k, mm, walk);
  }
  rt.task.now_ns += walk.leaf_total * k.machine.cost.lru_gen_walk_pte_ns;
  if (success) success = inc_max_seq(lrugen, seq, can_swap);
  return success;
}
