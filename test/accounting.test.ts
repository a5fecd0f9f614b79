/**
 * Properties over random small scenarios: the model's counters agree with its state, and
 * its state is consistent at the end of every run (free + used = total, nothing left
 * isolated or locked, references and swap slots balance).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NIL, PG_locked, PG_lru, PG_swapcache, PG_writeback } from '../src/mm/folio.js';
import { PTE_PRESENT, PTE_SWAP } from '../src/mm/mm_struct.js';
import { SWAP_HAS_CACHE } from '../src/mm/swap.js';
import type { Kernel } from '../src/reclaim/kernel.js';
import { run_scenario } from '../src/run/run_scenario.js';
import { parse_scenario } from '../src/scenario/load.js';

const record = {
  cpus: fc.integer({ min: 1, max: 8 }),
  threads_fraction: fc.double({ min: 0, max: 1, noNaN: true }),
  device: fc.constantFrom('nvme', 'ssd', 'zram'),
  pmds: fc.integer({ min: 1, max: 4 }),
  extra_pages: fc.integer({ min: 0, max: 511 }),
  chunk: fc.constantFrom('whole', '4KiB', '1MiB', '2MiB', '3MiB'),
  mode: fc.constantFrom('dirty', 'clean'),
  process: fc.constantFrom('same', 'separate'),
  access: fc.constantFrom('hot', 'random'),
  lazy: fc.boolean(),
};

/** The same scenarios on large folios: PMD THP, mTHP sizes, and a rotational device that splits them. */
const large_folio_arbitrary = fc
  .record({
    ...record,
    device: fc.constantFrom('nvme', 'ssd', 'hdd', 'zram'),
    chunk: fc.constantFrom('whole', '4KiB', '68KiB', '1MiB', '3MiB'),
    memory: fc.constantFrom('{ thp: always }', '{ mthp: { 64KiB: always } }', '{ thp: always, mthp: { 16KiB: always, 256KiB: always } }'),
    pageout_access: fc.constantFrom('none', 'read', 'write'),
    rotational: fc.boolean(),
  })
  .map((r) => {
    const threads = Math.max(1, Math.floor(r.threads_fraction * (r.cpus - 1)));
    const cpus = Math.max(r.cpus, threads + 1);
    const pages = (r.pmds - 1) * 512 + r.extra_pages + 1;
    return `
machine: { cpus: ${cpus}, memory: 64MiB }
memory: ${r.memory}
swap: { device: ${r.device}, rotational: ${r.rotational} }
workload: { threads: ${threads}, access: ${r.access}, region: ${r.access === 'hot' ? '4KiB' : '1MiB'}, baseline: 100us, pageout_access: ${r.pageout_access} }
pageout: { size: ${pages * 4}KiB, chunk: ${r.chunk}, mode: ${r.mode} }
`;
  });

const scenario_arbitrary = fc
  .record(record)
  .map((r) => {
    const threads = Math.floor(r.threads_fraction * (r.cpus - 1));
    const lazy_cpus = r.lazy && threads + 1 < r.cpus ? [threads + 1] : [];
    const pages = (r.pmds - 1) * 512 + r.extra_pages + 1;
    return `
machine: { cpus: ${r.cpus}, memory: 64MiB }
swap: { device: ${r.device} }
workload: { threads: ${threads}, process: ${r.process}, access: ${r.access}, region: ${r.access === 'hot' ? '4KiB' : '1MiB'}, lazy_cpus: [${lazy_cpus.join(',')}], baseline: 100us }
pageout: { size: ${pages * 4}KiB, chunk: ${r.chunk}, mode: ${r.mode} }
`;
  });

