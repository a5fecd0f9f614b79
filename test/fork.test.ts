/**
 * fork with copy-on-write racing reclaim (issue 15): the child shares the region, writes copy
 * pages (do_wp_page), the rmap walks both processes. The correct model is clean; a CoW that
 * skips the flush of the old PTE and a fork that skips the parent's flush are caught.
 */
import { describe, expect, it } from 'vitest';
import type { Task } from '../src/engine/simulator.js';
import { FolioList, PG_anon_shared } from '../src/mm/folio.js';
import { PTE_ACCESSED, type MmStruct } from '../src/mm/mm_struct.js';
import { Oracle } from '../src/oracle/oracle.js';
import { ReclaimTask, type Kernel } from '../src/reclaim/kernel.js';
import { builtin_strategy } from '../src/reclaim/strategies/index.js';
import { reclaim_pages } from '../src/reclaim/vmscan.js';
import { build_kernel, create_mm } from '../src/run/machine_setup.js';
import { parse_scenario, ScenarioError } from '../src/scenario/load.js';
import { dup_mmap } from '../src/workload/fork.js';
import { populate_written } from '../src/workload/populate.js';
import { swarm_scenario } from '../src/oracle/swarm.js';
import { run_scenario } from '../src/run/run_scenario.js';
import { run_builtin, without_wall } from './helpers.js';

function fork(at: string, child_threads: number, access = 'mixed'): string[] {
  return ['machine.cpus=6', 'workload.threads=2', `workload.fork_at=${at}`, `workload.fork_threads=${child_threads}`, `workload.pageout_access=${access}`, 'workload.pageout_access_interval=2us'];
}

function codes(result: { oracle: { violations: { code: string; count: number }[] } }): string[] {
  return result.oracle.violations.map((v) => v.code);
}

function issues_of(text: string): string[] {
  try {
    parse_scenario(text, 'fork.yaml');
  } catch (error) {
    if (error instanceof ScenarioError) return error.message.split('\n');
    throw error;
  }
  return [];
}

describe('fork: scenario fields', () => {
  it('are validated with the field and what is allowed', () => {
    expect(issues_of('workload: { process: separate, fork_at: 0 }\n')).toContainEqual(expect.stringMatching(/workload\.fork_at: needs workload\.process: same and workload\.threads >= 1/));
    expect(issues_of('machine: { cpus: 4 }\nworkload: { threads: 2, fork_at: 0, fork_threads: 2 }\n')).toContainEqual(expect.stringMatching(/workload\.fork_threads: at most machine\.cpus - 1 - workload\.threads \(1\)/));
    expect(issues_of('memory: { thp: always }\nworkload: { fork_at: 10us }\n')).toContainEqual(expect.stringMatching(/workload\.fork_at: fork is modelled on order-0 folios only/));
    expect(issues_of('machine: { cpus: 4 }\nworkload: { threads: 1, fork_at: 0, lazy_cpus: [2] }\n')).toContainEqual(expect.stringMatching(/workload\.lazy_cpus\.0: must be an idle CPU/));
    // A stress run has no racing thread nor fork: refused, not ignored.
    expect(issues_of('workload: { kind: stress, fork_at: 0 }\n')).toContainEqual(expect.stringMatching(/workload\.fork_at: applies to workload\.kind: madvise only/));
    expect(issues_of('workload: { kind: stress, race_ops: [munmap] }\n')).toContainEqual(expect.stringMatching(/workload\.race_ops: applies to workload\.kind: madvise only/));
    expect(issues_of('workload: { fork_at: 10us }\n')).toEqual([]);
  });
});

