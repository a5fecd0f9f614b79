/**
 * The multi-gen LRU's data (issue 13, mm/lru_gen.ts): where lru_gen_add_folio puts a folio,
 * what lru_gen_del_folio, folio_update_gen and folio_inc_gen do to its flags, lists and the
 * sizes, on a fresh lruvec (lru_gen_init_lruvec: max_seq 3, min_seq {0, 0}, so seq = gen).
 * Every expectation is read off include/linux/mm_inline.h (lru_gen_add_folio,
 * lru_gen_del_folio, lru_gen_update_size, lru_tier_from_refs) and mm/vmscan.c
 * (folio_update_gen, folio_inc_gen) of 6.12; docs/design/mglru.md §2.3, §2.5.
 */
import { describe, expect, it } from 'vitest';
import {
  FolioTable,
  LRU_GEN_MASK,
  LRU_REFS_PGOFF,
  NIL,
  PG_active,
  PG_anon,
  PG_dirty,
  PG_lru,
  PG_reclaim,
  PG_referenced,
  PG_swapbacked,
  PG_swapcache,
  PG_unevictable,
  PG_workingset,
} from '../src/mm/folio.js';
import { CpuFbatches, LRU_ACTIVE_ANON, LRU_ACTIVE_FILE, LRU_INACTIVE_ANON, LRU_INACTIVE_FILE, LRU_UNEVICTABLE, Lruvec } from '../src/mm/lru.js';
import { folio_lru_gen, folio_lru_refs, folio_update_gen, LRU_GEN_ANON, LRU_GEN_FILE, lru_tier_from_refs, type LruGenFolio } from '../src/mm/lru_gen.js';
import { make_vm_events } from '../src/mm/vmstat.js';

const ANON = PG_anon | PG_swapbacked;

/** A table of 64 page frames and the root lruvec with the multi-gen LRU enabled. */
function setup(): { f: FolioTable; lruvec: Lruvec; lrugen: LruGenFolio } {
  const f = new FolioTable(64);
  const lruvec = new Lruvec(f, 0, true);
  return { f, lruvec, lrugen: lruvec.lrugen as LruGenFolio };
}

/** A new order-0 folio with `flags`, holding one reference. */
function folio(f: FolioTable, flags: number): number {
  const pfn = f.alloc();
  f.flags[pfn] = flags;
  f.refcount[pfn] = 1;
  return pfn;
}

/** The evictable compat sizes (lruvec_lru_size) in enum lru_list order. */
function sizes(lruvec: Lruvec): number[] {
  return [LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE].map((lru) => lruvec.lru_size(lru));
}

