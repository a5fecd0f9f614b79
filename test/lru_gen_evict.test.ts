/**
 * The multi-gen LRU's evict_folios (issue 13, reclaim/lru_gen_evict.ts) and the A6 keep of
 * shrink_folio_list, on a small node built with reclaim.lru: mglru (build_kernel; run refuses
 * it until reclaim dispatches there). Exact counts derived from 6.12 mm/vmscan.c: a fresh
 * lruvec's first evict only trims empty generations, the next takes one MIN_LRU_BATCH batch
 * from the oldest generation, which zram writes and frees in the same shrink_folio_list call
 * (docs/design/mglru.md §6.6 W4a); rejected folios go back to the youngest generation;
 * try_to_shrink_lruvec's priority sequence for faulted folios (§6.5: first batch at priority 9).
 */
import { describe, expect, it } from 'vitest';
import { lru_gen_node, run_task, to_second_youngest } from './lru_gen_helpers.js';
import { FolioList, PG_active, PG_referenced } from '../src/mm/folio.js';
import { folio_lru_gen, LRU_GEN_ANON, type LruGenFolio } from '../src/mm/lru_gen.js';
import { PTE_ACCESSED, PTE_PRESENT, type MmStruct } from '../src/mm/mm_struct.js';
import { type Kernel } from '../src/reclaim/kernel.js';
import { inc_max_seq } from '../src/reclaim/lru_gen_aging.js';
import { evict_folios } from '../src/reclaim/lru_gen_evict.js';
import { should_run_aging, try_to_shrink_lruvec } from '../src/reclaim/lru_gen_shrink.js';
import { make_reclaim_stat, make_scan_control } from '../src/reclaim/scan_control.js';
import { shrink_folio_list } from '../src/reclaim/vmscan.js';

interface Harness {
  k: Kernel;
  mm: MmStruct;
  /** nr_scanned of each shrink_folio_list call. */
  calls: number[];
}

/** A 64 MiB node on zram, `pages` written pages of one process (accessed bits cleared), the LRU policy `lru`. */
function harness(pages: number, lru: 'classic' | 'mglru', faulted = false): Harness {
  const { k, mm, vma, calls } = lru_gen_node(pages, lru);
  for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) mm.pte[vpn] = (mm.pte[vpn] as number) & ~PTE_ACCESSED;
  if (lru === 'mglru' && !faulted) to_second_youngest(k, mm, vma.start_vpn, vma.end_vpn);
  return { k, mm, calls };
}

describe('evict_folios', () => {
  it('trims a fresh lruvec first (scanned 1, nothing isolated), then evicts one batch of 64 from the oldest generation: zram frees them in one shrink_folio_list call', () => {
    const h = harness(200, 'mglru');
    const lruvec = h.k.pgdat.lruvec;
    const lrugen = lruvec.lrugen as LruGenFolio;
    // Written but not faulted in a fault context: anon outside the swap cache, max_seq − 1 = 2.
    expect(lrugen.list(2, LRU_GEN_ANON).count).toBe(200);
    // One aging (no walk): max_seq 4, and the oldest generation (0, empty) is retired.
    expect(inc_max_seq(lrugen, 3, true)).toBe(true);
    expect([lrugen.max_seq, ...lrugen.min_seq]).toEqual([4, 1, 1]);
    const sc = make_scan_control({ nr_to_reclaim: 32, may_writepage: true, may_unmap: true, may_swap: true, priority: 12 });
    const scanned = run_task(h.k, function* (rt) {
      const first = yield* evict_folios(h.k, rt, lruvec, sc, 60);
      const second = yield* evict_folios(h.k, rt, lruvec, sc, 60);
      return [first, second];
    });
    expect(scanned).toEqual([1, 64]);
    expect(lrugen.min_seq).toEqual([2, 2]);
    expect(h.calls).toEqual([64]);
    expect(sc.nr_reclaimed).toBe(64);
    const vm = h.k.pgdat.vm;
    expect([vm.pgscan_direct, vm.pgsteal_direct, vm.pgscan_anon, vm.pgsteal_anon, vm.pswpout]).toEqual([64, 64, 64, 64, 64]);
    expect(lrugen.list(2, LRU_GEN_ANON).count).toBe(136);
  });

  it('puts folios shrink_folio_list kept (mapped, may_unmap off) back in the youngest generation, without PG_active', () => {
    const h = harness(100, 'mglru');
    const lruvec = h.k.pgdat.lruvec;
    const lrugen = lruvec.lrugen as LruGenFolio;
    inc_max_seq(lrugen, 3, true);
    lrugen.min_seq[0] = lrugen.min_seq[1] = 2;
    const sc = make_scan_control({ nr_to_reclaim: 32, may_writepage: true, may_unmap: false, may_swap: true, priority: 12 });
    expect(run_task(h.k, (rt) => evict_folios(h.k, rt, lruvec, sc, 60))).toBe(64);
    expect(sc.nr_reclaimed).toBe(0);
    // max_seq 4: generation 0.
    expect(lrugen.list(0, LRU_GEN_ANON).count).toBe(64);
    expect(lrugen.list(2, LRU_GEN_ANON).count).toBe(36);
    const f = h.k.pgdat.folios;
    const head = lrugen.list(0, LRU_GEN_ANON).head;
    expect([folio_lru_gen(f, head), f.test(head, PG_active)]).toEqual([0, false]);
    expect(h.k.pgdat.vm.pgsteal_direct).toBe(0);
  });
});

