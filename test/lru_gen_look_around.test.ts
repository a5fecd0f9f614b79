/**
 * lru_gen_look_around (issue 13, reclaim/lru_gen_look_around.ts), from folio_referenced under
 * the multi-gen LRU: the window of up to 64 PTEs around a young PTE inside its PMD, what an
 * isolated or a listed neighbour gets, and docs/design/mglru.md §6.6 W3 (a young batch at
 * eviction is kept whole: one FOLIOREF_KEEP, 63 A6 keeps, nothing reclaimed, no flush, back at
 * max_seq), after the aging walk; with a walk set for the pass (kswapd), the batched
 * folio_update_gen instead of activation; a dirty PTE of a file neighbour through
 * folio_mark_dirty's page-cache accounting. Derived from 6.12 mm/vmscan.c and mm/rmap.c.
 */
import { describe, expect, it } from 'vitest';
import { lru_gen_node, to_second_youngest } from './lru_gen_helpers.js';
import type { Task, Yield } from '../src/engine/simulator.js';
import { PG_dirty, PG_referenced } from '../src/mm/folio.js';
import { builtin_strategy } from '../src/reclaim/strategies/index.js';
import type { ReclaimStrategy } from '../src/reclaim/strategy.js';
import { build_kernel, create_mm } from '../src/run/machine_setup.js';
import { parse_scenario } from '../src/scenario/load.js';
import { create_file, mmap_file, populate_file } from '../src/workload/file_setup.js';
import { folio_lru_gen, LRU_GEN_ANON, type LruGenFolio } from '../src/mm/lru_gen.js';
import { PTE_ACCESSED, PTE_DIRTY, type MmStruct } from '../src/mm/mm_struct.js';
import { ReclaimTask, type Kernel } from '../src/reclaim/kernel.js';
import { reset_batch_size, set_mm_walk } from '../src/reclaim/lru_gen_mm_walk.js';
import { try_to_shrink_lruvec } from '../src/reclaim/lru_gen_shrink.js';
import { pmd_item, reset_bloom_filter, test_bloom_filter } from '../src/reclaim/lru_gen_bloom.js';
import { folio_referenced } from '../src/reclaim/rmap.js';
import { make_scan_control } from '../src/reclaim/scan_control.js';

/** A reclaimer on CPU 1 for calling folio_referenced directly. */
function reclaimer(k: Kernel): ReclaimTask {
  return new ReclaimTask(k.sim.spawn('reclaimer', 0, function* () {}), 1);
}

/** A 64 MiB node on zram with the multi-gen LRU and `pages` written pages, all young (accessed bits set). */
function harness(pages: number, faulted = false): { k: Kernel; mm: MmStruct; start: number; calls: number[] } {
  const { k, mm, vma, calls } = lru_gen_node(pages, 'mglru');
  for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) mm.pte[vpn] = (mm.pte[vpn] as number) | PTE_ACCESSED;
  if (!faulted) to_second_youngest(k, mm, vma.start_vpn, vma.end_vpn);
  // The region starts at a PMD boundary.
  expect(vma.start_vpn % 512).toBe(0);
  return { k, mm, start: vma.start_vpn, calls };
}

function young(mm: MmStruct, vpn: number): boolean {
  return ((mm.pte[vpn] as number) & PTE_ACCESSED) !== 0;
}

