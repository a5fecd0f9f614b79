/**
 * The multi-gen LRU walk's pruning and leaves (issue 13, reclaim/lru_gen_walk.ts,
 * reclaim/lru_gen_bloom.ts), small cases derived from 6.12 mm/vmscan.c: lru_gen_use_mm at a
 * switch into a task (kernel/sched/core.c context_switch) decides which mms a non-forced walk
 * visits (get_next_mm); the Bloom filter and the non-leaf PMD accessed bit decide which PTE
 * tables it walks (walk_pmd_range); a PMD-mapped THP is aged as one leaf (walk_pmd_range_locked);
 * a dirty PTE dirties its file folio with the accounting (folio_mark_dirty).
 */
import { describe, expect, it } from 'vitest';
import { Yield, type Task } from '../src/engine/simulator.js';
import { PG_dirty } from '../src/mm/folio.js';
import { folio_lru_gen, LRU_GEN_ANON, LRU_GEN_FILE, MM_LEAF_TOTAL, MM_LEAF_YOUNG, MM_NONLEAF_ADDED, MM_NONLEAF_FOUND, type LruGenFolio } from '../src/mm/lru_gen.js';
import { PTE_ACCESSED, PTE_DIRTY, PTE_PMD, type MmStruct, type Vma } from '../src/mm/mm_struct.js';
import { ReclaimTask, type Kernel } from '../src/reclaim/kernel.js';
import { hash_ptr, test_bloom_filter, update_bloom_filter, reset_bloom_filter } from '../src/reclaim/lru_gen_bloom.js';
import { try_to_inc_max_seq } from '../src/reclaim/lru_gen_walk.js';
import { try_to_inc_min_seq } from '../src/reclaim/lru_gen_aging.js';
import { builtin_strategy } from '../src/reclaim/strategies/index.js';
import { build_kernel, create_mm } from '../src/run/machine_setup.js';
import { parse_scenario } from '../src/scenario/load.js';
import { user_task } from '../src/workload/context_switch.js';
import { create_file, mmap_file, populate_file } from '../src/workload/file_setup.js';
import { populate_written } from '../src/workload/populate.js';
import { lru_gen_node } from './lru_gen_helpers.js';

/** The PTEs of [start, end) of `mm` with the accessed bit set. */
function young(mm: MmStruct, start: number, end: number): number {
  let n = 0;
  for (let vpn = start; vpn < end; vpn++) if (((mm.pte[vpn] as number) & PTE_ACCESSED) !== 0) n++;
  return n;
}

/** A page access as the page walk of fill_tlb makes it: the PTE's and the PMD entry's accessed bits. */
function touch(mm: MmStruct, vpn: number): void {
  mm.pte[vpn] = (mm.pte[vpn] as number) | PTE_ACCESSED;
  mm.pmd_young[vpn >>> 9] = 1;
}

/** Ages the root lruvec from its max_seq (the first time after trimming min_seq, as evict_folios would). */
function age(k: Kernel, force_scan = false): boolean {
  const lruvec = k.pgdat.lruvec;
  const lrugen = lruvec.lrugen as LruGenFolio;
  let result = false;
  k.sim.spawn('ager', k.sim.now_ns, (task) => (function* () {
    try_to_inc_min_seq(lrugen, true);
    result = try_to_inc_max_seq(k, new ReclaimTask(task, 1), lruvec, lrugen.max_seq, true, force_scan);
    yield* [];
  })());
  k.sim.run({ events_max: 1000, time_ns_max: 1e12 });
  return result;
}

