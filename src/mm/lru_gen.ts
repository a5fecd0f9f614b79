/**
 * The multi-generational LRU's data (CONFIG_LRU_GEN, 6.12): the generations of one lruvec
 * (struct lru_gen_folio, include/linux/mmzone.h), a folio's generation and tier (the gen and
 * refs fields of folio->flags), and the list operations of include/linux/mm_inline.h
 * (lru_gen_add_folio, lru_gen_del_folio, lru_gen_update_size) and mm/vmscan.c
 * (folio_update_gen, folio_inc_gen). Aging and eviction, which move generations, are in
 * reclaim/.
 *
 * One node with one zone is modelled, so the kernel's per-zone lists and sizes are one each.
 * NR_HIST_GENS is 1: Debian builds without CONFIG_LRU_GEN_STATS.
 */
import { assert } from '../engine/assert.js';
import {
  FolioList,
  LRU_GEN_MASK,
  LRU_GEN_PGOFF,
  LRU_REFS_MASK,
  LRU_REFS_PGOFF,
  LRU_REFS_WIDTH,
  PG_active,
  PG_dirty,
  PG_reclaim,
  PG_referenced,
  PG_swapbacked,
  PG_swapcache,
  PG_unevictable,
  PG_workingset,
  PG_writeback,
  type FolioTable,
} from './folio.js';

/** MIN_NR_GENS: a folio's accessed bit is checked twice (two generations) before eviction. */
export const MIN_NR_GENS = 2;
/** MAX_NR_GENS: generations in the sliding window [min_seq, max_seq]. */
export const MAX_NR_GENS = 4;
/** MAX_NR_TIERS: tiers of accesses through file descriptors within a generation. */
export const MAX_NR_TIERS = 4;
/** MIN_LRU_BATCH = BITS_PER_LONG (x86-64, arm64): pages one eviction isolates at least. */
export const MIN_LRU_BATCH = 64;
/** MAX_LRU_BATCH: folios one scan_folios looks at before it gives up. */
export const MAX_LRU_BATCH = MIN_LRU_BATCH * 64;
/** LRU_GEN_ANON, LRU_GEN_FILE: the folio types, indexes of min_seq and the lists. */
export const LRU_GEN_ANON = 0;
export const LRU_GEN_FILE = 1;
/** ANON_AND_FILE */
export const ANON_AND_FILE = 2;
/** LRU_REFS_FLAGS: the folio flags that also count accesses (the first two tiers). */
export const LRU_REFS_FLAGS = PG_referenced | PG_workingset;

/** NR_BLOOM_FILTERS: the aging flips between two Bloom filters by seq parity. */
export const NR_BLOOM_FILTERS = 2;
/** The mm walk's statistics (debugfs lru_gen_full's T, Y, F, A): MM_LEAF_TOTAL … MM_NONLEAF_ADDED. */
export const MM_LEAF_TOTAL = 0;
export const MM_LEAF_YOUNG = 1;
export const MM_NONLEAF_FOUND = 2;
export const MM_NONLEAF_ADDED = 3;
export const NR_MM_STATS = 4;

/**
 * struct lru_gen_mm_state: the sequence number of the last completed walk of the cgroup's mm
 * list (lru_gen_init_lruvec: MIN_NR_GENS); the walk's position in that list, head and tail as
 * indexes (−1: the list head; tail null: not set yet); the two Bloom filters of PMD entries
 * worth walking (null until reset_bloom_filter allocates one); and the walks' statistics
 * (NR_HIST_GENS = 1: one slot, which 6.12 then never resets).
 */
export interface LruGenMmState {
  seq: number;
  head: number | null;
  tail: number | null;
  readonly filters: [Uint32Array | null, Uint32Array | null];
  readonly stats: Float64Array;
}

/** enum lru_list indexes of the compatibility sizes (as in mm/lru.ts, which imports this file). */
const LRU_INACTIVE_FILE = 2;
const LRU_ACTIVE = 1;

/**
 * struct lru_gen_folio of one lruvec (lru_gen_init_lruvec: max_seq = MIN_NR_GENS + 1, min_seq
 * 0). The lists and page counts are indexed by gen * ANON_AND_FILE + type; `lru_size` is the
 * active/inactive view the rest of the kernel reads (the two youngest generations count as
 * active, lru_gen_is_active), which __update_lru_size keeps in lruvec->lists' sizes.
 */
