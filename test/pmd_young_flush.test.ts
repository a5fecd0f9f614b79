/**
 * folio_referenced_one's check of a PMD-mapped THP (6.12 mm/rmap.c; kernel-spec B9): under the
 * classic LRU and the multi-gen LRU alike it is pmdp_clear_flush_young, which clears a young
 * PMD and flushes its 2 MiB at once. On x86 (arch/x86/mm/pgtable.c) that is flush_tlb_range —
 * PAGE_SHIFT stride for a non-hugetlb VMA, freed_tables set (asm/tlbflush.h) — 512 pages over
 * tlb_single_page_flush_ceiling, so a full flush of the mm: one remote round, one IPI to each
 * other CPU of mm_cpumask. An old PMD is not flushed. On arm64 (mm/pgtable-generic.c) it is
 * flush_pmd_tlb_range: one TLBI of PMD stride and its DSB.
 *
 * The node: 3 CPUs, one PMD-mapped THP of a process running on CPUs 0 and 2, the reclaimer on
 * CPU 1, swap on zram (the THP is swapped whole). Reclaiming it costs, young or not, two remote
 * rounds: split_huge_pmd's (TTU_SPLIT_HUGE_PMD) and try_to_unmap_flush's of the 512 PTEs.
 */
import { describe, expect, it } from 'vitest';
import type { Task, Yield } from '../src/engine/simulator.js';
import type { Arm64Tlb } from '../src/hw/arm64/tlb.js';
import { HPAGE_PMD_ORDER } from '../src/mm/folio.js';
import { PTE_ACCESSED, PTRS_PER_PTE, type MmStruct } from '../src/mm/mm_struct.js';
import { ReclaimTask, type Kernel } from '../src/reclaim/kernel.js';
import { try_to_shrink_lruvec } from '../src/reclaim/lru_gen_shrink.js';
import { folio_pmd_mapped } from '../src/reclaim/rmap.js';
import { make_scan_control } from '../src/reclaim/scan_control.js';
import { try_to_free_pages } from '../src/reclaim/shrink_node.js';
import { builtin_strategy } from '../src/reclaim/strategies/index.js';
import { build_kernel, create_mm } from '../src/run/machine_setup.js';
import { parse_scenario } from '../src/scenario/load.js';
import { populate_written } from '../src/workload/populate.js';

interface ThpNode {
  k: Kernel;
  mm: MmStruct;
  pfn: number;
  haddr: number;
}

/** The node above under `lru` on `arch`, the PMD old (accessed bits cleared after the fault). */
function thp_node(lru: 'classic' | 'mglru', arch = 'x86'): ThpNode {
  const scenario = parse_scenario(`
machine: { cpus: 3, memory: 64MiB, arch: ${arch} }
swap: { device: zram, size: 64MiB }
workload: { kind: stress }
stress: { workers: 1, bytes: 4KiB }
reclaim: { kswapd_cpu: none, lru: ${lru} }
`, 'pmd-young.yaml');
  const k = build_kernel(scenario, builtin_strategy('upstream') as NonNullable<ReturnType<typeof builtin_strategy>>);
  const mm = create_mm(k, PTRS_PER_PTE, 1);
  const vma = mm.mmap_anon('thp', PTRS_PER_PTE, 1 << HPAGE_PMD_ORDER);
  k.machine.switch_mm(0, mm.context, 0);
  k.machine.switch_mm(2, mm.context, 0);
  populate_written(k, 0, mm, vma);
  const haddr = vma.start_vpn;
  const pfn = mm.pte_val[haddr] as number;
  expect(folio_pmd_mapped(k, pfn)).toBe(true);
  for (let vpn = haddr; vpn < haddr + PTRS_PER_PTE; vpn++) mm.pte[vpn] = (mm.pte[vpn] as number) & ~PTE_ACCESSED;
  return { k, mm, pfn, haddr };
}

/** The hardware sets the PMD's accessed bit (the model's PMD: its first slot). */
function touch(n: ThpNode): void {
  n.mm.pte[n.haddr] = (n.mm.pte[n.haddr] as number) | PTE_ACCESSED;
}

/** Its accessed bit cleared (what an aging walk or an earlier check leaves). */
function age(n: ThpNode): void {
  n.mm.pte[n.haddr] = (n.mm.pte[n.haddr] as number) & ~PTE_ACCESSED;
}

