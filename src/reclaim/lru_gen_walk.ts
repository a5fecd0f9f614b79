/**
 * The multi-gen LRU's aging walk (mm/vmscan.c, 6.12): try_to_inc_max_seq walks the page
 * tables of the cgroup's mms (iterate_mm_list, walk_mm → walk_pmd_range → walk_pte_range),
 * clearing the accessed bit of each young PTE or PMD-mapped THP — without a TLB flush
 * (ptep_clear_young_notify, pmdp_clear_young_notify; x86's test-and-clear does not flush) —
 * and moving its folio to the youngest generation by its gen bits (folio_update_gen; the
 * lists are sorted at eviction), then opens a new generation (inc_max_seq).
 *
 * An mm is walked when it was used since its last walk (mm->lru_gen.bitmap, set by
 * lru_gen_use_mm when a task of it is switched in) or on the forced scan of the first
 * iteration of the list and of mms added since ("tail"). A walk that is not forced skips the
 * PTE tables no page walk went through since the last aging (the non-leaf PMD accessed bit)
 * and those the Bloom filter does not hold (lru_gen_bloom.ts).
 */
import { PG_anon, PG_dirty, PG_swapbacked, PG_swapcache } from '../mm/folio.js';
import type { Lruvec } from '../mm/lru.js';
import {
  ANON_AND_FILE,
  folio_is_file_lru,
  folio_update_gen,
  lru_gen_from_seq,
  LRU_GEN_FILE,
  MAX_NR_GENS,
  MM_LEAF_TOTAL,
  MM_LEAF_YOUNG,
  MM_NONLEAF_ADDED,
  MM_NONLEAF_FOUND,
  NR_MM_STATS,
  type LruGenFolio,
} from '../mm/lru_gen.js';
import { PMD_SHIFT_PAGES, PTE_ACCESSED, PTE_DIRTY, PTE_PMD, PTE_PRESENT, PTRS_PER_PTE, type MmStruct } from '../mm/mm_struct.js';
import type { Kernel, ReclaimTask } from './kernel.js';
import { inc_max_seq } from './lru_gen_aging.js';
import { reset_batch_size, update_batch_size, type LruGenMmWalk } from './lru_gen_mm_walk.js';
import { folio_mark_dirty } from './page_writeback.js';
import { pmd_item, reset_bloom_filter, test_bloom_filter, update_bloom_filter } from './lru_gen_bloom.js';

/** suitable_to_scan's n: cache_line_size() / sizeof(pte_t) = 64 / 8, clamped to [2, 8]. */
const PTES_PER_CACHE_LINE = 8;

/** mm_state->head at the list head (&mm_list->fifo). */
const FIFO = -1;

/** struct lru_gen_mm_walk: one aging's walk (its batch as eviction's, lru_gen_mm_walk.ts). */
interface MmWalk extends LruGenMmWalk {
  lruvec: Lruvec;
  seq: number;
  can_swap: boolean;
  force_scan: boolean;
  /** mm_stats[NR_MM_STATS]: PTEs (and leaf PMDs) looked at, young ones, PTE tables found and added. */
  readonly mm_stats: Float64Array;
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
  const first = st.head === FIFO;
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
    if (mm === null) continue;
    // A new iteration records a fresh set of PTE tables for the next one.
    if (first) reset_bloom_filter(st, walk.seq + 1);
    return { last: false, mm };
  }
}

/**
 * The dirty carry of the walk and look-around: a young PTE found dirty marks its folio dirty
 * (folio_mark_dirty: a file folio through its mapping, with NR_FILE_DIRTY and NR_DIRTIED; a
 * swap-cache folio just PG_dirty) unless it is dirty already or anon outside the swap cache.
 */
export function carry_dirty(k: Kernel, folio: number): void {
  const f = k.pgdat.folios;
  if (f.test(folio, PG_dirty) || (f.test(folio, PG_anon) && f.test(folio, PG_swapbacked) && !f.test(folio, PG_swapcache))) return;
  folio_mark_dirty(k, folio);
}

/**
 * get_pfn_folio for a present page (the page-table walk's and look-around's): its folio, or
 * −1 when the page is not of this node, belongs to another cgroup than `memcg`, or is anon
 * while swap cannot take it.
 */
