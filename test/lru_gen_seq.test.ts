/**
 * The multi-gen LRU's generation numbers and PID controller (issue 13): try_to_inc_min_seq,
 * inc_min_seq, inc_max_seq (reclaim/lru_gen_aging.ts) and read/reset_ctrl_pos,
 * get_tier_idx, get_type_to_scan (reclaim/lru_gen_pid.ts), exact cases read off 6.12
 * mm/vmscan.c; the generation numbers of docs/design/mglru.md §6.6 W1 without its walk (the
 * walk only clears accessed bits there: no folio moves).
 */
import { describe, expect, it } from 'vitest';
import { FolioTable, PG_active, PG_anon, PG_swapbacked, PG_swapcache } from '../src/mm/folio.js';
import { LRU_ACTIVE_ANON, LRU_INACTIVE_ANON, Lruvec } from '../src/mm/lru.js';
import { folio_lru_gen, LRU_GEN_ANON, LRU_GEN_FILE, type LruGenFolio } from '../src/mm/lru_gen.js';
import { inc_max_seq, try_to_inc_min_seq } from '../src/reclaim/lru_gen_aging.js';
import { get_tier_idx, get_type_to_scan, reset_ctrl_pos } from '../src/reclaim/lru_gen_pid.js';

const ANON = PG_anon | PG_swapbacked;

function setup(nr_pages = 256): { f: FolioTable; lruvec: Lruvec; lrugen: LruGenFolio } {
  const f = new FolioTable(nr_pages);
  const lruvec = new Lruvec(f, 0, true);
  return { f, lruvec, lrugen: lruvec.lrugen as LruGenFolio };
}

/** `n` order-0 folios with `flags` added to the lruvec (tail: lruvec_add_folio_tail), in pfn order. */
function add(f: FolioTable, lruvec: Lruvec, n: number, flags: number, tail = false): number[] {
  const pfns: number[] = [];
  for (let i = 0; i < n; i++) {
    const pfn = f.alloc();
    f.flags[pfn] = flags;
    f.refcount[pfn] = 1;
    if (tail) lruvec.lruvec_add_folio_tail(pfn);
    else lruvec.lruvec_add_folio(pfn);
    pfns.push(pfn);
  }
  return pfns;
}

/** A list's folios from tail (oldest) to head. */
function tail_to_head(f: FolioTable, lrugen: LruGenFolio, gen: number, type: number): number[] {
  const out: number[] = [];
  for (let pfn = lrugen.list(gen, type).tail; pfn !== -1; pfn = f.lru_prev[pfn] as number) out.push(pfn);
  return out;
}

describe('generation numbers (W1: n faulted folios on a fresh lruvec)', () => {
  it('trims min_seq to {2, 2}, ages 3 → 4 (nothing turns inactive) and 4 → 5 (n pages turn inactive), then trims to {3, 3}', () => {
    const n = 100;
    const { f, lruvec, lrugen } = setup();
    // A faulted folio is added active: generation max_seq = 3.
    const pfns = add(f, lruvec, n, ANON | PG_active);
    expect(pfns.every((pfn) => folio_lru_gen(f, pfn) === 3)).toBe(true);
    expect([lruvec.lru_size(LRU_INACTIVE_ANON), lruvec.lru_size(LRU_ACTIVE_ANON)]).toEqual([0, n]);
    // evict_folios' trim: generations 0 and 1 are empty, MIN_NR_GENS stay.
    expect(try_to_inc_min_seq(lrugen, true)).toBe(true);
    expect(lrugen.min_seq).toEqual([2, 2]);
    expect(try_to_inc_min_seq(lrugen, true)).toBe(false);
    expect(inc_max_seq(lrugen, 3, true)).toBe(true);
    expect(lrugen.max_seq).toBe(4);
    expect([lruvec.lru_size(LRU_INACTIVE_ANON), lruvec.lru_size(LRU_ACTIVE_ANON)]).toEqual([0, n]);
    // An aging that lost the race (seq no longer the youngest) does nothing.
    expect(inc_max_seq(lrugen, 3, true)).toBe(false);
    expect(inc_max_seq(lrugen, 4, true)).toBe(true);
    expect([lrugen.max_seq, lruvec.lru_size(LRU_INACTIVE_ANON), lruvec.lru_size(LRU_ACTIVE_ANON)]).toEqual([5, n, 0]);
    expect(try_to_inc_min_seq(lrugen, true)).toBe(true);
    expect(lrugen.min_seq).toEqual([3, 3]);
    expect(lrugen.seq_is_valid()).toBe(true);
    // No folio moved: all still on the generation-3 list, oldest (first faulted) at the tail.
    expect(tail_to_head(f, lrugen, 3, LRU_GEN_ANON)).toEqual(pfns);
  });

  it('without swap, try_to_inc_min_seq leaves anon alone and trims file only', () => {
    const { f, lruvec, lrugen } = setup();
    add(f, lruvec, 4, ANON | PG_active);
    expect(try_to_inc_min_seq(lrugen, false)).toBe(true);
    expect(lrugen.min_seq).toEqual([0, 2]);
  });
});

