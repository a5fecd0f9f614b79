/**
 * Memcg limit reclaim under the multi-gen LRU (issue 13): try_to_free_mem_cgroup_pages →
 * shrink_node → shrink_node_memcgs → shrink_lruvec → lru_gen_shrink_lruvec, kswapd's
 * lru_gen_age_node (set_initial_priority, docs/design/mglru.md §6.6 W7). Root reclaim is in
 * lru_gen_shrink_node.test.ts. Derived from 6.12 mm/vmscan.c.
 */
import { describe, expect, it } from 'vitest';
import { lru_gen_node, run_task } from './lru_gen_helpers.js';
import { PG_active } from '../src/mm/folio.js';
import { LRU_INACTIVE_ANON } from '../src/mm/lru.js';
import { LRU_GEN_ANON, type LruGenFolio } from '../src/mm/lru_gen.js';
import type { MemcgLru } from '../src/mm/lru_gen_memcg.js';
import type { MemCgroup } from '../src/mm/memcontrol.js';
import { PTE_ACCESSED } from '../src/mm/mm_struct.js';
import { type Kernel } from '../src/reclaim/kernel.js';
import { set_initial_priority } from '../src/reclaim/lru_gen_shrink.js';
import { make_scan_control } from '../src/reclaim/scan_control.js';
import { try_to_free_mem_cgroup_pages, try_to_free_pages } from '../src/reclaim/shrink_node.js';

/** A 64 MiB node on zram with the multi-gen LRU; `pages` written pages (accessed bits clear) charged to cgroup 1. */
function harness(pages: number): { k: Kernel; calls: number[] } {
  const { k, mm, vma, calls } = lru_gen_node(pages, 'mglru', 'memcg: { max: 48MiB }');
  const f = k.pgdat.folios;
  const root = k.pgdat.lruvecs[0];
  const child = k.pgdat.lruvecs[1];
  if (root === undefined || child === undefined) throw new Error('no lruvecs');
  for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) {
    mm.pte[vpn] = (mm.pte[vpn] as number) & ~PTE_ACCESSED;
    // Move each folio, in order, to the cgroup's lruvec (back to max_seq − 1) and charge it.
    const pfn = mm.pte_val[vpn] as number;
    root.lruvec_del_folio(pfn);
    f.clear(pfn, PG_active);
    f.memcg[pfn] = 1;
    child.lruvec_add_folio(pfn);
  }
  expect((k.pgdat.memcgs[1] as MemCgroup).page_counter_try_charge(pages)).toBe(true);
  return { k, calls };
}

describe('memcg limit reclaim under the multi-gen LRU', () => {
  it('trims at priority 12, ages at 11, evicts one 64-folio batch at 10: one shrink_folio_list call, counted in the cgroup only', () => {
    const { k, calls } = harness(5000);
    const lrugen = k.pgdat.lruvecs[1]?.lrugen as LruGenFolio;
    expect(lrugen.list(2, LRU_GEN_ANON).count).toBe(5000);
    expect(run_task(k, (rt) => try_to_free_mem_cgroup_pages(k, rt, 1, 1))).toBe(64);
    expect(calls).toEqual([64]);
    expect([lrugen.max_seq, ...lrugen.min_seq]).toEqual([4, 2, 2]);
    const vm = k.pgdat.vm;
    expect([vm.pgscan_direct, vm.pgsteal_direct, vm.allocstall_normal, vm.pswpout, vm.pgscan_anon]).toEqual([0, 0, 0, 64, 64]);
    expect((k.pgdat.memcgs[1] as MemCgroup).stat).toMatchObject({ pgscan_direct: 64, pgsteal_direct: 64, pgrefill: 0 });
    // The next call evicts one batch at priority 12 (no aging at DEF_PRIORITY).
    expect(run_task(k, (rt) => try_to_free_mem_cgroup_pages(k, rt, 1, 1))).toBe(64);
    expect(calls).toEqual([64, 64]);
    expect(lrugen.max_seq).toBe(4);
  });

  it('direct reclaim reaches the cgroup through the memcg LRU: the empty root is too small (TAIL, then YOUNG), the cgroup trims at 12, ages at 11 (YOUNG: seq 1), evicts 64 at 10', () => {
    const { k, calls } = harness(5000);
    const lrugen = k.pgdat.lruvecs[1]?.lrugen as LruGenFolio;
    const memcg_lru = k.pgdat.memcg_lru as MemcgLru;
    expect(run_task(k, (rt) => try_to_free_pages(k, rt))).toBe(64);
    expect(calls).toEqual([64]);
    expect([lrugen.max_seq, ...lrugen.min_seq]).toEqual([4, 2, 2]);
    // At 11 both rotated young (generation 1) and the old generation emptied (seq 1). With this
    // seed's bins, at 10 the root (TAIL) lands in a bin the pass has still to visit, is met
    // again there and goes YOUNG (generation 2) before the walk reaches the cgroup's bin.
    expect([memcg_lru.seq, memcg_lru.gen[1], memcg_lru.gen[0]]).toEqual([1, 1, 2]);
    expect(k.pgdat.vm).toMatchObject({ allocstall_normal: 1, pgscan_direct: 64, pgsteal_direct: 64 });
    expect((k.pgdat.memcgs[1] as MemCgroup).stat).toMatchObject({ pgscan_direct: 64, pgsteal_direct: 64 });
  });
});

describe('set_initial_priority (kswapd under the multi-gen LRU, W7)', () => {
  it('starts where inactive >> priority ≈ nr_to_reclaim, clamped to [6, 12]; only from DEF_PRIORITY and for ≥ 64 pages', () => {
    const { k } = harness(5000);
    // 5000 pages in max_seq − 1 are active: no inactive page, fls(0) − 1 − fls(199) → clamped to 6.
    expect(k.pgdat.node_lru_pages(LRU_INACTIVE_ANON)).toBe(0);
    const sc = make_scan_control({ priority: 12, nr_to_reclaim: 200 });
    set_initial_priority(k.pgdat, sc);
    expect(sc.priority).toBe(6);
    // W7: 6000 inactive pages, nr_to_reclaim 200: fls(6000) − 1 = 12, fls(199) = 8 → 4 → 6.
    const lrugen = k.pgdat.lruvecs[1]?.lrugen as LruGenFolio;
    lrugen.lru_size[LRU_INACTIVE_ANON] = 6000;
    const w7 = make_scan_control({ priority: 12, nr_to_reclaim: 200 });
    set_initial_priority(k.pgdat, w7);
    expect(w7.priority).toBe(6);
    // 2^20 inactive pages, nr_to_reclaim 64: 20 − fls(63) = 20 − 6 = 14 → 12.
    lrugen.lru_size[LRU_INACTIVE_ANON] = 1 << 20;
    const big = make_scan_control({ priority: 12, nr_to_reclaim: 64 });
    set_initial_priority(k.pgdat, big);
    expect(big.priority).toBe(12);
    lrugen.lru_size[LRU_INACTIVE_ANON] = 1 << 14;
    const mid = make_scan_control({ priority: 12, nr_to_reclaim: 64 });
    set_initial_priority(k.pgdat, mid);
    // fls(16384) − 1 = 14, minus fls(63) = 6: 8.
    expect(mid.priority).toBe(8);
    const small = make_scan_control({ priority: 12, nr_to_reclaim: 32 });
    set_initial_priority(k.pgdat, small);
    expect(small.priority).toBe(12);
  });
});