describe('lru_gen_use_mm: which mms a walk visits', () => {
  it('a non-forced walk visits the mm whose task slept and ran again since the last walk, and skips the one that did not', () => {
    const { k, mm: a, vma: va } = lru_gen_node(64, 'mglru');
    const b = create_mm(k, 64, 1);
    const vb = b.mmap_anon('b', 64);
    k.machine.switch_mm(1, b.context, 0);
    populate_written(k, 1, b, vb);
    // The first iteration is forced: both mms walked, all 128 accessed bits cleared, bitmaps cleared.
    expect(age(k)).toBe(true);
    expect([young(a, va.start_vpn, va.end_vpn), young(b, vb.start_vpn, vb.end_vpn), a.lru_gen_bitmap, b.lru_gen_bitmap]).toEqual([0, 0, false, false]);
    // Each touches a page; only a's task is switched in again (it sleeps and is woken).
    touch(a, va.start_vpn);
    touch(b, vb.start_vpn);
    let sleeper: Task | null = null;
    k.sim.spawn('a', 0, (task) => {
      sleeper = user_task(task, a);
      a.lru_gen_bitmap = false;
      return (function* () {
        yield Yield.sleep;
      })();
    });
    k.sim.spawn('waker', 10, () => (function* () {
      expect(a.lru_gen_bitmap).toBe(false);
      k.sim.wake(sleeper as unknown as Task, 20);
      yield* [];
    })());
    k.sim.run({ events_max: 100, time_ns_max: 1e9 });
    expect([a.lru_gen_bitmap, b.lru_gen_bitmap]).toEqual([true, false]);
    expect(age(k)).toBe(true);
    expect([young(a, va.start_vpn, va.end_vpn), young(b, vb.start_vpn, vb.end_vpn), a.lru_gen_bitmap]).toEqual([0, 1, false]);
    const lrugen = k.pgdat.lruvec.lrugen as LruGenFolio;
    expect([lrugen.max_seq, lrugen.mm_state.seq]).toEqual([5, 4]);
    // a's page went to max_seq 4 (gen 0) by its gen bits; b's stayed in gen 3.
    expect([folio_lru_gen(k.pgdat.folios, a.pte_val[va.start_vpn] as number), folio_lru_gen(k.pgdat.folios, b.pte_val[vb.start_vpn] as number)]).toEqual([0, 3]);
  });
});