describe('fork with copy-on-write', () => {
  it('MADV_PAGEOUT of a 16-page region the child shares pages nothing out (madvise_cold_or_pageout_pte_range skips a folio whose mapcount is not its page count)', () => {
    let k: Kernel | undefined;
    const r = run_builtin('dirty-16m', ['machine.cpus=4', 'pageout.size=64KiB', 'workload.threads=1', 'workload.fork_at=0us', 'workload.fork_threads=1'], { inspect: (state) => (k = state) });
    expect(r.oracle.violations).toEqual([]);
    expect(r.vmstat.pswpout).toBe(0);
    expect(r.vmstat.pgpgout ?? 0).toBe(0);
    const kernel = k as Kernel;
    const [parent, child] = kernel.pgdat.mms;
    const vma = parent?.vmas[0];
    expect(child?.nr_anon_pages).toBeGreaterThanOrEqual(16);
    for (let vpn = vma?.start_vpn ?? 0; vpn < (vma?.end_vpn ?? 0); vpn++) {
      const pfn = parent?.pte_val[vpn] as number;
      expect(child?.pte_val[vpn]).toBe(pfn);
      // Both map it write-protected: mapcount 2, one reference each.
      expect(kernel.pgdat.folios.mapcount[pfn]).toBe(2);
      expect(kernel.pgdat.folios.refcount[pfn]).toBe(2);
      expect(kernel.pgdat.folios.test(pfn, PG_anon_shared)).toBe(true);
    }
  });

  it('beside accessors of both processes mixing reads and writes: no finding for either strategy, before or during the pageout', () => {
    for (const strategy of ['upstream', 'batched']) {
      for (const at of ['0us', '3ms']) {
        const r = run_builtin('clean-16m', fork(at, 2), { strategy, coverage: true });
        expect(r.oracle.violations, `${strategy} ${at}`).toEqual([]);
        expect(r.vmstat.pswpout, `${strategy} ${at}`).toBeGreaterThan(1000);
      }
    }
  });

  it('let the child see a parent write made through a translation reclaim cleared before the fork, until the fork\'s flush (swarm seeds 4411, 91977, batched)', () => {
    for (const seed of [4411, 91977]) {
      const scenario = swarm_scenario(seed);
      expect(scenario.workload.fork_at).toBeDefined();
      expect(run_scenario(scenario, { strategy: 'batched' }).oracle.violations, `${seed}`).toEqual([]);
    }
  });

  it('are deterministic beside a racing mremap: one seed, byte-identical results', () => {
    const sets = [...fork('20us', 1), 'workload.race_ops=[mremap,dontneed]', 'workload.race_interval=10us', 'workload.race_pages=16'];
    const a = run_builtin('clean-16m', sets, { coverage: true });
    expect(a.oracle.violations).toEqual([]);
    expect(a.oracle.coverage?.ptes_moved).toBeGreaterThan(0);
    expect(a.oracle.coverage?.cow_copies).toBeGreaterThan(0);
    expect(JSON.stringify(without_wall(run_builtin('clean-16m', sets, { coverage: true })))).toBe(JSON.stringify(without_wall(a)));
  });

  it('catch a copy-on-write that clears the old PTE without flushing it: a CPU reads the shared page after the copy was written', () => {
    for (const strategy of ['upstream', 'batched']) {
      const r = run_builtin('clean-16m', fork('0us', 2), { strategy, mutants: ['cow_skips_flush'] });
      expect(codes(r), strategy).toContain('STALE_READ');
    }
  });

  it('catch a fork that write-protects the parent without flushing its TLBs: the child reads a write made after the fork', () => {
    // At 800 us, during the pageout. With IPIs as events a CPU that takes a flush late finds its
    // TLB more than one generation behind and flushes it all (flush_tlb_func, C6): the parent's
    // stale writable entries then live shorter, and a fork at 0 us no longer meets a write.
    for (const strategy of ['upstream', 'batched']) {
      const r = run_builtin('dirty-16m', fork('800us', 2), { strategy, mutants: ['fork_skips_flush'] });
      expect(run_builtin('dirty-16m', fork('800us', 2), { strategy }).oracle.violations, strategy).toEqual([]);
      expect(codes(r), strategy).toEqual(['LOST_WRITE']);
    }
  });
});

/**
 * A folio both processes map, reclaimed through reclaim_pages as DAMON's physical-address
 * pageout does (it, unlike MADV_PAGEOUT, does not skip shared folios): try_to_unmap's rmap
 * walk visits the parent and the child; each mm's PTE is cleared with its flush deferred
 * (both are loaded on other CPUs), so the batch's cpumask is both processes' CPUs.
 */