describe('lru_gen_look_around from folio_referenced', () => {
  it('clears the young PTE and its 63 neighbours [start, start + 64); listed neighbours of an older generation are activated (PGACTIVATE), refs cleared', () => {
    const { k, mm, start } = harness(100);
    const f = k.pgdat.folios;
    const first = mm.pte_val[start] as number;
    expect(folio_referenced(k, first, reclaimer(k))).toBe(1);
    expect([young(mm, start), young(mm, start + 63), young(mm, start + 64), young(mm, start + 99)]).toEqual([false, false, true, true]);
    // Queued on CPU 1's lru_activate batch, which moves when full (PAGEVEC_SIZE 31): 62, then 1 at the drain.
    expect(k.pgdat.vm.pgactivate).toBe(62);
    k.pgdat.fbatches.lru_add_drain(1);
    expect(k.pgdat.vm.pgactivate).toBe(63);
    // max_seq 3 → generation 3; the first folio itself and pages 64… stay in generation 2.
    const gens = [start, start + 1, start + 63, start + 64].map((vpn) => folio_lru_gen(f, mm.pte_val[vpn] as number));
    expect(gens).toEqual([2, 3, 3, 2]);
    // No TLB flush for any of it.
    expect(Object.values(k.machine.arch.vm_events()).every((n) => n === 0)).toBe(true);
  });

  it('with a walk set (kswapd\'s node pass) promotes the 63 neighbours by their gen bits, batched: no activation, sizes moved only at reset_batch_size', () => {
    const { k, mm, start } = harness(100);
    const f = k.pgdat.folios;
    const lrugen = k.pgdat.lruvec.lrugen as LruGenFolio;
    const rt = new ReclaimTask(k.sim.spawn('kswapd0', 0, function* () {}), 1);
    rt.is_kswapd = true;
    const walk = set_mm_walk(rt, true, false);
    if (walk === null) throw new Error('kswapd has no walk');
    expect(folio_referenced(k, mm.pte_val[start] as number, rt, walk)).toBe(1);
    k.pgdat.fbatches.lru_add_drain(1);
    expect(k.pgdat.vm.pgactivate).toBe(0);
    const gens = [start, start + 1, start + 63, start + 64].map((vpn) => folio_lru_gen(f, mm.pte_val[vpn] as number));
    expect(gens).toEqual([2, 3, 3, 2]);
    // Lazily sorted: all 100 still on generation 2's list; its size moves when the batch is applied.
    expect([walk.batched, lrugen.list(2, LRU_GEN_ANON).count, lrugen.gen_pages(2, LRU_GEN_ANON), lrugen.gen_pages(3, LRU_GEN_ANON)]).toEqual([63, 100, 100, 0]);
    walk.lruvec = k.pgdat.lruvec;
    reset_batch_size(walk);
    expect([walk.batched, lrugen.gen_pages(2, LRU_GEN_ANON), lrugen.gen_pages(3, LRU_GEN_ANON)]).toEqual([0, 37, 63]);
    // Both generations are the two youngest: the active/inactive view does not change.
    expect([k.pgdat.lruvec.lru_size(0), k.pgdat.lruvec.lru_size(1)]).toEqual([0, 100]);
  });

  it('marks a file neighbour with a dirty PTE dirty through the page cache (NR_FILE_DIRTY, NR_DIRTIED), a clean one not', () => {
    const k = build_kernel(parse_scenario(`
machine: { cpus: 2, memory: 64MiB }
workload: { kind: stress }
stress: { workers: 1, bytes: 1MiB, backing: file, mapping: shared }
reclaim: { kswapd_cpu: none, lru: mglru }`, 'file.yaml'), builtin_strategy('upstream') as ReclaimStrategy);
    const file = create_file(k, 'f', 100);
    const mm = create_mm(k, 100, 1);
    const vma = mmap_file(mm, file, 0, 100, true);
    populate_file(k, 0, mm, vma, file, false);
    const start = vma.start_vpn;
    for (let vpn = start + 1; vpn <= start + 10; vpn++) mm.pte[vpn] = (mm.pte[vpn] as number) | PTE_DIRTY;
    const before = [k.pgdat.vm.nr_dirty, k.pgdat.vm.nr_dirtied];
    expect(folio_referenced(k, mm.pte_val[start] as number, reclaimer(k))).toBe(1);
    expect([k.pgdat.vm.nr_dirty - (before[0] as number), k.pgdat.vm.nr_dirtied - (before[1] as number), file.nr_dirty]).toEqual([10, 10, 10]);
    expect([young(mm, start + 63), young(mm, start + 64)]).toEqual([false, true]);
    expect([1, 10, 11].map((i) => k.pgdat.folios.test(mm.pte_val[start + i] as number, PG_dirty))).toEqual([true, true, false]);
  });

  it('adds the PMD to the Bloom filter of max_seq when at least one PTE per cache line of its window was young (suitable_to_scan: young × 8 ≥ 64), not otherwise', () => {
    const { k, mm, start } = harness(600);
    const st = (k.pgdat.lruvec.lrugen as LruGenFolio).mm_state;
    const max_seq = (k.pgdat.lruvec.lrugen as LruGenFolio).max_seq;
    const second = start + 512;
    // The aging walk recorded both PTE tables in max_seq's filter; start from an empty one.
    reset_bloom_filter(st, max_seq);
    expect([test_bloom_filter(st, max_seq, pmd_item(mm, start)), test_bloom_filter(st, max_seq, pmd_item(mm, second))]).toEqual([false, false]);
    expect(folio_referenced(k, mm.pte_val[start] as number, reclaimer(k))).toBe(1);
    // Second PMD: only its first PTE young, the other 63 of its window old: 1 × 8 < 64.
    for (let vpn = second + 1; vpn < start + 600; vpn++) mm.pte[vpn] = (mm.pte[vpn] as number) & ~PTE_ACCESSED;
    mm.pte[second] = (mm.pte[second] as number) | PTE_ACCESSED;
    expect(folio_referenced(k, mm.pte_val[second] as number, reclaimer(k))).toBe(1);
    expect([test_bloom_filter(st, max_seq, pmd_item(mm, start)), test_bloom_filter(st, max_seq, pmd_item(mm, second))]).toEqual([true, false]);
  });

  it('returns 0 for a folio whose PTE is old, touching no neighbour', () => {
    const { k, mm, start } = harness(100);
    mm.pte[start + 10] = (mm.pte[start + 10] as number) & ~PTE_ACCESSED;
    expect(folio_referenced(k, mm.pte_val[start + 10] as number, reclaimer(k))).toBe(0);
    expect(young(mm, start + 11)).toBe(true);
  });
});