describe('lru_gen_add_folio: which generation, head or tail (mm_inline.h)', () => {
  it('starts a fresh lruvec at max_seq 3, min_seq {0, 0}: four generations, seq_is_valid', () => {
    const { lrugen } = setup();
    expect([lrugen.max_seq, ...lrugen.min_seq, lrugen.get_nr_gens(LRU_GEN_ANON)]).toEqual([3, 0, 0, 4]);
    expect(lrugen.seq_is_valid()).toBe(true);
  });

  it('puts an active folio at max_seq and clears PG_active, PG_referenced and refs, keeping PG_workingset', () => {
    const { f, lruvec, lrugen } = setup();
    const pfn = folio(f, ANON | PG_active | PG_referenced | PG_workingset | (3 << LRU_REFS_PGOFF));
    lruvec.lruvec_add_folio(pfn);
    expect(folio_lru_gen(f, pfn)).toBe(3);
    expect(f.test(pfn, PG_active | PG_referenced)).toBe(false);
    expect(f.test(pfn, PG_workingset)).toBe(true);
    expect(folio_lru_refs(f, pfn)).toBe(1);
    expect(lrugen.list(3, LRU_GEN_ANON).head).toBe(pfn);
    expect(sizes(lruvec)).toEqual([0, 1, 0, 0]);
  });

  it('puts an anon folio outside the swap cache at max_seq − 1, an active generation', () => {
    const { f, lruvec } = setup();
    const pfn = folio(f, ANON | PG_referenced);
    lruvec.lruvec_add_folio(pfn);
    expect(folio_lru_gen(f, pfn)).toBe(2);
    // Only an active folio loses PG_referenced here.
    expect(f.test(pfn, PG_referenced)).toBe(true);
    expect(sizes(lruvec)).toEqual([0, 1, 0, 0]);
  });

  it('puts a dirty swap-cache folio under reclaim at max_seq − 1, a clean one at min_seq + 1 (inactive)', () => {
    const { f, lruvec } = setup();
    const dirty = folio(f, ANON | PG_swapcache | PG_reclaim | PG_dirty);
    const clean = folio(f, ANON | PG_swapcache);
    lruvec.lruvec_add_folio(dirty);
    lruvec.lruvec_add_folio(clean);
    expect([folio_lru_gen(f, dirty), folio_lru_gen(f, clean)]).toEqual([2, 1]);
    expect(sizes(lruvec)).toEqual([1, 1, 0, 0]);
  });

  it('puts a folio rotated by folio_rotate_reclaimable (reclaiming) at the tail of min_seq', () => {
    const { f, lruvec, lrugen } = setup();
    const first = folio(f, ANON | PG_swapcache);
    lrugen.min_seq[LRU_GEN_ANON] = lrugen.min_seq[LRU_GEN_FILE] = 1;
    lruvec.lruvec_add_folio(first);
    const rotated = folio(f, ANON | PG_swapcache);
    lruvec.lruvec_add_folio_tail(rotated);
    // Three generations (min_seq 1 + MIN_NR_GENS ≥ max_seq 3): a clean folio goes to min_seq
    // too, at the head; the rotated one at the tail.
    expect([folio_lru_gen(f, first), folio_lru_gen(f, rotated)]).toEqual([1, 1]);
    expect([lrugen.list(1, LRU_GEN_ANON).head, lrugen.list(1, LRU_GEN_ANON).tail]).toEqual([first, rotated]);
  });

  it('puts a clean file folio at min_seq + 1 of the file type', () => {
    const { f, lruvec, lrugen } = setup();
    const pfn = folio(f, 0);
    lruvec.lruvec_add_folio(pfn);
    expect(folio_lru_gen(f, pfn)).toBe(1);
    expect(lrugen.list(1, LRU_GEN_FILE).head).toBe(pfn);
    expect(sizes(lruvec)).toEqual([0, 0, 1, 0]);
  });

  it('leaves an unevictable folio to the classic unevictable list', () => {
    const { f, lruvec, lrugen } = setup();
    const pfn = folio(f, ANON | PG_unevictable);
    lruvec.lruvec_add_folio(pfn);
    expect(folio_lru_gen(f, pfn)).toBe(-1);
    expect(lruvec.lru_size(LRU_UNEVICTABLE)).toBe(1);
    expect(lrugen.nr_listed_folios()).toBe(0);
    lruvec.lruvec_del_folio(pfn);
    expect(lruvec.lru_size(LRU_UNEVICTABLE)).toBe(0);
  });
});

describe('lru_gen_del_folio (mm_inline.h)', () => {
  it('sets PG_active on a folio of the two youngest generations, not on an older one, and unlinks it', () => {
    const { f, lruvec, lrugen } = setup();
    const young = folio(f, ANON);
    const old = folio(f, ANON | PG_swapcache);
    lruvec.lruvec_add_folio(young);
    lruvec.lruvec_add_folio(old);
    lruvec.lruvec_del_folio(young);
    lruvec.lruvec_del_folio(old);
    expect([f.test(young, PG_active), f.test(old, PG_active)]).toEqual([true, false]);
    expect([folio_lru_gen(f, young), folio_lru_gen(f, old)]).toEqual([-1, -1]);
    expect([lrugen.nr_listed_folios(), ...sizes(lruvec), ...lrugen.nr_pages]).toEqual(new Array(13).fill(0));
  });

  it('does not set PG_active when reclaim isolates (reclaiming)', () => {
    const { f, lruvec, lrugen } = setup();
    const pfn = folio(f, ANON);
    lruvec.lruvec_add_folio(pfn);
    expect(lrugen.lru_gen_del_folio(pfn, true)).toBe(true);
    expect(f.test(pfn, PG_active)).toBe(false);
    expect(lrugen.lru_gen_del_folio(pfn, true)).toBe(false);
  });
});