export function get_pfn_folio(k: Kernel, page: number, memcg: number, can_swap: boolean): number {
  const f = k.pgdat.folios;
  if (page < 0 || page >= f.nr_pages) return -1;
  const folio = f.folio_head(page);
  if ((f.memcg[folio] as number) !== memcg) return -1;
  if (folio_is_file_lru(f, folio) !== LRU_GEN_FILE && !can_swap) return -1;
  return folio;
}

/**
 * walk_pte_range over [start, end) of one PTE table: each present, young PTE of a folio of
 * this cgroup loses its accessed bit (no flush), passes its dirty bit on, and its folio goes
 * to the youngest generation by its gen bits. True when the table was worth it
 * (suitable_to_scan: on average at least one young PTE per cache line of PTEs).
 */
function walk_pte_range(k: Kernel, mm: MmStruct, start: number, end: number, walk: MmWalk, new_gen: number): boolean {
  const f = k.pgdat.folios;
  let young = 0;
  for (let vpn = start; vpn < end; vpn++) {
    const pte = mm.pte[vpn] as number;
    if ((pte & (PTE_PRESENT | PTE_ACCESSED)) !== (PTE_PRESENT | PTE_ACCESSED)) continue;
    const folio = get_pfn_folio(k, mm.pte_val[vpn] as number, walk.lruvec.memcg_id, walk.can_swap);
    if (folio < 0) continue;
    mm.pte[vpn] = pte & ~PTE_ACCESSED;
    young++;
    if ((pte & PTE_DIRTY) !== 0) carry_dirty(k, folio);
    const old_gen = folio_update_gen(f, folio, new_gen);
    if (old_gen >= 0 && old_gen !== new_gen) update_batch_size(walk, k.pgdat.folios, folio, old_gen, new_gen);
  }
  walk.mm_stats[MM_LEAF_TOTAL] = (walk.mm_stats[MM_LEAF_TOTAL] as number) + (end - start);
  walk.mm_stats[MM_LEAF_YOUNG] = (walk.mm_stats[MM_LEAF_YOUNG] as number) + young;
  return suitable_to_scan(end - start, young);
}

/** suitable_to_scan: young × (cache line / PTE size, clamped to [2, 8]: 8 on x86-64 and arm64) ≥ total. */
export function suitable_to_scan(total: number, young: number): boolean {
  return young * PTES_PER_CACHE_LINE >= total;
}

/**
 * walk_pmd_range_locked for a PMD mapping a THP at `haddr` (get_pmd_pfn, then the locked
 * pass): young (pmd_young: any slot accessed) and of this cgroup, it loses its accessed bit
 * without a flush (pmdp_clear_young_notify), passes its dirty bit on, and the folio goes to
 * the youngest generation.
 */
function walk_pmd_leaf(k: Kernel, mm: MmStruct, haddr: number, walk: MmWalk, new_gen: number): void {
  let bits = 0;
  for (let vpn = haddr; vpn < haddr + PTRS_PER_PTE; vpn++) bits |= mm.pte[vpn] as number;
  if ((bits & PTE_PRESENT) === 0 || (bits & PTE_ACCESSED) === 0) return;
  const folio = get_pfn_folio(k, mm.pte_val[haddr] as number, walk.lruvec.memcg_id, walk.can_swap);
  if (folio < 0) return;
  for (let vpn = haddr; vpn < haddr + PTRS_PER_PTE; vpn++) mm.pte[vpn] = (mm.pte[vpn] as number) & ~PTE_ACCESSED;
  walk.mm_stats[MM_LEAF_YOUNG] = (walk.mm_stats[MM_LEAF_YOUNG] as number) + 1;
  if ((bits & PTE_DIRTY) !== 0) carry_dirty(k, folio);
  const old_gen = folio_update_gen(k.pgdat.folios, folio, new_gen);
  if (old_gen >= 0 && old_gen !== new_gen) update_batch_size(walk, k.pgdat.folios, folio, old_gen, new_gen);
}

/**
 * walk_mm → walk_pmd_range over every VMA of `mm`, one PMD at a time (the model's VMAs start
 * on PMD boundaries, so one VMA per PMD): a PMD-mapped THP is a leaf (walk_pmd_leaf); a PTE
 * table is walked (walk_pte_range) — unless the walk is not forced and the table's PMD
 * accessed bit is clear (no page walk went through it since the last walk cleared it; on x86,
 * which has the non-leaf accessed bit), or the table is not in the Bloom filter of the walk's
 * seq. A walked table that was worth it is carried into the filter of seq + 1.
 */