function shared_reclaim(strategy: string): { k: Kernel; parent: MmStruct; child: MmStruct; nr_reclaimed: number; slots: number[]; rounds: number; ipis: number[] } {
  const yaml = 'machine: { cpus: 6, memory: 64MiB }\nswap: { device: zram, size: 16MiB }\nworkload: { kind: stress }\nstress: { workers: 1, bytes: 4KiB }\nreclaim: { kswapd_cpu: none }\n';
  const k = build_kernel(parse_scenario(yaml, 'fork.yaml'), builtin_strategy(strategy) as NonNullable<ReturnType<typeof builtin_strategy>>);
  const oracle = new Oracle(k, k.sim, k.machine);
  oracle.install();
  const parent = create_mm(k, 16, 1);
  const vma = parent.mmap_anon('region', 16);
  for (const cpu of [1, 2]) k.machine.switch_mm(cpu, parent.context, 0);
  populate_written(k, 1, parent, vma);
  let child: MmStruct | undefined;
  let nr_reclaimed = 0;
  const slots: number[] = [];
  k.sim.spawn('parent', 0, function* (task: Task) {
    child = yield* dup_mmap(k, new ReclaimTask(task, 1), parent);
  });
  k.sim.run({ events_max: 1_000_000, time_ns_max: 1e12 });
  const c = child as MmStruct;
  for (const cpu of [3, 4]) k.machine.switch_mm(cpu, c.context, k.sim.now_ns);
  // Old pages: nothing referenced them since.
  for (const mm of [parent, c]) for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) mm.pte[vpn] = (mm.pte[vpn] as number) & ~PTE_ACCESSED;
  const before = { rounds: k.machine.arch.remote_flush_rounds(), ipis: [...(k.machine.arch.interrupt_rows.TLB as Float64Array)] };
  k.sim.spawn('damon', k.sim.now_ns, function* (task: Task) {
    const rt = new ReclaimTask(task, 0);
    const list = new FolioList(k.pgdat.folios);
    for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) {
      const pfn = parent.pte_val[vpn] as number;
      expect(k.pgdat.fbatches.folio_isolate_lru(pfn)).toBe(true);
      list.add_tail(pfn);
    }
    nr_reclaimed = yield* reclaim_pages(k, rt, list);
  });
  k.sim.run({ events_max: 1_000_000, time_ns_max: 1e12 });
  oracle.check_final_state(k.sim.now_ns);
  expect(oracle.result()).toEqual([]);
  for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) slots.push(parent.pte_val[vpn] as number);
  const ipis = (k.machine.arch.interrupt_rows.TLB as Float64Array).map((n, cpu) => n - (before.ipis[cpu] as number));
  return { k, parent, child: c, nr_reclaimed, slots, rounds: k.machine.arch.remote_flush_rounds() - before.rounds, ipis: [...ipis] };
}

describe('reclaim of folios both processes map (rmap_walk_anon over the anon_vma)', () => {
  it('upstream: each of 16 dirty folios costs one flush round of 4 IPIs, to the CPUs of both processes; every slot is referenced by both', () => {
    const { k, parent, child, nr_reclaimed, slots, rounds, ipis } = shared_reclaim('upstream');
    expect(nr_reclaimed).toBe(16);
    expect(k.pgdat.vm.pswpout).toBe(16);
    // try_to_unmap_flush_dirty per dirty folio: the batch holds both mms' CPUs 1, 2 and 3, 4.
    expect(rounds).toBe(16);
    expect(ipis).toEqual([0, 16, 16, 16, 16, 0]);
    // One pending deferred flush per PTE cleared, in each mm.
    expect(parent.tlb_flush_batched_pending).toBe(16);
    expect(child.tlb_flush_batched_pending).toBe(16);
    for (const slot of slots) expect(k.pgdat.swap.swap_count(slot)).toBe(2);
    expect([parent.nr_swap_ents, child.nr_swap_ents, parent.nr_anon_pages, child.nr_anon_pages]).toEqual([16, 16, 0, 0]);
  });

  it('batched: one round of 4 IPIs for all 16', () => {
    const { nr_reclaimed, rounds, ipis } = shared_reclaim('batched');
    expect(nr_reclaimed).toBe(16);
    expect(rounds).toBe(1);
    expect(ipis).toEqual([0, 1, 1, 1, 1, 0]);
  });
});