/** Runs `body` as the reclaimer on CPU 1 until the simulation ends. */
function on_cpu1(k: Kernel, body: (rt: ReclaimTask) => Generator<Yield, void, void>): void {
  k.sim.spawn('reclaimer', 0, function* (task: Task) {
    yield* body(new ReclaimTask(task, 1));
  });
  k.sim.run({ events_max: 1_000_000, time_ns_max: 1e12 });
}

/** nr_tlb_remote_flush, and the TLB interrupts of CPUs 0, 1, 2. */
function flushes(k: Kernel): [number, number[]] {
  return [k.machine.arch.remote_flush_rounds(), [...k.machine.arch.shootdowns_received]];
}

describe('pmdp_clear_flush_young in reclaim of a PMD-mapped THP, x86', () => {
  it('classic, direct reclaim: a young PMD is flushed when checked (one more round, an IPI to CPUs 0 and 2), then the THP is reclaimed on the next check', () => {
    const results = [false, true].map((young) => {
      const n = thp_node('classic');
      if (young) touch(n);
      let reclaimed = 0;
      on_cpu1(n.k, function* (rt) {
        reclaimed = yield* try_to_free_pages(n.k, rt);
      });
      return { reclaimed, flushes: flushes(n.k), ipi_wait_ns: n.k.pgdat.vm.sim_ipi_wait_ns, thp: n.k.pgdat.thp };
    });
    const [old, young] = results as [(typeof results)[0], (typeof results)[0]];
    expect(old.flushes).toEqual([2, [2, 0, 2]]);
    expect(young.flushes).toEqual([3, [3, 0, 3]]);
    expect([old.reclaimed, young.reclaimed]).toEqual([512, 512]);
    expect([young.thp.thp_split_pmd, young.thp.thp_swpout]).toEqual([1, 1]);
    // The young check's round is waited for by the reclaimer, like the other two.
    expect(young.ipi_wait_ns).toBeGreaterThan(old.ipi_wait_ns);
  });

  it('mglru: each eviction that finds the PMD young flushes once and keeps the THP; an old PMD is evicted with no such flush', () => {
    // Faulted into max_seq 3; priorities 12 … 7 trim and age (the aging walk clears a young
    // PMD without a flush, walk_pmd_range_locked); 6 is the first to evict.
    for (const young of [true, false]) {
      const n = thp_node('mglru');
      let reclaimed = 0;
      for (let priority = 12; priority >= 6; priority--) {
        if (young || priority > 6) touch(n);
        else age(n);
        const before = n.k.machine.arch.remote_flush_rounds();
        const sc = make_scan_control({ nr_to_reclaim: 32, may_writepage: true, may_unmap: true, may_swap: true, priority });
        on_cpu1(n.k, function* (rt) {
          yield* try_to_shrink_lruvec(n.k, rt, n.k.pgdat.lruvec, sc);
        });
        reclaimed += sc.nr_reclaimed;
        if (priority > 6) expect([priority, n.k.machine.arch.remote_flush_rounds() - before]).toEqual([priority, 0]);
      }
      if (young) {
        expect(flushes(n.k)).toEqual([1, [1, 0, 1]]);
        expect([reclaimed, folio_pmd_mapped(n.k, n.pfn), (n.mm.pte[n.haddr] as number) & PTE_ACCESSED]).toEqual([0, true, 0]);
      } else {
        expect(flushes(n.k)).toEqual([2, [2, 0, 2]]);
        expect(reclaimed).toBe(512);
      }
    }
  });

  it('mglru, direct reclaim: the aging walk finds the PMD young first and clears it without a flush, so eviction does not flush', () => {
    const n = thp_node('mglru');
    touch(n);
    let reclaimed = 0;
    on_cpu1(n.k, function* (rt) {
      reclaimed = yield* try_to_free_pages(n.k, rt);
    });
    expect(reclaimed).toBe(512);
    expect(flushes(n.k)).toEqual([2, [2, 0, 2]]);
  });
});

describe('pmdp_clear_flush_young, arm64', () => {
  it('a young PMD costs one PMD-stride TLBI and its DSB (flush_pmd_tlb_range), an old one none', () => {
    const events = [false, true].map((young) => {
      const n = thp_node('classic', 'arm64');
      if (young) touch(n);
      on_cpu1(n.k, function* (rt) {
        yield* try_to_free_pages(n.k, rt);
      });
      const e = (n.k.machine.arch as Arm64Tlb).events;
      return [e.sim_flush_broadcast, e.sim_flush_broadcast_sync];
    });
    const [old, young] = events as [number[], number[]];
    expect([(young[0] as number) - (old[0] as number), (young[1] as number) - (old[1] as number)]).toEqual([1, 1]);
  });
});