describe('the Bloom filter and the non-leaf PMD accessed bit (walk_pmd_range)', () => {
  it('hash_ptr is hash_64_generic: the top bits of ptr × GOLDEN_RATIO_64; a filter holds what was added, null passes all', () => {
    expect(hash_ptr(1n, 30)).toBe(Number(0x61c8864680b583ebn >> 34n));
    expect(hash_ptr(0n, 30)).toBe(0);
    const st = { seq: 2, head: null, tail: null, filters: [null, null] as [Uint32Array | null, Uint32Array | null], stats: new Float64Array(4) };
    expect(test_bloom_filter(st, 3, 0xffff888012345008n)).toBe(true);
    reset_bloom_filter(st, 3);
    expect([st.filters[0], st.filters[1]?.length]).toEqual([null, 1024]);
    expect(test_bloom_filter(st, 3, 0xffff888012345008n)).toBe(false);
    update_bloom_filter(st, 3, 0xffff888012345008n);
    update_bloom_filter(st, 4, 0xffff888012345010n);
    expect([test_bloom_filter(st, 3, 0xffff888012345008n), test_bloom_filter(st, 5, 0xffff888012345008n), test_bloom_filter(st, 3, 0xffff888012345010n)]).toEqual([true, true, false]);
  });

  it('a second walk skips the PTE table the first found without young entries, and walks the one it found worth it', () => {
    // Two PTE tables: PMD 0 all young at the first walk (512 of 512: added to the filter of
    // seq 4), PMD 1 with no young entry (0 of 512: not suitable, not added).
    const { k, mm, vma } = lru_gen_node(1024, 'mglru');
    const pmd1 = vma.start_vpn + 512;
    for (let vpn = pmd1; vpn < vma.end_vpn; vpn++) mm.pte[vpn] = (mm.pte[vpn] as number) & ~PTE_ACCESSED;
    const st = (k.pgdat.lruvec.lrugen as LruGenFolio).mm_state;
    expect(age(k)).toBe(true);
    // Forced: both tables found, T = 1024 PTEs, Y = 512, one added; the non-leaf bits are left alone.
    expect([...st.stats]).toEqual([1024, 512, 2, 1]);
    expect([mm.pmd_young[vma.start_vpn >>> 9], mm.pmd_young[pmd1 >>> 9]]).toEqual([1, 1]);
    // One page of each table is used again, and the mm was switched in.
    touch(mm, vma.start_vpn);
    touch(mm, pmd1);
    mm.lru_gen_use_mm();
    expect(age(k)).toBe(true);
    // Only PMD 0 walked (T + 512, F + 1); its page cleared, PMD 1's left young; 1 young of 512 is
    // not worth it: nothing added. Both non-leaf bits cleared (walk_pmd_range_locked).
    expect([...st.stats]).toEqual([1536, 513, 3, 1]);
    expect([young(mm, vma.start_vpn, pmd1), young(mm, pmd1, vma.end_vpn)]).toEqual([0, 1]);
    expect([mm.pmd_young[vma.start_vpn >>> 9], mm.pmd_young[pmd1 >>> 9]]).toEqual([0, 0]);
    // A third walk: the filter of seq 5 is empty, and no page walk went through either PMD: nothing found.
    mm.lru_gen_use_mm();
    expect(age(k)).toBe(true);
    expect([...st.stats]).toEqual([1536, 513, 3, 1]);
  });

  it('skips a table in the filter whose PMD no page walk went through since (the non-leaf accessed bit)', () => {
    const { k, mm, vma } = lru_gen_node(512, 'mglru');
    const st = (k.pgdat.lruvec.lrugen as LruGenFolio).mm_state;
    expect(age(k)).toBe(true);
    mm.lru_gen_use_mm();
    // All 512 young again (the filter of seq 4 holds the table): walked, added to seq 5's filter; the bit cleared.
    for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) touch(mm, vpn);
    expect(age(k)).toBe(true);
    expect([...st.stats]).toEqual([1024, 1024, 2, 2]);
    // A PTE made young without a page walk through the PMD (it cannot happen on x86; here, to
    // show the test): the table is in the filter of seq 5, but its PMD is old: skipped.
    mm.pte[vma.start_vpn] = (mm.pte[vma.start_vpn] as number) | PTE_ACCESSED;
    mm.lru_gen_use_mm();
    expect(age(k)).toBe(true);
    expect([...st.stats]).toEqual([1024, 1024, 2, 2]);
    expect(young(mm, vma.start_vpn, vma.end_vpn)).toBe(1);
  });
});

describe('a PMD-mapped THP in the walk (walk_pmd_range_locked)', () => {
  it('a young THP counts as one leaf, goes to max_seq by its gen bits and loses its accessed bit without a flush', () => {
    const { k } = lru_gen_node(64, 'mglru');
    const mm = create_mm(k, 512, 1);
    const vma: Vma = mm.mmap_anon('thp', 512, 1 << 9);
    k.machine.switch_mm(1, mm.context, 0);
    populate_written(k, 1, mm, vma);
    const f = k.pgdat.folios;
    const thp = mm.pte_val[vma.start_vpn] as number;
    expect([f.nr(thp), (mm.pte[vma.start_vpn] as number) & PTE_PMD]).toEqual([512, PTE_PMD]);
    const lrugen = k.pgdat.lruvec.lrugen as LruGenFolio;
    const st = lrugen.mm_state;
    const rounds = k.machine.arch.remote_flush_rounds();
    expect(age(k)).toBe(true);
    // Forced walk: the 64-page mm (64 PTEs, 64 young) and the THP (1 leaf, young).
    expect([...st.stats]).toEqual([65, 65, 1, 1]);
    expect(young(mm, vma.start_vpn, vma.end_vpn)).toBe(0);
    // Touched again (one slot: the PMD is young), switched in: to max_seq 4, gen 0, 512 pages batched in.
    touch(mm, vma.start_vpn + 100);
    mm.lru_gen_use_mm();
    expect(age(k)).toBe(true);
    expect(folio_lru_gen(f, thp)).toBe(0);
    expect([lrugen.gen_pages(0, LRU_GEN_ANON), lrugen.gen_pages(3, LRU_GEN_ANON)]).toEqual([512, 64]);
    // Still on the seq-3 list (sorted at eviction); no accessed bit left; no TLB flush.
    expect(lrugen.folio_list(thp)).toBe(lrugen.list(3, LRU_GEN_ANON));
    expect(young(mm, vma.start_vpn, vma.end_vpn)).toBe(0);
    expect(k.machine.arch.remote_flush_rounds()).toBe(rounds);
    expect([st.stats[MM_LEAF_TOTAL], st.stats[MM_LEAF_YOUNG]]).toEqual([66, 66]);
  });
});

