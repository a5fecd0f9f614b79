/**
 * The built-in memory-pressure scenarios (issue 3): kswapd woken below the low watermark,
 * direct reclaim below the min watermark, memcg limit reclaim in stress-ng workers; the
 * oracle's verdict on every strategy; the stress workload's bogo-ops; the scenario fields.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VMSCAN_DIRECT_RECLAIM_BEGIN, VMSCAN_DIRECT_RECLAIM_END, VMSCAN_MEMCG_RECLAIM_BEGIN, VMSCAN_MEMCG_RECLAIM_END, type Tracer } from '../src/hw/tracer.js';
import { stable_json } from '../src/run/result.js';
import { parse_scenario, ScenarioError } from '../src/scenario/load.js';
import { run_builtin, without_wall } from './helpers.js';

const CLI = resolve(new URL('.', import.meta.url).pathname, '..', 'dist', 'cli', 'main.js');

function codes(result: { oracle: { violations: { code: string; count: number }[] } }): Record<string, number> {
  return Object.fromEntries(result.oracle.violations.map((v) => [v.code, v.count]));
}

/** A tracer that records each shrink_folio_list call's CPU and pages scanned. */
function call_recorder(calls: { cpu: number; nr_scanned: number }[]): Tracer {
  return new Proxy({}, {
    get: (_target, name) => (name === 'shrink_folio_list' ? (cpu: number, _s: number, _e: number, nr_scanned: number) => calls.push({ cpu, nr_scanned }) : () => {}),
  }) as Tracer;
}

describe('kswapd-48m: a process writing more than the machine holds', () => {
  it('wakes kswapd below the low watermark; kswapd isolates at most SWAP_CLUSTER_MAX per shrink_folio_list', () => {
    const calls: { cpu: number; nr_scanned: number }[] = [];
    const r = run_builtin('kswapd-48m', [], { tracer: call_recorder(calls) });
    expect(r.reclaim?.kswapd_cpu).toBe(1);
    expect(r.vmstat.pageoutrun).toBeGreaterThan(0);
    expect(r.vmstat.pgsteal_kswapd).toBeGreaterThan(r.vmstat.pgsteal_direct as number);
    const kswapd_calls = calls.filter((c) => c.cpu === 1);
    expect(kswapd_calls.length).toBeGreaterThan(100);
    expect(Math.max(...kswapd_calls.map((c) => c.nr_scanned))).toBe(32);
    // Every kswapd flush lands on the writer's CPU; kswapd's CPU is lazy and gets none.
    expect(r.interrupts.TLB?.[1]).toBe(0);
    expect(r.interrupts.TLB?.[0]).toBeGreaterThan(0);
    expect(r.oracle.violations).toEqual([]);
  });

  it('has the writer reclaim directly when it outruns kswapd (below the min watermark)', () => {
    const r = run_builtin('kswapd-48m');
    expect(r.vmstat.allocstall_normal).toBeGreaterThan(0);
    expect(r.vmstat.pgscan_direct).toBeGreaterThan(0);
    expect(r.tasks.map((t) => [t.name, t.cpu, t.ops, t.baseline_ops])).toEqual([['vm/1', 0, 1, 1]]);
  });
});

describe('direct-reclaim: no kswapd, two writers', () => {
  it('reclaims only in the allocating tasks, and on zram pgsteal equals the pages freed', () => {
    const r = run_builtin('direct-reclaim');
    const vm = r.vmstat;
    expect(r.reclaim?.kswapd_cpu).toBeNull();
    expect([vm.pgscan_kswapd, vm.pgsteal_kswapd, vm.pageoutrun]).toEqual([0, 0, 0]);
    expect(vm.allocstall_normal).toBeGreaterThan(0);
    // Each try_to_free_pages reclaims at least SWAP_CLUSTER_MAX here (there is always enough to take).
    expect(vm.pgsteal_direct).toBeGreaterThanOrEqual(32 * (vm.allocstall_normal as number));
    expect(vm.pgsteal_direct).toBe(vm.pgsteal_anon);
    expect(vm.pgsteal_direct).toBe(vm.pgfree);
    expect(vm.pgsteal_direct).toBe(vm.sim_nr_reclaimed);
    expect(vm.pgscan_direct).toBe(vm.pgscan_anon);
    // Each writer's reclaim unmaps the other's pages: both CPUs take shootdowns.
    expect(r.interrupts.TLB?.[0]).toBeGreaterThan(0);
    expect(r.interrupts.TLB?.[1]).toBeGreaterThan(0);
    expect(r.oracle.violations).toEqual([]);
  });
});

