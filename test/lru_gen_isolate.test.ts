/**
 * The multi-gen LRU's isolation for eviction (issue 13, reclaim/lru_gen_evict.ts):
 * scan_folios, sort_folio, isolate_folio, isolate_folios on small cases read off 6.12
 * mm/vmscan.c, including docs/design/mglru.md §6.6 W2 (eviction order and lazy promotion).
 * The node runs with the multi-gen LRU (PgData's lru_gen option); generations 1 … 3 are in
 * use (min_seq {1, 1}, max_seq 3), so clean swap-cache folios enter the oldest, min_seq 1.
 */
import { describe, expect, it } from 'vitest';
import { FolioList, LRU_REFS_PGOFF, NIL, PG_active, PG_anon, PG_lru, PG_referenced, PG_swapbacked, PG_swapcache, PG_workingset } from '../src/mm/folio.js';
import { folio_lru_gen, folio_lru_refs, folio_update_gen, LRU_GEN_ANON, MIN_LRU_BATCH, type LruGenFolio } from '../src/mm/lru_gen.js';
import type { Kernel, ReclaimTask } from '../src/reclaim/kernel.js';
import { isolate_folios, scan_folios } from '../src/reclaim/lru_gen_evict.js';
import { make_scan_control, NO_TARGET_MEMCG } from '../src/reclaim/scan_control.js';
import { PgData } from '../src/mm/pgdat.js';
import type { Lruvec } from '../src/mm/lru.js';

const CLEAN_SWAPCACHE = PG_anon | PG_swapbacked | PG_swapcache;
const ISOLATE_FOLIO_NS = 10;

interface Setup {
  k: Kernel;
  rt: ReclaimTask;
  lruvec: Lruvec;
  lrugen: LruGenFolio;
}

/** A node of 512 pages with the multi-gen LRU, a direct reclaimer, and `n` clean swap-cache folios added in pfn order. */
function setup(n: number, memcg = false): Setup & { pfns: number[] } {
  const pgdat = new PgData(512, 1, 64, true, { lru_gen: true, ...(memcg ? { memcgs: [{ name: 'a', max_pages: 512 }] } : {}) });
  const lruvec = pgdat.lruvecs[memcg ? 1 : 0] as Lruvec;
  const lrugen = lruvec.lrugen as LruGenFolio;
  lrugen.min_seq[0] = lrugen.min_seq[1] = 1;
  const f = pgdat.folios;
  const pfns: number[] = [];
  for (let i = 0; i < n; i++) {
    const pfn = f.alloc();
    f.flags[pfn] = CLEAN_SWAPCACHE | PG_lru;
    f.refcount[pfn] = 1;
    f.memcg[pfn] = memcg ? 1 : 0;
    lruvec.lruvec_add_folio(pfn);
    pfns.push(pfn);
  }
  const k = { pgdat, machine: { cost: { isolate_folio_ns: ISOLATE_FOLIO_NS }, tracer: null } } as unknown as Kernel;
  const rt = { task: { now_ns: 0 }, cpu: 0, is_kswapd: false } as unknown as ReclaimTask;
  return { k, rt, lruvec, lrugen, pfns };
}

/** A list's folios from its tail. */
function from_tail(f: Kernel['pgdat']['folios'], list: FolioList): number[] {
  const out: number[] = [];
  for (let pfn = list.tail; pfn !== NIL; pfn = f.lru_prev[pfn] as number) out.push(pfn);
  return out;
}