describe('inc_max_seq with all four generations in use (inc_min_seq)', () => {
  it('retires the oldest generation first: its folios move, from the tail, to the tail of the next, which reverses them', () => {
    const { f, lruvec, lrugen } = setup();
    // Clean swap-cache folios rotated to the oldest generation (seq 0): a then b at the tail.
    const [a, b] = add(f, lruvec, 2, ANON | PG_swapcache, true) as [number, number];
    const [c] = add(f, lruvec, 1, ANON | PG_swapcache) as [number];
    expect([folio_lru_gen(f, a), folio_lru_gen(f, b), folio_lru_gen(f, c)]).toEqual([0, 0, 1]);
    expect(inc_max_seq(lrugen, 3, true)).toBe(true);
    expect([lrugen.max_seq, ...lrugen.min_seq]).toEqual([4, 1, 1]);
    expect([folio_lru_gen(f, a), folio_lru_gen(f, b)]).toEqual([1, 1]);
    // Gen 1 was [c]; b (the old tail) went to its tail first, then a.
    expect(tail_to_head(f, lrugen, 1, LRU_GEN_ANON)).toEqual([a, b, c]);
    expect(lrugen.gen_pages(0, LRU_GEN_ANON)).toBe(0);
    expect(lrugen.gen_pages(1, LRU_GEN_ANON)).toBe(3);
    // All three are inactive (gen 1 is max_seq − 3).
    expect([lruvec.lru_size(LRU_INACTIVE_ANON), lruvec.lru_size(LRU_ACTIVE_ANON)]).toEqual([3, 0]);
  });
});

describe('PID controller (get_type_to_scan, get_tier_idx, reset_ctrl_pos)', () => {
  it('with no refaults picks FILE and evicts every tier (tier_idx 3)', () => {
    const { lrugen } = setup();
    expect(get_type_to_scan(lrugen, 60)).toEqual({ type: LRU_GEN_FILE, tier_idx: 3 });
    expect(get_tier_idx(lrugen, LRU_GEN_ANON)).toBe(3);
  });

  it('picks ANON when file refaults ≥ MIN_LRU_BATCH at a higher weighted rate', () => {
    const { lrugen } = setup();
    (lrugen.refaulted[LRU_GEN_FILE] as Float64Array)[0] = 200;
    (lrugen.evicted[LRU_GEN_FILE] as Float64Array)[0] = 1000;
    (lrugen.evicted[LRU_GEN_ANON] as Float64Array)[0] = 1000;
    // 200 × (1000 + 64) × 60 > (0 + 1) × 1000 × 140: not a positive error.
    expect(get_type_to_scan(lrugen, 60)).toEqual({ type: LRU_GEN_ANON, tier_idx: 3 });
  });

  it('protects tiers from the first whose refaults beat tier 0 with gain 2', () => {
    const { lrugen } = setup();
    const refaulted = lrugen.refaulted[LRU_GEN_FILE] as Float64Array;
    const evicted = lrugen.evicted[LRU_GEN_FILE] as Float64Array;
    evicted[0] = 1000;
    refaulted[2] = 100;
    evicted[2] = 100;
    // Tier 1: no refaults (positive); tier 2: 100 × (1000 + 64) × 1 > 1 × 100 × 2: stop, tier_idx 1.
    expect(get_tier_idx(lrugen, LRU_GEN_FILE)).toBe(1);
  });

  it('folds the current counters into the averages (halved) when min_seq advances, and clears them', () => {
    const { lrugen } = setup();
    (lrugen.avg_refaulted[LRU_GEN_ANON] as Float64Array)[1] = 10;
    (lrugen.refaulted[LRU_GEN_ANON] as Float64Array)[1] = 21;
    (lrugen.avg_total[LRU_GEN_ANON] as Float64Array)[1] = 7;
    (lrugen.evicted[LRU_GEN_ANON] as Float64Array)[1] = 4;
    (lrugen.protected[LRU_GEN_ANON] as Float64Array)[0] = 3;
    reset_ctrl_pos(lrugen, LRU_GEN_ANON, false);
    expect((lrugen.refaulted[LRU_GEN_ANON] as Float64Array)[1]).toBe(21);
    reset_ctrl_pos(lrugen, LRU_GEN_ANON, true);
    expect([(lrugen.avg_refaulted[LRU_GEN_ANON] as Float64Array)[1], (lrugen.avg_total[LRU_GEN_ANON] as Float64Array)[1]]).toEqual([15, 7]);
    expect([(lrugen.refaulted[LRU_GEN_ANON] as Float64Array)[1], (lrugen.evicted[LRU_GEN_ANON] as Float64Array)[1], (lrugen.protected[LRU_GEN_ANON] as Float64Array)[0]]).toEqual([0, 0, 0]);
  });
});