describe('stress-memcg: stress-ng --vm 4 --vm-bytes 16M --vm-keep in a 32 MiB cgroup', () => {
  it('reclaims in the workers on their own CPUs, from the cgroup, and reports bogo-ops per worker', () => {
    const calls: { cpu: number; nr_scanned: number }[] = [];
    const r = run_builtin('stress-memcg', [], { tracer: call_recorder(calls) });
    const memcg = r.reclaim?.memcg;
    expect(memcg?.max_bytes).toBe(32 * 1024 * 1024);
    expect(memcg?.peak_bytes).toBe(32 * 1024 * 1024);
    expect(memcg?.events.max).toBeGreaterThan(0);
    expect(memcg?.events.oom_kill).toBe(0);
    // Memcg reclaim counts PGSCAN/PGSTEAL in the cgroup only, PGSCAN_ANON/PGSTEAL_ANON globally.
    expect([r.vmstat.pgscan_direct, r.vmstat.pgscan_kswapd, r.vmstat.allocstall_normal]).toEqual([0, 0, 0]);
    expect(memcg?.stat.pgscan_direct).toBe(r.vmstat.pgscan_anon);
    expect(memcg?.stat.pgsteal_direct).toBe(r.vmstat.pgsteal_anon);
    expect(r.vmstat.pgsteal_anon).toBe(r.vmstat.pgfree);
    // Reclaim ran on the workers' CPUs 0-3, never on kswapd's (4), at most 32 folios a call.
    expect(new Set(calls.map((c) => c.cpu))).toEqual(new Set([0, 1, 2, 3]));
    expect(Math.max(...calls.map((c) => c.nr_scanned))).toBeLessThanOrEqual(32);
    // Cross-CPU shootdowns: every worker CPU receives them, kswapd's CPU none.
    expect(r.interrupts.TLB?.slice(0, 4).every((n) => n > 1000)).toBe(true);
    expect(r.interrupts.TLB?.[4]).toBe(0);
    expect(r.tasks.map((t) => [t.name, t.cpu, t.ops, t.baseline_ops, t.oom_killed])).toEqual([
      ['vm/1', 0, 2, 1, false], ['vm/2', 1, 2, 1, false], ['vm/3', 2, 2, 1, false], ['vm/4', 3, 2, 1, false],
    ]);
    for (const t of r.tasks) {
      expect(t.ops_per_sec).toBeGreaterThan(0);
      expect(t.baseline_ops_per_sec).toBeGreaterThan(t.ops_per_sec);
    }
    expect(r.phases.map((p) => p.name)).toEqual(['first-pass', 'stress']);
  });

  it('gives byte-identical results for a seed, and other start times for another seed', () => {
    const a = stable_json(without_wall(run_builtin('stress-memcg', ['stress.passes=1'])));
    const b = stable_json(without_wall(run_builtin('stress-memcg', ['stress.passes=1'])));
    expect(a).toBe(b);
    const c = stable_json(without_wall(run_builtin('stress-memcg', ['stress.passes=1'], { seed: 2 })));
    expect(c).not.toBe(a);
  });

  it('runs the same with a timeline sampler and a tracer attached, which see every worker', () => {
    const plain = run_builtin('stress-memcg', ['stress.passes=2']);
    const observed = run_builtin('stress-memcg', ['stress.passes=2'], { timeline: true, tracer: call_recorder([]) });
    expect(observed.vmstat).toEqual(plain.vmstat);
    expect(observed.interrupts).toEqual(plain.interrupts);
    expect(observed.tasks).toEqual(plain.tasks);
    expect(observed.timeline?.ops.length).toBe(4);
    expect(observed.timeline?.ops[0]?.at(-1)).toBe(2);
  });

  it('runs for a duration instead of a number of passes', () => {
    const r = run_builtin('stress-memcg', ['stress.duration=30ms']);
    expect(r.sim_time_ns).toBe(30_000_000);
    expect(r.tasks.every((t) => t.baseline_ops === 1)).toBe(true);
  });
});