/** Every inconsistency of the final state, as text (an empty list when all holds). */
function state_problems(k: Kernel): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok && problems.length < 20) problems.push(what);
  };
  const f = k.pgdat.folios;
  let used = 0;
  let used_pages = 0;
  let on_lru = 0;
  for (let pfn = 0; pfn < f.nr_pages; pfn++) {
    if (f.refcount[pfn] === 0) {
      check(f.flags[pfn] === 0, `free pfn ${pfn} has flags`);
      continue;
    }
    used++;
    used_pages += f.nr(pfn);
    check(f.folio_head(pfn) === pfn, `tail page ${pfn} holds references`);
    check(!f.test(pfn, PG_locked), `pfn ${pfn} left locked`);
    check(!f.test(pfn, PG_writeback), `pfn ${pfn} left under writeback`);
    if (f.test(pfn, PG_lru)) on_lru++;
    // Mapping references plus the swap cache's; a per-CPU LRU batch may hold one more.
    const base = (f.mapcount[pfn] as number) + (f.test(pfn, PG_swapcache) ? f.nr(pfn) : 0);
    check(f.refcount[pfn] === base || f.refcount[pfn] === base + 1, `pfn ${pfn} refcount ${f.refcount[pfn]} vs ${base}`);
    if (f.test(pfn, PG_swapcache)) check(k.pgdat.swap.swap_cache[f.swap[pfn] as number] === pfn, `pfn ${pfn} swap cache`);
  }
  check(f.nr_free_pages + used_pages === f.nr_pages, `free ${f.nr_free_pages} + used ${used_pages} != ${f.nr_pages}`);
  // Nothing isolated: every used folio is on an LRU list or waiting in a per-CPU batch.
  const listed = k.pgdat.lruvec.nr_listed_folios();
  check(listed === on_lru, `LRU lists hold ${listed}, PG_lru set on ${on_lru}`);
  check(on_lru + k.pgdat.fbatches.nr_batched() >= used, `${used - on_lru} folios neither on an LRU nor batched`);
  // Every PTE of every mm is present on a folio that maps back, or holds a live swap slot.
  for (const mm of k.pgdat.mms) {
    for (const vma of mm.vmas) {
      for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) {
        const pte = mm.pte[vpn] as number;
        const val = mm.pte_val[vpn] as number;
        if ((pte & PTE_PRESENT) !== 0) check(f.rmap_mm[val] === mm.id && f.rmap_vpn[val] === vpn && f.refcount[f.folio_head(val)] !== 0, `vpn ${vpn} rmap`);
        else check((pte & PTE_SWAP) !== 0 && k.pgdat.swap.swap_count(val) > 0, `vpn ${vpn} neither present nor swapped`);
      }
    }
  }
  // Swap slot references equal the swap PTEs; a cached slot has its folio.
  const swap = k.pgdat.swap;
  const swap_ptes = k.pgdat.mms.reduce((n, mm) => n + mm.nr_swap_ents, 0);
  let slot_refs = 0;
  for (let slot = 0; slot < swap.nr_slots; slot++) {
    slot_refs += swap.swap_count(slot);
    if (((swap.swap_map[slot] as number) & SWAP_HAS_CACHE) !== 0) check(swap.swap_cache[slot] !== NIL, `slot ${slot} cached without folio`);
  }
  check(slot_refs === swap_ptes, `slot references ${slot_refs} != swap PTEs ${swap_ptes}`);
  return problems;
}

describe('accounting over random small scenarios', () => {
  it('keeps counters and state consistent', () => {
    fc.assert(
      fc.property(scenario_arbitrary, (yaml) => {
        const scenario = parse_scenario(yaml, 'random.yaml');
        let state: Kernel | undefined;
        const r = run_scenario(scenario, { inspect: (k) => (state = k) });
        expect(state_problems(state as Kernel)).toEqual([]);
        const pages = scenario.pageout.size / 4096;
        const rewrites = scenario.pageout.mode === 'dirty' || scenario.swap.device === 'zram';
        expect(r.vmstat.pswpout).toBe(rewrites ? pages : 0);
        expect(r.vmstat.pgpgout).toBe((r.vmstat.pswpout ?? 0) * 4);
        // Freed in the pass exactly when the folio does not wait for async writeback.
        const freed_in_pass = scenario.swap.device === 'zram' || scenario.pageout.mode === 'clean';
        expect(r.vmstat.pgfree).toBe(freed_in_pass ? pages : 0);
        expect(r.vmstat.sim_nr_reclaimed).toBe(r.vmstat.pgfree);
        // The madvise caller's CPU never counts its own flushes.
        expect(r.interrupts.TLB?.[scenario.pageout.cpu]).toBe(0);
        // Threads of the paged-out process all see the same shootdowns; others none.
        const app = r.tasks.map((t) => r.interrupts.TLB?.[t.cpu]);
        if (scenario.workload.process === 'separate') expect(app.every((n) => n === 0)).toBe(true);
        else expect(new Set(app).size).toBeLessThanOrEqual(1);
      }),
      { numRuns: 60, seed: 20261126 },
    );
  });

  it('keeps counters and state consistent on large folios, and the oracle finds nothing under upstream and batched', () => {
    fc.assert(
      fc.property(large_folio_arbitrary, fc.constantFrom('upstream', 'batched'), (yaml, strategy) => {
        const scenario = parse_scenario(yaml, 'random.yaml');
        let state: Kernel | undefined;
        const r = run_scenario(scenario, { strategy, inspect: (k) => (state = k) });
        expect(state_problems(state as Kernel)).toEqual([]);
        expect(r.oracle.violations).toEqual([]);
        expect(Object.values(r.thp?.mthp ?? {}).some((stats) => (stats.anon_fault_alloc as number) > 0) || scenario.pageout.size < 2 * 1024 * 1024).toBe(true);
        expect(r.vmstat.pgpgout).toBe((r.vmstat.pswpout ?? 0) * 4);
        expect(r.vmstat.sim_nr_reclaimed).toBe(r.vmstat.pgfree);
        expect(r.interrupts.TLB?.[scenario.pageout.cpu]).toBe(0);
      }),
      { numRuns: 60, seed: 20261204 },
    );
  });
});