describe('W3: a young batch at eviction', () => {
  it('is kept whole: one shrink_folio_list call of 64, nothing reclaimed, no flush, all 64 back at max_seq; the next 64 are young still', () => {
    // Faulted folios (max_seq 3). Priority 12 trims, 11 ages with the mm's first, forced walk
    // (every accessed bit cleared, no folio moves), 10 ages without a walk (the mm was not
    // used since); then the region is touched again, and 9 evicts the first 64, all young.
    const { k, mm, start, calls } = harness(5000, true);
    const lruvec = k.pgdat.lruvec;
    const lrugen = lruvec.lrugen as LruGenFolio;
    const f = k.pgdat.folios;
    let reclaimed = 0;
    for (const priority of [12, 11, 10, 9]) {
      if (priority === 11) expect(young(mm, start + 100)).toBe(true);
      if (priority === 10) expect(young(mm, start + 100)).toBe(false);
      if (priority === 9) for (let vpn = start; vpn < start + 5000; vpn++) mm.pte[vpn] = (mm.pte[vpn] as number) | PTE_ACCESSED;
      const sc = make_scan_control({ nr_to_reclaim: 32, may_writepage: true, may_unmap: true, may_swap: true, priority });
      k.sim.spawn('reclaimer', 0, function* (task: Task): Generator<Yield, void, void> {
        yield* try_to_shrink_lruvec(k, new ReclaimTask(task, 1), lruvec, sc);
      });
      k.sim.run({ events_max: 1_000_000, time_ns_max: 1e12 });
      reclaimed += sc.nr_reclaimed;
    }
    expect([lrugen.max_seq, ...lrugen.min_seq]).toEqual([5, 3, 3]);
    expect(calls).toEqual([64]);
    expect(reclaimed).toBe(0);
    const vm = k.pgdat.vm;
    expect([vm.pgscan_direct, vm.pgsteal_direct, vm.pgactivate, vm.pswpout, k.machine.arch.remote_flush_rounds()]).toEqual([64, 0, 0, 0, 0]);
    expect(Object.values(k.machine.arch.vm_events()).every((n) => n === 0)).toBe(true);
    // max_seq 5: generation 1 holds the kept batch, PG_referenced cleared by the post-loop sort.
    expect(lrugen.list(1, LRU_GEN_ANON).count).toBe(64);
    const kept = mm.pte_val[start + 5] as number;
    expect([folio_lru_gen(f, kept), f.test(kept, PG_referenced)]).toEqual([1, false]);
    expect([young(mm, start + 63), young(mm, start + 64)]).toEqual([false, true]);
  });
});