function walk_mm(k: Kernel, mm: MmStruct, walk: MmWalk): void {
  const lrugen = walk.lruvec.lrugen as LruGenFolio;
  if (walk.seq !== lrugen.max_seq) return;
  const mm_state = lrugen.mm_state;
  const new_gen = lru_gen_from_seq(lrugen.max_seq);
  const nonleaf_young = !walk.force_scan && should_clear_pmd_young(k);
  for (const vma of mm.vmas) {
    for (let pmd_start = vma.start_vpn - (vma.start_vpn % PTRS_PER_PTE); pmd_start < vma.end_vpn; pmd_start += PTRS_PER_PTE) {
      const start = Math.max(pmd_start, vma.start_vpn);
      const end = Math.min(pmd_start + PTRS_PER_PTE, vma.end_vpn);
      if (((mm.pte[pmd_start] as number) & PTE_PMD) !== 0) {
        walk.mm_stats[MM_LEAF_TOTAL] = (walk.mm_stats[MM_LEAF_TOTAL] as number) + 1;
        walk_pmd_leaf(k, mm, pmd_start, walk, new_gen);
        continue;
      }
      const pmd = pmd_start >>> PMD_SHIFT_PAGES;
      // !pmd_present: no PTE table under this PMD yet, one entry looked at.
      if (mm.pte_table[pmd] === 0) {
        walk.mm_stats[MM_LEAF_TOTAL] = (walk.mm_stats[MM_LEAF_TOTAL] as number) + 1;
        continue;
      }
      if (nonleaf_young) {
        if (mm.pmd_young[pmd] === 0) continue;
        // walk_pmd_range_locked: pmdp_test_and_clear_young of the entry (no flush).
        mm.pmd_young[pmd] = 0;
      }
      const item = walk.force_scan ? 0n : pmd_item(mm, pmd_start);
      if (!walk.force_scan && !test_bloom_filter(mm_state, walk.seq, item)) continue;
      walk.mm_stats[MM_NONLEAF_FOUND] = (walk.mm_stats[MM_NONLEAF_FOUND] as number) + 1;
      if (!walk_pte_range(k, mm, start, end, walk, new_gen)) continue;
      walk.mm_stats[MM_NONLEAF_ADDED] = (walk.mm_stats[MM_NONLEAF_ADDED] as number) + 1;
      // carry over to the next generation
      update_bloom_filter(mm_state, walk.seq + 1, walk.force_scan ? pmd_item(mm, pmd_start) : item);
    }
  }
  if (walk.batched > 0) reset_batch_size(walk);
}

/**
 * should_clear_pmd_young: the architecture sets the accessed bit of non-leaf PMD entries
 * (x86: CONFIG_ARCH_HAS_NONLEAF_PMD_YOUNG, not under Xen PV; arm64 6.12: no) and
 * lru_gen/enabled has 0x0004 (the model runs 0x0007, Debian's default). No MMU notifiers.
 */
function should_clear_pmd_young(k: Kernel): boolean {
  return k.machine.arch.name !== 'arm64';
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
  const walk: MmWalk = { lruvec, seq, can_swap, force_scan, nr_pages: new Float64Array(MAX_NR_GENS * ANON_AND_FILE), batched: 0, mm_stats: new Float64Array(NR_MM_STATS) };
  const list = get_mm_list(k, lruvec);
  let success = false;
  for (let i = 0; i <= list.length; i++) {
    const { last, mm } = iterate_mm_list(lrugen, list, walk);
    success = last;
    if (mm === null) break;
    walk_mm(k, mm, walk);
  }
  // reset_mm_stats: NR_HIST_GENS = 1, so the statistics only add up.
  for (let i = 0; i < NR_MM_STATS; i++) lrugen.mm_state.stats[i] = (lrugen.mm_state.stats[i] as number) + (walk.mm_stats[i] as number);
  rt.task.now_ns += (walk.mm_stats[MM_LEAF_TOTAL] as number) * k.machine.cost.lru_gen_walk_pte_ns;
  if (success) success = inc_max_seq(lrugen, seq, can_swap);
  return success;
}
