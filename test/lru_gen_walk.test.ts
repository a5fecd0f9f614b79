/**
 * The multi-gen LRU's aging walk (issue 13, reclaim/lru_gen_walk.ts): try_to_inc_max_seq walks
 * an mm on its first, forced iteration and afterwards only when the mm was used since
 * (mm->lru_gen.bitmap); and the memcg-write-24m case against the 6.12 guest's MGLRU figures
 * (test/kernel_check_guest/mglru-expected.json). Derived from 6.12 mm/vmscan.c.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Task } from '../src/engine/simulator.js';
import { folio_lru_gen, LRU_GEN_ANON, type LruGenFolio } from '../src/mm/lru_gen.js';
import { PTE_ACCESSED } from '../src/mm/mm_struct.js';
import { ReclaimTask } from '../src/reclaim/kernel.js';
import { try_to_inc_min_seq } from '../src/reclaim/lru_gen_aging.js';
import { try_to_inc_max_seq } from '../src/reclaim/lru_gen_walk.js';
import { builtin_strategy } from '../src/reclaim/strategies/index.js';
import { build_kernel, create_mm } from '../src/run/machine_setup.js';
import { resolve_strategy } from '../src/run/run_scenario.js';
import { simulate_stress } from '../src/run/stress_run.js';
import { load_scenario, parse_scenario } from '../src/scenario/load.js';
import { populate_written } from '../src/workload/populate.js';

describe('try_to_inc_max_seq: the walk (W1)', () => {
  it('walks the mm on the first iteration (every accessed bit cleared, no folio moved), then only when the mm was used since', () => {
    const scenario = parse_scenario(`
machine: { cpus: 2, memory: 64MiB }
swap: { device: zram, size: 64MiB }
workload: { kind: stress }
stress: { workers: 1, bytes: 4KiB }
reclaim: { kswapd_cpu: none, lru: mglru }
`, 'harness.yaml');
    const k = build_kernel(scenario, builtin_strategy('upstream') as NonNullable<ReturnType<typeof builtin_strategy>>);
    const mm = create_mm(k, 100, 1);
    const vma = mm.mmap_anon('region', 100);
    k.machine.switch_mm(0, mm.context, 0);
    populate_written(k, 0, mm, vma);
    const lrugen = k.pgdat.lruvec.lrugen as LruGenFolio;
    const young = (): number => {
      let n = 0;
      for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) if (((mm.pte[vpn] as number) & PTE_ACCESSED) !== 0) n++;
      return n;
    };
    // Faulted: all 100 in max_seq 3, all young.
    expect([lrugen.list(3, LRU_GEN_ANON).count, young()]).toEqual([100, 100]);
    let results: boolean[] = [];
    k.sim.spawn('ager', 0, function* (task: Task) {
      const rt = new ReclaimTask(task, 1);
      try_to_inc_min_seq(lrugen, true);
      results.push(try_to_inc_max_seq(k, rt, k.pgdat.lruvec, 3, true, false));
      const after_first = young();
      // Touched again, but the mm was not switched in: the second iteration does not walk it.
      mm.pte[vma.start_vpn] = (mm.pte[vma.start_vpn] as number) | PTE_ACCESSED;
      results.push(try_to_inc_max_seq(k, rt, k.pgdat.lruvec, 4, true, false));
      const after_second = young();
      // lru_gen_use_mm: now it is walked; the page moves to max_seq 5 by its gen bits only.
      mm.lru_gen_bitmap = true;
      results.push(try_to_inc_max_seq(k, rt, k.pgdat.lruvec, 5, true, false));
      // An aging from a stale seq does nothing.
      results.push(try_to_inc_max_seq(k, rt, k.pgdat.lruvec, 5, true, false));
      results = [...results, after_first === 0, after_second === 1, young() === 0];
      yield* [];
    });
    k.sim.run({ events_max: 1000, time_ns_max: 1e12 });
    expect(results).toEqual([true, true, true, false, true, true, true]);
    expect([lrugen.max_seq, lrugen.mm_state.seq]).toEqual([6, 5]);
    const first = mm.pte_val[vma.start_vpn] as number;
    // Generation of seq 5 by its bits; still on the seq-3 list (sorted at eviction); sizes batched in.
    expect([folio_lru_gen(k.pgdat.folios, first), lrugen.list(3, LRU_GEN_ANON).count, lrugen.gen_pages(3, LRU_GEN_ANON), lrugen.gen_pages(1, LRU_GEN_ANON)]).toEqual([1, 100, 99, 1]);
  });
});

describe('memcg-write-24m under MGLRU against the 6.12 guest', () => {
  it('reclaims one 64-folio batch per limit reclaim call, 29 calls as the guest, leaving seq 3 and 5', () => {
    const expected = JSON.parse(readFileSync(new URL('./kernel_check_guest/mglru-expected.json', import.meta.url), 'utf8')) as { stable: Record<string, Record<string, number | string>> };
    const guest = expected.stable['threads 0'] as Record<string, number | string>;
    const scenario = load_scenario('memcg-write-24m', ['reclaim.lru=mglru']);
    let gens = '';
    const r = simulate_stress(scenario, resolve_strategy('upstream'), scenario.seed, 0n, {
      inspect: (k) => {
        const g = k.pgdat.lruvecs[1]?.lrugen as LruGenFolio;
        gens = [3, 4, 5].map((seq) => `${seq}:${g.gen_pages(seq % 4, LRU_GEN_ANON)}`).join(' ');
      },
    }, 'test', { oracle: null });
    expect(r.oracle.verdict).toBe('correct');
    const memcg = r.reclaim?.memcg;
    // 29 calls of one batch each, as the guest's: the limit also holds the region's PTE tables
    // (9 at the first reclaim, 12 at the end: GFP_PGTABLE_USER is __GFP_ACCOUNT) and the page
    // its anon_vma's slab objects were charged (the first fault), so the first reclaim finds
    // L = 4352 − 10 = 4342 region pages and ⌈(6144 − 4342 + 3) / 64⌉ = 29 calls are needed.
    expect([r.vmstat.pswpout, memcg?.events.max, memcg?.stat.pgscan_direct, memcg?.stat.pgsteal_direct, memcg?.stat.pgrefill]).toEqual([1856, 29, 1856, 1856, 0]);
    expect([r.vmstat.pswpout, memcg?.events.max]).toEqual([guest.pswpout, guest['memory.events max (limit reclaim calls)']]);
    expect(memcg?.stat.pgrefill).toBe(guest['memcg pgrefill']);
    expect([r.vmstat.pgactivate, r.vmstat.pgscan_direct, r.vmstat.allocstall_normal]).toEqual([guest['memcg pgactivate'], guest['vmstat pgscan_direct'], guest['vmstat allocstall_normal']]);
    expect(memcg?.peak_bytes).toBe(guest['memory.peak, bytes']);
    // 4288 region pages, 12 page tables, the anon_vma's page; the guest's 4307 has six more,
    // charged by its reads (seq_file buffers) after the write.
    expect(memcg?.current_bytes).toBe((4288 + 12 + 1) * 4096);
    // Generations after the write, as the guest's: seq 3 holds L − 1856, seq 5 what was faulted
    // after the first call's agings less the 13 pages still in the per-CPU add batch.
    expect(gens).toBe('3:2486 4:0 5:1789');
    expect(guest['MGLRU generations after the write (seq:anon pages)']).toBe('3:2486 4:0 5:1789');
  });
});