export class LruGenFolio {
  /** The youngest generation's sequence number, shared by both types. */
  max_seq = MIN_NR_GENS + 1;
  /** The oldest generation's sequence number of each type. */
  readonly min_seq = [0, 0];
  /** folios[gen][type]: the generation lists, sorted lazily (at eviction). */
  readonly folios: FolioList[] = [];
  /** nr_pages[gen][type]: pages whose gen bits name this generation (eventually consistent). */
  readonly nr_pages = new Float64Array(MAX_NR_GENS * ANON_AND_FILE);
  /** __update_lru_size under MGLRU, by enum lru_list (the four evictable lists). */
  readonly lru_size = [0, 0, 0, 0];
  /** The PID controller's state, [type][tier] (NR_HIST_GENS = 1: the current slot only). */
  readonly avg_refaulted = [new Float64Array(MAX_NR_TIERS), new Float64Array(MAX_NR_TIERS)];
  readonly avg_total = [new Float64Array(MAX_NR_TIERS), new Float64Array(MAX_NR_TIERS)];
  readonly protected = [new Float64Array(MAX_NR_TIERS - 1), new Float64Array(MAX_NR_TIERS - 1)];
  readonly evicted = [new Float64Array(MAX_NR_TIERS), new Float64Array(MAX_NR_TIERS)];
  readonly refaulted = [new Float64Array(MAX_NR_TIERS), new Float64Array(MAX_NR_TIERS)];
  /** lruvec->mm_state (struct lru_gen_mm_state). */
  readonly mm_state: LruGenMmState = { seq: MIN_NR_GENS, head: null, tail: null, filters: [null, null], stats: new Float64Array(NR_MM_STATS) };

  constructor(private readonly f: FolioTable) {
    for (let i = 0; i < MAX_NR_GENS * ANON_AND_FILE; i++) this.folios.push(new FolioList(f));
  }

  /** The list of generation `gen` for `type`. */
  list(gen: number, type: number): FolioList {
    return this.folios[gen * ANON_AND_FILE + type] as FolioList;
  }

  /** Pages counted in generation `gen` for `type`. */
  gen_pages(gen: number, type: number): number {
    return this.nr_pages[gen * ANON_AND_FILE + type] as number;
  }

  /** get_nr_gens (mm/vmscan.c): generations of `type` in the window. */
  get_nr_gens(type: number): number {
    return this.max_seq - (this.min_seq[type] as number) + 1;
  }

  /** seq_is_valid (mm/vmscan.c): MIN_NR_GENS ≤ file gens ≤ anon gens ≤ MAX_NR_GENS. */
  seq_is_valid(): boolean {
    const file = this.get_nr_gens(LRU_GEN_FILE);
    const anon = this.get_nr_gens(LRU_GEN_ANON);
    return file >= MIN_NR_GENS && file <= anon && anon <= MAX_NR_GENS;
  }

  /** lru_gen_is_active (mm_inline.h): the generations of max_seq and max_seq − 1 count as active. */
  lru_gen_is_active(gen: number): boolean {
    return gen === lru_gen_from_seq(this.max_seq) || gen === lru_gen_from_seq(this.max_seq - 1);
  }

  /**
   * lru_gen_update_size (mm_inline.h): move a folio's pages from generation `old_gen` to
   * `new_gen` (−1: none, for an addition or a deletion) and keep the active/inactive sizes;
   * a promotion from an inactive to an active generation moves them across, a demotion
   * cannot happen without isolation.
   */
  lru_gen_update_size(pfn: number, old_gen: number, new_gen: number): void {
    const type = folio_is_file_lru(this.f, pfn);
    const delta = this.f.nr(pfn);
    const lru = type * LRU_INACTIVE_FILE;
    assert(old_gen !== -1 || new_gen !== -1, 'lru_gen_update_size with neither generation');
    if (old_gen >= 0) this.nr_pages[old_gen * ANON_AND_FILE + type] = this.gen_pages(old_gen, type) - delta;
    if (new_gen >= 0) this.nr_pages[new_gen * ANON_AND_FILE + type] = this.gen_pages(new_gen, type) + delta;
    const sizes = this.lru_size;
    if (old_gen < 0) {
      const l = this.lru_gen_is_active(new_gen) ? lru + LRU_ACTIVE : lru;
      sizes[l] = (sizes[l] as number) + delta;
      return;
    }
    if (new_gen < 0) {
      const l = this.lru_gen_is_active(old_gen) ? lru + LRU_ACTIVE : lru;
      sizes[l] = (sizes[l] as number) - delta;
      return;
    }
    const was_active = this.lru_gen_is_active(old_gen);
    const is_active = this.lru_gen_is_active(new_gen);
    assert(!was_active || is_active, () => `folio ${pfn} demoted from generation ${old_gen} to ${new_gen} without isolation`);
    if (!was_active && is_active) {
      sizes[lru] = (sizes[lru] as number) - delta;
      sizes[lru + LRU_ACTIVE] = (sizes[lru + LRU_ACTIVE] as number) + delta;
    }
  }

