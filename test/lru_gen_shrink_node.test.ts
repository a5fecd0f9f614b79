/**
 * Global reclaim under the multi-gen LRU (issue 13, reclaim/lru_gen_shrink_node.ts): kswapd's
 * balance_pgdat and direct reclaim's try_to_free_pages through lru_gen_shrink_node →
 * shrink_many → shrink_one, the memcg LRU (mm/lru_gen_memcg.ts), set_initial_priority and
 * should_abort_scan's kswapd stop at the high watermark + MIN_LRU_BATCH. Derived from 6.12
 * mm/vmscan.c (lru_gen_shrink_node, shrink_many, shrink_one, lru_gen_rotate_memcg,
 * set_initial_priority, should_abort_scan) and include/linux/mmzone.h (struct lru_gen_memcg).
 */
import { describe, expect, it } from 'vitest';
import { run_builtin } from './helpers.js';
import { lru_gen_node, run_task } from './lru_gen_helpers.js';
import { Prng } from '../src/engine/prng.js';
import { VMSCAN_LRU_SHRINK_INACTIVE, type Tracer } from '../src/hw/tracer.js';
import { folio_lru_gen, LRU_GEN_ANON, type LruGenFolio } from '../src/mm/lru_gen.js';
import { PTE_ACCESSED } from '../src/mm/mm_struct.js';
import { get_nulls_value, is_a_nulls, MEMCG_LRU_TAIL, MEMCG_LRU_YOUNG, MEMCG_NR_BINS, MemcgLru } from '../src/mm/lru_gen_memcg.js';
import type { Kernel } from '../src/reclaim/kernel.js';
import { balance_pgdat } from '../src/reclaim/kswapd.js';
import { set_initial_priority } from '../src/reclaim/lru_gen_shrink.js';
import { make_scan_control } from '../src/reclaim/scan_control.js';
import { try_to_free_pages } from '../src/reclaim/shrink_node.js';

/** Records each shrink_folio_list call's nr_scanned and the priority of its mm_vmscan_lru_shrink_inactive. */
function record(k: Kernel): { calls: number[]; priorities: number[] } {
  const calls: number[] = [];
  const priorities: number[] = [];
  k.machine.tracer = new Proxy({}, {
    get: (_target, name) => {
      if (name === 'shrink_folio_list') return (_cpu: number, _s: number, _e: number, nr_scanned: number) => calls.push(nr_scanned);
      if (name === 'vmscan') return (_cpu: number, _t: number, id: number, args: number[]) => {
        if (id === VMSCAN_LRU_SHRINK_INACTIVE) priorities.push(args[11] as number);
      };
      return () => {};
    },
  }) as Tracer;
  return { calls, priorities };
}

/** The memcg LRU bin cgroup `memcg` is in (its generation's lists searched). */
function bin_of(lru: MemcgLru, memcg: number): number {
  for (let bin = 0; bin < MEMCG_NR_BINS; bin++) {
    for (let pos = lru.list_first(lru.gen[memcg] as number, bin); !is_a_nulls(pos); pos = lru.list_next(pos)) if (pos === memcg) return bin;
  }
  return -1;
}

function kswapd(k: Kernel): void {
  run_task(k, function* (rt) {
    rt.is_kswapd = true;
    yield* balance_pgdat(k, rt);
  });
}