describe('folio_update_gen and folio_inc_gen (mm/vmscan.c)', () => {
  // W2's lazy promotion: the walk found B young; B keeps its place on the gen-1 list.
  it('folio_update_gen moves the gen bits only: the folio stays on its list, refs and LRU_REFS_FLAGS cleared, sizes untouched', () => {
    const { f, lruvec, lrugen } = setup();
    const [a, b, c] = [0, 1, 2].map(() => folio(f, ANON | PG_swapcache)) as [number, number, number];
    for (const pfn of [a, b, c]) lruvec.lruvec_add_folio(pfn);
    f.set(b, PG_referenced | PG_workingset | (1 << LRU_REFS_PGOFF));
    expect(folio_update_gen(f, b, 3)).toBe(1);
    expect(folio_lru_gen(f, b)).toBe(3);
    expect(folio_lru_refs(f, b)).toBe(0);
    expect(f.test(b, PG_referenced | PG_workingset)).toBe(false);
    expect(lruvec.folio_list(b)).toBe(lrugen.list(1, LRU_GEN_ANON));
    expect(lrugen.list(1, LRU_GEN_ANON).count).toBe(3);
    // The walk's batch (reset_batch_size) settles the sizes, not folio_update_gen.
    expect(lrugen.gen_pages(1, LRU_GEN_ANON)).toBe(3);
    // Deleting it unlinks it from the list it is on and counts it out of the generation its bits name.
    lruvec.lruvec_del_folio(b);
    expect([lrugen.list(1, LRU_GEN_ANON).count, lrugen.gen_pages(1, LRU_GEN_ANON), lrugen.gen_pages(3, LRU_GEN_ANON)]).toEqual([2, 3, -1]);
  });

  it('folio_update_gen of an isolated folio sets PG_referenced for shrink_folio_list', () => {
    const { f } = setup();
    const pfn = folio(f, ANON);
    expect(folio_update_gen(f, pfn, 3)).toBe(-1);
    expect(f.test(pfn, PG_referenced)).toBe(true);
    expect((f.flags[pfn] as number) & LRU_GEN_MASK).toBe(0);
  });

  it('folio_inc_gen moves a folio of the oldest generation to the next, clearing refs; a promoted one stays', () => {
    const { f, lruvec, lrugen } = setup();
    lrugen.min_seq[LRU_GEN_ANON] = lrugen.min_seq[LRU_GEN_FILE] = 1;
    const oldest = folio(f, ANON | PG_swapcache);
    const promoted = folio(f, ANON | PG_swapcache);
    lruvec.lruvec_add_folio(oldest);
    lruvec.lruvec_add_folio(promoted);
    f.set(oldest, PG_referenced | PG_workingset | (2 << LRU_REFS_PGOFF));
    folio_update_gen(f, promoted, 3);
    expect(lrugen.folio_inc_gen(oldest, false)).toBe(2);
    expect(lrugen.folio_inc_gen(promoted, false)).toBe(3);
    expect([folio_lru_gen(f, oldest), folio_lru_refs(f, oldest), f.test(oldest, PG_referenced | PG_workingset | PG_reclaim)]).toEqual([2, 0, false]);
    // gen 1 (inactive) → gen 2 (active): the compat sizes follow.
    expect(sizes(lruvec)).toEqual([1, 1, 0, 0]);
    expect(lrugen.gen_pages(2, LRU_GEN_ANON)).toBe(1);
  });
});

describe('tiers (mm_inline.h lru_tier_from_refs, folio_lru_refs)', () => {
  it('maps refs 0…4 to tiers 0, 1, 2, 2, 3 and counts PG_workingset as one access', () => {
    expect([0, 1, 2, 3, 4].map(lru_tier_from_refs)).toEqual([0, 1, 2, 2, 3]);
    const { f } = setup();
    const pfn = folio(f, ANON | PG_workingset | (3 << LRU_REFS_PGOFF));
    expect(folio_lru_refs(f, pfn)).toBe(4);
  });
});

describe('the per-CPU batches under the multi-gen LRU (mm/swap.c through lruvec_add_folio)', () => {
  // W4(b): a written-back folio under reclaim waits at max_seq − 1; folio_rotate_reclaimable
  // moves it to the tail of the oldest generation (lru_move_tail), PGROTATED.
  it('lru_move_tail takes a folio from an active generation to the tail of min_seq without PG_active', () => {
    const f = new FolioTable(64);
    const vm = make_vm_events();
    const lruvec = new Lruvec(f, 0, true);
    const lrugen = lruvec.lrugen as LruGenFolio;
    const fb = new CpuFbatches(f, 1, vm, [lruvec], [null]);
    const other = folio(f, ANON | PG_swapcache);
    const written = folio(f, ANON | PG_swapcache | PG_reclaim | PG_dirty);
    for (const pfn of [other, written]) {
      fb.folio_add_lru(0, pfn);
    }
    fb.lru_add_drain(0);
    expect([folio_lru_gen(f, other), folio_lru_gen(f, written), f.test(written, PG_lru)]).toEqual([1, 2, true]);
    // folio_end_writeback cleared PG_reclaim and the I/O left it clean.
    f.clear(written, PG_reclaim | PG_dirty);
    fb.folio_rotate_reclaimable(0, written);
    fb.lru_add_drain(0);
    expect(folio_lru_gen(f, written)).toBe(0);
    expect(f.test(written, PG_active)).toBe(false);
    expect(lrugen.list(0, LRU_GEN_ANON).tail).toBe(written);
    expect(vm.pgrotated).toBe(1);
    expect(sizes(lruvec)).toEqual([2, 0, 0, 0]);
    // folio_isolate_lru (not reclaim's isolation) of the inactive one: no PG_active.
    expect(fb.folio_isolate_lru(other)).toBe(true);
    expect(f.test(other, PG_active)).toBe(false);
    expect(lrugen.list(1, LRU_GEN_ANON).head).toBe(NIL);
  });
});