  /**
   * lru_gen_add_folio (mm_inline.h): false for an unevictable folio (it goes to the classic
   * unevictable list). Otherwise the generation, checked in this order: an active folio
   * (freshly faulted, or activated) goes to the youngest, max_seq, losing PG_active,
   * PG_referenced and its refs (PG_workingset stays); an anon folio not in the swap cache,
   * or one under reclaim that is dirty or under writeback, to max_seq − 1; a folio rotated
   * by folio_rotate_reclaimable (`reclaiming`), or any when only two generations exist, to
   * the oldest, min_seq; anything else to min_seq + 1. At the list's head, or its tail when
   * `reclaiming`.
   */
  lru_gen_add_folio(pfn: number, reclaiming: boolean): boolean {
    const f = this.f;
    const flags = f.flags[pfn] as number;
    assert((flags & LRU_GEN_MASK) === 0, () => `lru_gen_add_folio of folio ${pfn} already in a generation`);
    if ((flags & PG_unevictable) !== 0) return false;
    const type = folio_is_file_lru(f, pfn);
    let seq: number;
    if ((flags & PG_active) !== 0) seq = this.max_seq;
    else if ((type === LRU_GEN_ANON && (flags & PG_swapcache) === 0)
      || ((flags & PG_reclaim) !== 0 && (flags & (PG_dirty | PG_writeback)) !== 0)) seq = this.max_seq - 1;
    else if (reclaiming || (this.min_seq[type] as number) + MIN_NR_GENS >= this.max_seq) seq = this.min_seq[type] as number;
    else seq = (this.min_seq[type] as number) + 1;
    const gen = lru_gen_from_seq(seq);
    let mask = LRU_GEN_MASK;
    if ((flags & PG_active) !== 0) mask |= LRU_REFS_MASK | PG_referenced | PG_active;
    f.flags[pfn] = (flags & ~mask) | ((gen + 1) << LRU_GEN_PGOFF);
    this.lru_gen_update_size(pfn, -1, gen);
    const list_id = gen * ANON_AND_FILE + type;
    f.lrugen_list[pfn] = list_id;
    const list = this.folios[list_id] as FolioList;
    if (reclaiming) list.add_tail(pfn);
    else list.add(pfn);
    return true;
  }

  /**
   * lru_gen_del_folio (mm_inline.h): false when the folio is in no generation. Otherwise it
   * leaves its list; an isolation that is not reclaim's sets PG_active on a folio of the two
   * youngest generations (for folio_migrate_flags and the like).
   */
  lru_gen_del_folio(pfn: number, reclaiming: boolean): boolean {
    const f = this.f;
    const flags = f.flags[pfn] as number;
    const gen = folio_lru_gen(f, pfn);
    if (gen < 0) return false;
    assert((flags & (PG_active | PG_unevictable)) === 0, () => `folio ${pfn} in a generation with PG_active or PG_unevictable`);
    const active = !reclaiming && this.lru_gen_is_active(gen) ? PG_active : 0;
    f.flags[pfn] = (flags & ~LRU_GEN_MASK) | active;
    this.lru_gen_update_size(pfn, gen, -1);
    (this.folios[f.lrugen_list[pfn] as number] as FolioList).del(pfn);
    return true;
  }