describe('kswapd under the multi-gen LRU (16,100 written pages of a 64 MiB node: 284 free, high watermark 384)', () => {
  it('starts at priority 6 (set_initial_priority, nothing inactive yet), trims at 6, ages at 5 and 4 (the memcg LRU rotated young twice), evicts at 3 in batches of 64 until free pages reach high + 64', () => {
    const { k } = lru_gen_node(16100, 'mglru');
    const { calls, priorities } = record(k);
    const lrugen = k.pgdat.lruvec.lrugen as LruGenFolio;
    const memcg_lru = k.pgdat.memcg_lru as MemcgLru;
    expect([k.pgdat.folios.nr_free_pages, k.pgdat.zone.high_wmark_pages()]).toEqual([284, 384]);
    expect([memcg_lru.seq, memcg_lru.gen[0], memcg_lru.nr_memcgs]).toEqual([0, 0, [1, 0, 0]]);
    kswapd(k);
    // 284 + 2·64 = 412 would pass the high watermark; should_abort_scan wants 384 + 64 = 448.
    expect(calls).toEqual([64, 64, 64]);
    expect(priorities).toEqual([3, 3, 3]);
    expect(k.pgdat.folios.nr_free_pages).toBe(476);
    expect([lrugen.max_seq, ...lrugen.min_seq]).toEqual([5, 3, 3]);
    // Each aging ended the pass young: root to gen 1 (seq 0 → 1), then to gen 2 (seq 1 → 2).
    expect([memcg_lru.seq, memcg_lru.gen[0], memcg_lru.nr_memcgs]).toEqual([2, 2, [0, 0, 1]]);
    const vm = k.pgdat.vm;
    expect([vm.pgscan_kswapd, vm.pgsteal_kswapd, vm.pgscan_direct, vm.pswpout, vm.pgrefill, vm.pgactivate, vm.pageoutrun]).toEqual([192, 192, 0, 192, 0, 0, 1]);
    expect(k.pgdat.kswapd_failures).toBe(0);
  });

  it('a second run with young folios at the tail: look-around under the node walk promotes listed neighbours by their gen bits (no PGACTIVATE), which the next batch sorts (PGREFILL)', () => {
    const { k, mm, vma } = lru_gen_node(16100, 'mglru');
    kswapd(k);
    const { calls, priorities } = record(k);
    const s = vma.start_vpn;
    const f = k.pgdat.folios;
    // The tail of seq 3 is now s + 192; s + 240 … s + 299 are touched again; 200 pages are
    // allocated (276 free: below the high watermark again).
    for (let vpn = s + 240; vpn < s + 300; vpn++) mm.pte[vpn] = (mm.pte[vpn] as number) | PTE_ACCESSED;
    for (let i = 0; i < 200; i++) f.alloc();
    expect(f.nr_free_pages).toBe(276);
    const before = { ...k.pgdat.vm };
    kswapd(k);
    // set_initial_priority: fls(15,908) − 1 − fls(383) = 4 → 6; nr_to_scan = 15,908 >> 6 = 248.
    // Batch 1 (s+192…): 48 old reclaimed; s+240 young: look-around [s+208, s+272) marks s+241…255
    // (isolated) PG_referenced — A6 keeps — and moves s+256…271 (listed) to seq 5 by gen bits.
    // Batch 2 sorts those 16 (PGREFILL) and isolates s+272…335: s+272 young, window [s+240, s+304):
    // s+273…299 A6 keeps, 36 reclaimed. Batches 3 and 4: 64 each; 16 + 4·64 = 272 scanned ≥ 248.
    expect(calls).toEqual([64, 64, 64, 64]);
    expect(priorities).toEqual([6, 6, 6, 6]);
    const vm = k.pgdat.vm;
    expect([vm.pgsteal_kswapd - before.pgsteal_kswapd, vm.pgrefill - before.pgrefill, vm.pgactivate - before.pgactivate]).toEqual([212, 16, 0]);
    expect(f.nr_free_pages).toBe(488);
    const lrugen = k.pgdat.lruvec.lrugen as LruGenFolio;
    // The kept 16 + 28 and the promoted 16 are in seq 5 (generation 1).
    expect([s + 240, s + 256, s + 272].map((vpn) => folio_lru_gen(f, mm.pte_val[vpn] as number))).toEqual([1, 1, 1]);
    expect(lrugen.gen_pages(1, LRU_GEN_ANON)).toBe(16 + 16 + 28);
  });

  it('set_initial_priority: fls(inactive) − 1 − fls(nr_to_reclaim − 1), clamped to [6, 12], only from DEF_PRIORITY and for at least 64 pages', () => {
    const { k } = lru_gen_node(16100, 'mglru');
    kswapd(k);
    // 16,100 − 192 pages in seq 3 are inactive (the two youngest, 4 and 5, are active): fls = 14.
    expect(k.pgdat.node_lru_pages(0)).toBe(15908);
    const priority = (nr_to_reclaim: number, start = 12): number => {
      const sc = make_scan_control({ nr_to_reclaim, priority: start });
      set_initial_priority(k.pgdat, sc);
      return sc.priority;
    };
    expect([priority(64), priority(128), priority(384), priority(4096), priority(63), priority(64, 11)]).toEqual([7, 6, 6, 6, 12, 11]);
  });
});

describe('direct reclaim under the multi-gen LRU', () => {
  it('trims at 12, ages at 11 and 10, evicts one batch of 64 at 9; the next call evicts at 12 without aging', () => {
    const { k } = lru_gen_node(16100, 'mglru');
    const { calls, priorities } = record(k);
    const lrugen = k.pgdat.lruvec.lrugen as LruGenFolio;
    expect(run_task(k, (rt) => try_to_free_pages(k, rt))).toBe(64);
    expect([calls, priorities]).toEqual([[64], [9]]);
    expect([lrugen.max_seq, ...lrugen.min_seq, (k.pgdat.memcg_lru as MemcgLru).seq]).toEqual([5, 3, 3, 2]);
    expect(run_task(k, (rt) => try_to_free_pages(k, rt))).toBe(64);
    expect([calls, priorities]).toEqual([[64, 64], [9, 12]]);
    const vm = k.pgdat.vm;
    expect([vm.allocstall_normal, vm.pgscan_direct, vm.pgsteal_direct, vm.pgscan_kswapd]).toEqual([2, 128, 128, 0]);
    expect((k.pgdat.memcg_lru as MemcgLru).seq).toBe(2);
  });
});