describe('scan_folios (W2: eviction order and lazy promotion)', () => {
  it('isolates A and C from the tail of the oldest generation and sorts B, which the walk promoted, to the head of its generation', () => {
    const { k, rt, lruvec, lrugen, pfns } = setup(3);
    const [a, b, c] = pfns as [number, number, number];
    const f = k.pgdat.folios;
    expect(from_tail(f, lrugen.list(1, LRU_GEN_ANON))).toEqual([a, b, c]);
    folio_update_gen(f, b, 3);
    const list = new FolioList(f);
    const sc = make_scan_control({ may_unmap: true, priority: 12 });
    expect(scan_folios(k, rt, lruvec, sc, LRU_GEN_ANON, 3, list)).toBe(3);
    // shrink_folio_list takes from the tail: A first.
    expect(from_tail(f, list)).toEqual([a, c]);
    expect(lrugen.list(3, LRU_GEN_ANON).head).toBe(b);
    expect(lrugen.list(1, LRU_GEN_ANON).count).toBe(0);
    // Isolated: off the LRU with a reference of their own, no generation, PG_active not set.
    for (const pfn of [a, c]) {
      expect([f.test(pfn, PG_lru), f.refcount[pfn], folio_lru_gen(f, pfn), f.test(pfn, PG_active)]).toEqual([false, 2, -1, false]);
    }
    const vm = k.pgdat.vm;
    expect([vm.pgscan_direct, vm.pgscan_anon, vm.pgrefill, vm.pgscan_kswapd]).toEqual([2, 2, 1, 0]);
    expect(rt.task.now_ns).toBe(3 * ISOLATE_FOLIO_NS);
  });

  it('stops at MIN_LRU_BATCH (64) isolated pages', () => {
    const { k, rt, lruvec, lrugen, pfns } = setup(100);
    const list = new FolioList(k.pgdat.folios);
    expect(scan_folios(k, rt, lruvec, make_scan_control({ may_unmap: true }), LRU_GEN_ANON, 3, list)).toBe(MIN_LRU_BATCH);
    expect([list.count, lrugen.list(1, LRU_GEN_ANON).count]).toEqual([64, 36]);
    expect(from_tail(k.pgdat.folios, list)).toEqual(pfns.slice(0, 64));
  });

  it('takes nothing from a type down to MIN_NR_GENS generations', () => {
    const { k, rt, lruvec, lrugen } = setup(4);
    lrugen.min_seq[0] = lrugen.min_seq[1] = 2;
    const list = new FolioList(k.pgdat.folios);
    expect(scan_folios(k, rt, lruvec, make_scan_control({}), LRU_GEN_ANON, 3, list)).toBe(0);
    expect([list.count, k.pgdat.vm.pgscan_direct]).toEqual([0, 0]);
  });

  it('protects a folio with refs at the maximum: folio_inc_gen, tail of the next generation, counted in protected', () => {
    const { k, rt, lruvec, lrugen, pfns } = setup(2);
    const [a, b] = pfns as [number, number];
    const f = k.pgdat.folios;
    f.set(a, PG_referenced | PG_workingset | (3 << LRU_REFS_PGOFF));
    const list = new FolioList(f);
    expect(scan_folios(k, rt, lruvec, make_scan_control({}), LRU_GEN_ANON, 3, list)).toBe(2);
    expect(from_tail(f, list)).toEqual([b]);
    expect([folio_lru_gen(f, a), folio_lru_refs(f, a), lrugen.list(2, LRU_GEN_ANON).tail]).toEqual([2, 0, a]);
    expect((lrugen.protected[LRU_GEN_ANON] as Float64Array)[2]).toBe(1);
    expect(k.pgdat.vm.pgrefill).toBe(1);
  });

  it('counts a cgroup reclaim in the cgroup only (PGSCAN_DIRECT, PGREFILL), PGSCAN_ANON node-wide', () => {
    const { k, rt, lruvec } = setup(2, true);
    const list = new FolioList(k.pgdat.folios);
    const sc = make_scan_control({ target_memcg: 1 });
    expect(sc.target_memcg).not.toBe(NO_TARGET_MEMCG);
    scan_folios(k, rt, lruvec, sc, LRU_GEN_ANON, 3, list);
    expect([k.pgdat.vm.pgscan_direct, k.pgdat.vm.pgscan_anon, k.pgdat.memcgs[1]?.stat.pgscan_direct]).toEqual([0, 2, 2]);
  });
});

describe('isolate_folio and isolate_folios', () => {
  it('wipes refs and PG_workingset of a folio without PG_referenced; keeps them, clearing PG_referenced, of one with it', () => {
    const { k, rt, lruvec, pfns } = setup(2);
    const [a, b] = pfns as [number, number];
    const f = k.pgdat.folios;
    f.set(a, PG_workingset | (1 << LRU_REFS_PGOFF));
    f.set(b, PG_referenced | PG_workingset | (1 << LRU_REFS_PGOFF));
    const list = new FolioList(f);
    // tier_idx 3: refs 2 (tier 2) is not protected.
    scan_folios(k, rt, lruvec, make_scan_control({}), LRU_GEN_ANON, 3, list);
    expect([folio_lru_refs(f, a), f.test(a, PG_workingset)]).toEqual([0, false]);
    expect([folio_lru_refs(f, b), f.test(b, PG_workingset), f.test(b, PG_referenced)]).toEqual([2, true, false]);
  });

  it('tries FILE first (no refaults: the PID controller\'s choice), finds nothing, and takes ANON', () => {
    const { k, rt, lruvec } = setup(3);
    const list = new FolioList(k.pgdat.folios);
    expect(isolate_folios(k, rt, lruvec, make_scan_control({}), 60, list)).toEqual({ scanned: 3, type: LRU_GEN_ANON });
    expect(list.count).toBe(3);
  });

  it('takes only FILE at swappiness 0', () => {
    const { k, rt, lruvec } = setup(3);
    const list = new FolioList(k.pgdat.folios);
    expect(isolate_folios(k, rt, lruvec, make_scan_control({}), 0, list)).toEqual({ scanned: 0, type: LRU_GEN_ANON });
    expect(list.count).toBe(0);
  });
});