  /**
   * folio_inc_gen (mm/vmscan.c): move a folio of the oldest generation of its type to the
   * next one (clearing its refs and PG_referenced/PG_workingset; PG_reclaim if `reclaiming`),
   * unless folio_update_gen already promoted it elsewhere. Only the gen bits and sizes move:
   * the caller moves the folio to the new generation's list. Returns the new generation.
   */
  folio_inc_gen(pfn: number, reclaiming: boolean): number {
    const f = this.f;
    const type = folio_is_file_lru(f, pfn);
    const old_gen = lru_gen_from_seq(this.min_seq[type] as number);
    const flags = f.flags[pfn] as number;
    assert((flags & LRU_GEN_MASK) !== 0, () => `folio_inc_gen of folio ${pfn} in no generation`);
    const gen = folio_lru_gen(f, pfn);
    if (gen !== old_gen) return gen;
    const new_gen = (old_gen + 1) % MAX_NR_GENS;
    f.flags[pfn] = (flags & ~(LRU_GEN_MASK | LRU_REFS_MASK | LRU_REFS_FLAGS)) | ((new_gen + 1) << LRU_GEN_PGOFF) | (reclaiming ? PG_reclaim : 0);
    this.lru_gen_update_size(pfn, old_gen, new_gen);
    return new_gen;
  }

  /** list_move (`tail` false) or list_move_tail of a listed folio to generation `gen`'s list. */
  move_to_gen(pfn: number, gen: number, tail: boolean): void {
    const f = this.f;
    (this.folios[f.lrugen_list[pfn] as number] as FolioList).del(pfn);
    const list_id = gen * ANON_AND_FILE + folio_is_file_lru(f, pfn);
    f.lrugen_list[pfn] = list_id;
    const list = this.folios[list_id] as FolioList;
    if (tail) list.add_tail(pfn);
    else list.add(pfn);
  }

  /** Folios on the generation lists. */
  nr_listed_folios(): number {
    let n = 0;
    for (const list of this.folios) n += list.count;
    return n;
  }

  /** The list a folio in a generation is physically on (which may lag its gen bits). */
  folio_list(pfn: number): FolioList {
    return this.folios[this.f.lrugen_list[pfn] as number] as FolioList;
  }
}

/** lru_gen_from_seq (mm_inline.h): a sequence number's generation index. */
export function lru_gen_from_seq(seq: number): number {
  return seq % MAX_NR_GENS;
}

/** folio_is_file_lru: LRU_GEN_FILE for page cache, LRU_GEN_ANON for swap-backed folios. */
export function folio_is_file_lru(f: FolioTable, pfn: number): number {
  return f.test(pfn, PG_swapbacked) ? LRU_GEN_ANON : LRU_GEN_FILE;
}

/** folio_lru_gen (mm_inline.h): the generation the gen bits name, −1 when in none. */
export function folio_lru_gen(f: FolioTable, pfn: number): number {
  return (((f.flags[pfn] as number) & LRU_GEN_MASK) >>> LRU_GEN_PGOFF) - 1;
}

/**
 * folio_lru_refs (mm_inline.h): accesses through file descriptors beyond the first, 0 … 4:
 * the refs counter plus PG_workingset.
 */
export function folio_lru_refs(f: FolioTable, pfn: number): number {
  const flags = f.flags[pfn] as number;
  return ((flags & LRU_REFS_MASK) >>> LRU_REFS_PGOFF) + ((flags & PG_workingset) !== 0 ? 1 : 0);
}

/** lru_tier_from_refs (mm_inline.h): order_base_2(refs + 1), so refs 0, 1, 2, 3, 4 → tiers 0, 1, 2, 2, 3. */
export function lru_tier_from_refs(refs: number): number {
  assert(refs >= 0 && refs <= 1 << LRU_REFS_WIDTH, () => `refs ${refs} out of range`);
  return refs === 0 ? 0 : 32 - Math.clz32(refs);
}

/**
 * folio_update_gen (mm/vmscan.c), from the page-table walk and look-around: a folio found
 * young goes to generation `gen` by its gen bits only (it stays on its list until eviction
 * sorts it), its refs and PG_referenced/PG_workingset cleared; an isolated folio (no gen
 * bits) gets PG_referenced instead, for shrink_folio_list. Returns the old generation (−1
 * for an isolated folio).
 */
export function folio_update_gen(f: FolioTable, pfn: number, gen: number): number {
  const flags = f.flags[pfn] as number;
  if ((flags & LRU_GEN_MASK) === 0) {
    f.flags[pfn] = flags | PG_referenced;
    return -1;
  }
  f.flags[pfn] = (flags & ~(LRU_GEN_MASK | LRU_REFS_MASK | LRU_REFS_FLAGS)) | ((gen + 1) << LRU_GEN_PGOFF);
  return ((flags & LRU_GEN_MASK) >>> LRU_GEN_PGOFF) - 1;
}