describe('kswapd-48m under the multi-gen LRU', () => {
  it('reclaims in batches of at most MIN_LRU_BATCH pages, nearly all of exactly 64, oracle correct, for upstream and batched', () => {
    for (const strategy of ['upstream', 'batched']) {
      const calls: number[] = [];
      const tracer = new Proxy({}, {
        get: (_target, name) => (name === 'shrink_folio_list' ? (_cpu: number, _s: number, _e: number, nr_scanned: number) => calls.push(nr_scanned) : () => {}),
      }) as Tracer;
      const r = run_builtin('kswapd-48m', ['reclaim.lru=mglru'], { strategy, tracer });
      expect(r.oracle.violations, strategy).toEqual([]);
      expect(r.vmstat.pgsteal_kswapd).toBeGreaterThan(0);
      expect(Math.max(...calls)).toBe(64);
      // Only a retry call of the clean leftovers, or an evict at the end of a generation, is smaller.
      expect(calls.filter((n) => n === 64).length / calls.length, strategy).toBeGreaterThan(0.9);
      // pgscan counts pages isolated, pgsteal pages reclaimed (retries included) under the multi-gen LRU.
      expect((r.vmstat.pgscan_kswapd ?? 0) + (r.vmstat.pgscan_direct ?? 0)).toBeLessThanOrEqual(calls.reduce((a, b) => a + b, 0));
    }
  });
});

describe('the memcg LRU (lru_gen_online_memcg, lru_gen_rotate_memcg)', () => {
  it('onlines into the old generation; YOUNG moves to seq + 1 and the old generation emptied advances seq; TAIL only marks the segment', () => {
    const lru = new MemcgLru(Prng.stream(7, 0));
    for (const memcg of [0, 1, 2]) lru.lru_gen_online_memcg(memcg);
    expect([lru.seq, lru.gen, lru.nr_memcgs]).toEqual([0, [0, 0, 0], [3, 0, 0]]);
    lru.lru_gen_rotate_memcg(1, MEMCG_LRU_TAIL);
    expect([lru.gen[1], lru.seg[1], lru.nr_memcgs]).toEqual([0, MEMCG_LRU_TAIL, [3, 0, 0]]);
    lru.lru_gen_rotate_memcg(1, MEMCG_LRU_YOUNG);
    lru.lru_gen_rotate_memcg(0, MEMCG_LRU_YOUNG);
    expect([lru.seq, lru.gen, lru.seg[1], lru.nr_memcgs]).toEqual([0, [1, 1, 0], 0, [1, 2, 0]]);
    lru.lru_gen_rotate_memcg(2, MEMCG_LRU_YOUNG);
    expect([lru.seq, lru.nr_memcgs]).toEqual([1, [0, 3, 0]]);
    // Now young is seq + 1 = 2 (mod 3).
    lru.lru_gen_rotate_memcg(0, MEMCG_LRU_YOUNG);
    expect([lru.gen[0], lru.nr_memcgs]).toEqual([2, [0, 2, 1]]);
    for (const memcg of [0, 1, 2]) expect(bin_of(lru, memcg)).toBeGreaterThanOrEqual(0);
  });

  it('a reader standing on a cgroup rotated to another generation follows it to that generation\'s nulls (shrink_many restarts the bin)', () => {
    const lru = new MemcgLru(Prng.stream(7, 0));
    lru.lru_gen_online_memcg(0);
    lru.lru_gen_rotate_memcg(0, MEMCG_LRU_YOUNG);
    let pos = 0;
    while (!is_a_nulls(pos)) pos = lru.list_next(pos);
    expect(get_nulls_value(pos)).toBe(1);
  });

  it('draws its bins from the run\'s seed: the same seed gives the same bins, seeds differ', () => {
    const bins = (seed: number): number => bin_of(lru_gen_node(100, 'mglru', 'memcg: { max: 8MiB }', seed).k.pgdat.memcg_lru as MemcgLru, 1);
    const by_seed = [1, 2, 3, 4, 5, 6, 7, 8].map(bins);
    expect(by_seed).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map(bins));
    expect(new Set(by_seed).size).toBeGreaterThan(1);
  });
});