describe('the oracle on the new reclaim paths', () => {
  const cases: [string, string[]][] = [
    ['stress-memcg', []],
    ['kswapd-48m', []],
    ['kswapd-48m', ['swap.device=zram']],
    ['direct-reclaim', []],
  ];
  for (const strategy of ['upstream', 'zhang-v4', 'batched']) {
    it(`finds no violation for ${strategy}`, () => {
      for (const [name, sets] of cases) expect(run_builtin(name, sets, { strategy }).oracle.violations, `${name} ${sets.join(' ')}`).toEqual([]);
    });
  }

  it('finds the seed-v1 leak under memcg reclaim with zram: nothing reclaimed is freed or uncharged, and the cgroup OOM-kills every worker', () => {
    const r = run_builtin('stress-memcg', [], { strategy: 'seed-v1' });
    const found = codes(r);
    expect(found.LEAKED_FOLIO).toBeGreaterThan(0);
    expect(found.MEMCG_CHARGE_LEAK).toBe(1);
    expect(found.NR_RECLAIMED_MISMATCH).toBeGreaterThan(0);
    expect(found.FREE_PAGES_MISMATCH).toBe(1);
    // The only pages freed are the four allocated for the faults whose charge failed.
    expect(r.vmstat.pgfree).toBe(4);
    expect(r.reclaim?.memcg?.events.oom_kill).toBe(4);
    expect(r.vmstat.oom_kill).toBe(4);
    expect(r.tasks.every((t) => t.oom_killed === true)).toBe(true);
  });

  it('finds the seed-v1 leak under kswapd reclaim with zram', () => {
    // One pass over 7992 of the 8192 pages leaves 200 free: below the low watermark (226),
    // above the min (181), so kswapd alone reclaims. kswapd never balances the node:
    // every page it reclaims is leaked, until nothing is left on the LRU.
    const sets = ['swap.device=zram', 'stress.bytes=31968KiB', 'stress.passes=1'];
    const r = run_builtin('kswapd-48m', sets, { strategy: 'seed-v1' });
    expect(codes(r)).toMatchObject({ LEAKED_FOLIO: 7966, FREE_PAGES_MISMATCH: 1 });
    expect([r.vmstat.pgsteal_kswapd, r.vmstat.pgsteal_direct, r.vmstat.pgfree]).toEqual([7966, 0, 0]);
    expect(r.reclaim?.nr_free_pages).toBe(200);
    // Upstream takes 108 pages: free 308 > the high watermark (271).
    const up = run_builtin('kswapd-48m', sets);
    expect(up.oracle.violations).toEqual([]);
    expect([up.vmstat.pgsteal_kswapd, up.vmstat.pgfree, up.reclaim?.nr_free_pages]).toEqual([108, 108, 308]);
  });

  it('finds the seed-v1 and seed-v2 leaks under direct reclaim: the node runs out of memory and the OOM killer takes the writers', () => {
    for (const strategy of ['seed-v1', 'seed-v2']) {
      const r = run_builtin('direct-reclaim', [], { strategy });
      expect(codes(r).LEAKED_FOLIO, strategy).toBeGreaterThan(0);
      expect(r.vmstat.oom_kill, strategy).toBe(r.tasks.length);
      expect(r.tasks.every((t) => t.oom_killed === true)).toBe(true);
    }
    const up = run_builtin('direct-reclaim', []);
    expect([up.vmstat.oom_kill, up.oracle.violations]).toEqual([0, []]);
  });
});