describe('shrink_folio_list\'s A6 keep (lru_gen_enabled, mapped, PG_referenced)', () => {
  for (const [lru, reclaimed] of [['classic', 1], ['mglru', 0]] as const) {
    it(`${lru}: a mapped folio with PG_referenced and no young PTE is ${reclaimed === 1 ? 'reclaimed' : 'kept, with no nr_ref_keep'}`, () => {
      const h = harness(4, lru);
      const pfn = h.mm.pte_val[h.mm.vmas[0]?.start_vpn as number] as number;
      expect((h.mm.pte[h.mm.vmas[0]?.start_vpn as number] as number) & PTE_PRESENT).not.toBe(0);
      const list = new FolioList(h.k.pgdat.folios);
      expect(h.k.pgdat.fbatches.folio_isolate_lru(pfn)).toBe(true);
      h.k.pgdat.folios.set(pfn, PG_referenced);
      list.add(pfn);
      const stat = make_reclaim_stat();
      const sc = make_scan_control({ may_writepage: true, may_unmap: true, may_swap: true });
      expect(run_task(h.k, (rt) => shrink_folio_list(h.k, rt, list, sc, stat, false))).toBe(reclaimed);
      expect(stat.nr_ref_keep).toBe(0);
    });
  }
});

describe('try_to_shrink_lruvec (get_nr_to_scan, should_run_aging, should_abort_scan)', () => {
  // docs/design/mglru.md §6.5, and the 6.12 guest's memcg-write-24m (mglru-expected.json:
  // first pass at priority 9, then one per call at 12).
  it('for faulted folios (youngest generation): trims at 12, ages at 11 and 10 (ending the passes), evicts one batch of 64 at 9, then one per call at 12', () => {
    const h = harness(5000, 'mglru', true);
    const lruvec = h.k.pgdat.lruvec;
    const lrugen = lruvec.lrugen as LruGenFolio;
    expect(lrugen.list(3, LRU_GEN_ANON).count).toBe(5000);
    const pass = (priority: number): { aged: boolean; reclaimed: number } => {
      const sc = make_scan_control({ nr_to_reclaim: 32, may_writepage: true, may_unmap: true, may_swap: true, priority });
      const aged = run_task(h.k, (rt) => try_to_shrink_lruvec(h.k, rt, lruvec, sc));
      return { aged, reclaimed: sc.nr_reclaimed };
    };
    // 5000 >> 12 = 1 to scan; evict finds gens 0, 1 empty, trims min_seq to 2 and, down to two
    // generations, reports nothing scanned.
    expect(pass(12)).toEqual({ aged: false, reclaimed: 0 });
    expect([lrugen.max_seq, ...lrugen.min_seq]).toEqual([3, 2, 2]);
    expect(should_run_aging(lrugen, 3, true)).toEqual({ age: true, nr_to_scan: 0 });
    expect(pass(11)).toEqual({ aged: true, reclaimed: 0 });
    // max_seq 4: three generations, but seq 2 (the oldest-but-one) holds less than a quarter.
    expect(should_run_aging(lrugen, 4, true)).toEqual({ age: true, nr_to_scan: 5000 });
    expect(pass(10)).toEqual({ aged: true, reclaimed: 0 });
    expect(lrugen.max_seq).toBe(5);
    // 5000 >> 9 = 9: the first evict trims min_seq to 3 (scanned 1), the second takes 64.
    expect(pass(9)).toEqual({ aged: false, reclaimed: 64 });
    expect(pass(12)).toEqual({ aged: false, reclaimed: 64 });
    expect(h.calls).toEqual([64, 64]);
    expect([lrugen.max_seq, ...lrugen.min_seq, lrugen.list(3, LRU_GEN_ANON).count]).toEqual([5, 3, 3, 5000 - 128]);
    expect(h.k.pgdat.vm.pswpout).toBe(128);
  });
});