describe('a dirty PTE found by the walk (walk_pte_range: folio_mark_dirty)', () => {
  it('dirties a clean file folio through its mapping: NR_FILE_DIRTY and NR_DIRTIED count it', () => {
    const scenario = parse_scenario(`
machine: { cpus: 2, memory: 64MiB }
swap: { device: zram, size: 64MiB }
workload: { kind: stress }
stress: { workers: 1, bytes: 64KiB, backing: file, mapping: shared }
file: { device: ram, size: 64KiB }
reclaim: { kswapd_cpu: none, lru: mglru }
`, 'harness.yaml');
    const k = build_kernel(scenario, builtin_strategy('upstream') as NonNullable<ReturnType<typeof builtin_strategy>>);
    const mm = create_mm(k, 16, 1);
    const file = create_file(k, 'file', 16);
    const vma = mmap_file(mm, file, 0, 16, true);
    k.machine.switch_mm(0, mm.context, 0);
    populate_file(k, 0, mm, vma, file, false);
    const f = k.pgdat.folios;
    const pfn = mm.pte_val[vma.start_vpn] as number;
    expect([f.test(pfn, PG_dirty), k.pgdat.vm.nr_dirty, k.pgdat.vm.nr_dirtied, folio_lru_gen(f, pfn)]).toEqual([false, 0, 0, 1]);
    // A write through the PTE set its dirty bit (the folio is still clean).
    mm.pte[vma.start_vpn] = (mm.pte[vma.start_vpn] as number) | PTE_DIRTY;
    const lrugen = k.pgdat.lruvec.lrugen as LruGenFolio;
    expect(age(k)).toBe(true);
    expect([f.test(pfn, PG_dirty), k.pgdat.vm.nr_dirty, k.pgdat.vm.nr_dirtied, file.nr_dirty]).toEqual([true, 1, 1, 1]);
    // The other 15 clean; all 16 young went to max_seq 3's generation (they were in seq 1: file folios added outside a fault go to min_seq + 1).
    expect([lrugen.gen_pages(3, LRU_GEN_FILE), lrugen.mm_state.stats[MM_NONLEAF_FOUND], lrugen.mm_state.stats[MM_NONLEAF_ADDED]]).toEqual([16, 1, 1]);
  });
});

describe('walk_pmd_range: a PMD with no PTE table', () => {
  it('is one entry looked at (!pmd_present), not the 512 PTEs of a table that does not exist', () => {
    const { k } = lru_gen_node(64, 'mglru');
    const mm = create_mm(k, 2048, 1);
    const touched = mm.mmap_anon('touched', 64);
    k.machine.switch_mm(1, mm.context, 0);
    populate_written(k, 1, mm, touched);
    // Mapped, never faulted: its PMD points to no PTE table.
    const untouched = mm.mmap_anon('untouched', 512);
    expect([mm.pte_table[touched.start_vpn >>> 9], mm.pte_table[untouched.start_vpn >>> 9]]).toEqual([1, 0]);
    // The first iteration is forced: the helper's 64 pages, these 64, and the untouched PMD's entry.
    expect(age(k)).toBe(true);
    const st = (k.pgdat.lruvec.lrugen as LruGenFolio).mm_state;
    expect([st.stats[MM_LEAF_TOTAL], st.stats[MM_LEAF_YOUNG]]).toEqual([64 + 64 + 1, 128]);
  });
});