describe('scenario fields for memory pressure', () => {
  const issues = (yaml: string): string[] => {
    try {
      parse_scenario(yaml, 'p.yaml');
      return [];
    } catch (error) {
      return (error as ScenarioError).issues.map((i) => `${i.path}: ${i.message}`);
    }
  };

  it('rejects a memcg or stress section without the stress workload, and kswapd on a busy CPU', () => {
    expect(issues('memcg: { max: 32MiB }\n')).toEqual(['memcg: needs workload.kind: stress (only the stress workers run in a cgroup)']);
    expect(issues('stress: { workers: 2 }\n')).toEqual(['stress: needs workload.kind: stress']);
    expect(issues('workload: { kind: stress }\nmachine: { cpus: 4 }\nreclaim: { kswapd_cpu: 2 }\n')[0]).toMatch(/^reclaim.kswapd_cpu: must be a CPU below 4 that no workload thread uses/);
    expect(issues('workload: { kind: stress }\nmachine: { cpus: 2 }\n')).toEqual(['stress.workers: at most machine.cpus (2): one CPU each']);
    expect(issues('workload: { kind: stress }\nstress: { workers: 1 }\nmemcg: { max: 2GiB }\n')).toEqual(['memcg.max: must be below machine.memory (1073741824 bytes)']);
  });

  it('keeps every new field optional: an old scenario resolves to the same object', () => {
    const s = parse_scenario('pageout: { size: 2MiB }\n', 'old.yaml');
    expect(Object.keys(s).sort()).toEqual(['description', 'machine', 'name', 'pageout', 'seed', 'swap', 'workload']);
    expect('kind' in s.workload).toBe(false);
  });
});

describe('reclaimsim compare on stress-memcg (built dist/)', () => {
  it('runs every strategy side by side', () => {
    const r = spawnSync(process.execPath, [CLI, 'compare', 'stress-memcg', '--strategies', 'upstream,seed-v1,seed-v2,zhang-v4,batched'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/seed-v1/);
    expect(r.stdout).toMatch(/oom_kill/);
    expect(r.stdout).toMatch(/vm\/1/);
  });
});

describe('reclaim stall time (sim_direct_reclaim_ns, sim_memcg_reclaim_ns)', () => {
  /** Sums, per kind, the time from each reclaim-begin trace event to the end event on the same CPU. */
  function traced_stalls(): { tracer: Tracer; sums: { direct: number; memcg: number } } {
    const sums = { direct: 0, memcg: 0 };
    const begun = new Map<number, number>();
    const vmscan = (cpu: number, t_ns: number, event: number) => {
      if (event === VMSCAN_DIRECT_RECLAIM_BEGIN || event === VMSCAN_MEMCG_RECLAIM_BEGIN) begun.set(cpu, t_ns);
      if (event === VMSCAN_DIRECT_RECLAIM_END) sums.direct += t_ns - (begun.get(cpu) as number);
      if (event === VMSCAN_MEMCG_RECLAIM_END) sums.memcg += t_ns - (begun.get(cpu) as number);
    };
    return { tracer: new Proxy({}, { get: (_t, name) => (name === 'vmscan' ? vmscan : () => {}) }) as Tracer, sums };
  }

  it('sums the duration of every try_to_free_pages and try_to_free_mem_cgroup_pages call, as their trace events span', () => {
    const d = traced_stalls();
    const direct = run_builtin('direct-reclaim', [], { tracer: d.tracer });
    expect(direct.vmstat.allocstall_normal).toBe(512);
    expect(direct.vmstat.sim_direct_reclaim_ns).toBe(216_895_050);
    expect(direct.vmstat.sim_direct_reclaim_ns).toBe(d.sums.direct);
    expect(direct.vmstat.sim_memcg_reclaim_ns).toBe(0);
    // Two allocating workers: their summed stalls fit in twice the run.
    expect(direct.vmstat.sim_direct_reclaim_ns).toBeLessThan(2 * direct.sim_pageout_ns);
    expect(direct.vmstat.sim_direct_reclaim_ns).toBeGreaterThan(direct.sim_pageout_ns / 2);
    const m = traced_stalls();
    const memcg = run_builtin('stress-memcg', [], { tracer: m.tracer });
    expect(memcg.vmstat.sim_memcg_reclaim_ns).toBeGreaterThan(0);
    expect(memcg.vmstat.sim_memcg_reclaim_ns).toBe(m.sums.memcg);
    expect(memcg.vmstat.sim_direct_reclaim_ns).toBe(0);
  });

  it('stays out of a MADV_PAGEOUT run that has no memory pressure', () => {
    const r = run_builtin('dirty-16m');
    expect(r.vmstat.sim_direct_reclaim_ns).toBeUndefined();
    expect(r.vmstat.sim_memcg_reclaim_ns).toBeUndefined();
  });
});
