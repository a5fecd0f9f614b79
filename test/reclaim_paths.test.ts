/**
 * Reclaim beyond MADV_PAGEOUT (issue 3), exact counts on small cases, derived by hand from the
 * kernel's rules (kernel-spec E1-E8, mm/vmscan.c, mm/page_alloc.c, mm/memcontrol.c):
 * watermarks, direct reclaim, kswapd's balance_pgdat, memcg limit reclaim with SCAN_FRACT and
 * lru_note_cost, active list aging. A harness builds a node, maps a process's pages on CPU 0
 * (written, then left alone: PTE accessed bits clear) and runs one reclaim entry point in a
 * task on CPU 1.
 */
import { describe, expect, it } from 'vitest';
import type { Task, Yield } from '../src/engine/simulator.js';
import { calculate_min_free_kbytes, int_sqrt, Zone } from '../src/mm/zone.js';
import { NIL, PG_active, PG_workingset } from '../src/mm/folio.js';
import { LRU_ACTIVE_ANON, LRU_INACTIVE_ANON } from '../src/mm/lru.js';
import { PTE_ACCESSED, type MmStruct } from '../src/mm/mm_struct.js';
import type { MemCgroup } from '../src/mm/memcontrol.js';
import { ReclaimTask, type Kernel } from '../src/reclaim/kernel.js';
import { balance_pgdat } from '../src/reclaim/kswapd.js';
import { make_scan_control } from '../src/reclaim/scan_control.js';
import { kswapd_age_node, try_to_free_mem_cgroup_pages, try_to_free_pages } from '../src/reclaim/shrink_node.js';
import { builtin_strategy } from '../src/reclaim/strategies/index.js';
import { build_kernel, create_mm } from '../src/run/machine_setup.js';
import { Oracle } from '../src/oracle/oracle.js';
import { parse_scenario } from '../src/scenario/load.js';
import type { Tracer } from '../src/hw/tracer.js';
import { populate_written } from '../src/workload/populate.js';
import { run_builtin } from './helpers.js';

const PAGE_SIZE = 4096;

interface Harness {
  k: Kernel;
  mm: MmStruct;
  oracle: Oracle;
  /** nr_scanned of each shrink_folio_list call, in order. */
  calls: number[];
}

/**
 * A node of `memory` with `pages` pages of one process mapped (written, accessed bits cleared:
 * old pages reclaim meets for the first time), the process running on CPU 0. With `memcg`, a
 * cgroup of that size holds them (charged, on its own lruvec). The oracle watches.
 */
function harness(options: { memory: string; pages: number; strategy?: string; memcg?: string; device?: string; active?: boolean }): Harness {
  const yaml = `
machine: { cpus: 2, memory: ${options.memory} }
swap: { device: ${options.device ?? 'zram'}, size: 512MiB }
workload: { kind: stress }
stress: { workers: 1, bytes: 4KiB }
${options.memcg === undefined ? '' : `memcg: { max: ${options.memcg} }`}
reclaim: { kswapd_cpu: none }
`;
  const scenario = parse_scenario(yaml, 'harness.yaml');
  const k = build_kernel(scenario, builtin_strategy(options.strategy ?? 'upstream') as NonNullable<ReturnType<typeof builtin_strategy>>);
  const oracle = new Oracle(k, k.sim, k.machine);
  oracle.install();
  const calls: number[] = [];
  k.machine.tracer = new Proxy({}, {
    get: (_target, name) => (name === 'shrink_folio_list' ? (_cpu: number, _s: number, _e: number, nr_scanned: number) => calls.push(nr_scanned) : () => {}),
  }) as Tracer;
  const mm = create_mm(k, options.pages, 1);
  const vma = mm.mmap_anon('region', options.pages);
  k.machine.switch_mm(0, mm.context, 0);
  populate_written(k, 0, mm, vma);
  for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) mm.pte[vpn] = (mm.pte[vpn] as number) & ~PTE_ACCESSED;
  const f = k.pgdat.folios;
  const root = k.pgdat.lruvecs[0];
  if (root === undefined) throw new Error('no root lruvec');
  if (options.memcg !== undefined) {
    // Move every folio to the cgroup's lruvec, in the same order, and charge it.
    const child = k.pgdat.lruvecs[1];
    const memcg = k.pgdat.memcgs[1] as MemCgroup;
    if (child === undefined) throw new Error('no memcg lruvec');
    for (let pfn = root.lru_head(LRU_INACTIVE_ANON); pfn !== NIL; pfn = root.lru_head(LRU_INACTIVE_ANON)) {
      root.lruvec_del_folio(pfn);
      f.memcg[pfn] = 1;
      child.lruvec_add_folio_tail(pfn);
    }
    expect(memcg.page_counter_try_charge(options.pages)).toBe(true);
  }
  if (options.active === true) {
    for (const lruvec of k.pgdat.lruvecs) {
      for (let pfn = lruvec.lru_head(LRU_INACTIVE_ANON); pfn !== NIL; pfn = lruvec.lru_head(LRU_INACTIVE_ANON)) {
        lruvec.lruvec_del_folio(pfn);
        f.set(pfn, PG_active);
        lruvec.lruvec_add_folio_tail(pfn);
      }
    }
  }
  return { k, mm, oracle, calls };
}

/** Runs `body` as a task on CPU 1 to the end of the simulation; returns its result. */
function run_task<T>(h: Harness, body: (rt: ReclaimTask) => Generator<Yield, T, void>, kswapd = false): T {
  let result: T | undefined;
  h.k.sim.spawn('reclaimer', 0, function* (task: Task) {
    const rt = new ReclaimTask(task, 1);
    rt.is_kswapd = kswapd;
    if (kswapd) h.k.machine.enter_lazy_tlb(1);
    result = yield* body(rt);
  });
  h.k.sim.run({ events_max: 10_000_000, time_ns_max: 1e12 });
  h.oracle.check_final_state(h.k.sim.now_ns);
  expect(h.oracle.result()).toEqual([]);
  return result as T;
}

describe('watermarks (__setup_per_zone_wmarks, calculate_min_free_kbytes)', () => {
  it('computes min_free_kbytes = sqrt(16 x lowmem KiB) as the kernel comment tabulates', () => {
    // The comment's 8192 MB row says 11584; int_sqrt(134217728) is 11585 (11585^2 = 134212225).
    const table: [number, number][] = [[16, 512], [32, 724], [64, 1024], [128, 1448], [256, 2048], [512, 2896], [1024, 4096], [2048, 5792], [4096, 8192], [8192, 11585], [16384, 16384]];
    for (const [mib, kbytes] of table) expect(calculate_min_free_kbytes((mib * 1024 * 1024) / PAGE_SIZE), `${mib} MiB`).toBe(kbytes);
    // Clamped to [128 KiB, 256 MiB].
    expect(calculate_min_free_kbytes(256)).toBe(128);
    expect(calculate_min_free_kbytes(2 ** 32)).toBe(262_144);
    expect(int_sqrt(2_621_440)).toBe(1619);
  });

  it('sets min, low and high for one zone: low and high each add max(min/4, managed x scale / 10000)', () => {
    // 1 GiB: min 4096 KiB = 1024 pages; max(256, 262144 x 10 / 10000 = 262) = 262.
    const gib = new Zone(262_144, undefined, 10);
    expect([gib.min_wmark_pages(), gib.low_wmark_pages(), gib.high_wmark_pages()]).toEqual([1024, 1286, 1548]);
    // 64 MiB: min 256 pages; max(64, 16) = 64.
    const small = new Zone(16_384, undefined, 10);
    expect([small.min_wmark_pages(), small.low_wmark_pages(), small.high_wmark_pages()]).toEqual([256, 320, 384]);
    // 24 GiB: sqrt(25165824 x 16) = 20066 KiB = 5016 pages; max(1254, 6291) = 6291.
    const big = new Zone(6_291_456, undefined, 10);
    expect([big.min_wmark_pages(), big.low_wmark_pages(), big.high_wmark_pages()]).toEqual([5016, 11307, 17598]);
  });

  it('takes a scenario override of min_free_kbytes and watermark_scale_factor, and reports them', () => {
    const r = run_builtin('stress-memcg', ['machine.memory=1GiB', 'reclaim.min_free_kbytes=8192', 'reclaim.watermark_scale_factor=100', 'stress.passes=1', 'stress.bytes=64KiB']);
    // min 2048 pages; max(512, 262144 x 100 / 10000 = 2621) = 2621.
    expect(r.reclaim).toMatchObject({ min_free_kbytes: 8192, watermark_scale_factor: 100, watermark_min: 2048, watermark_low: 4669, watermark_high: 7290, kswapd_cpu: 4 });
  });
});

describe('direct reclaim (try_to_free_pages: nr_to_reclaim 32, priority 12 down)', () => {
  // 160 MiB = 40960 pages, 40900 mapped: 60 free, below the high watermark (606), so the page
  // cache (none) is tiny and get_scan_count scans anon only: size >> priority. Priority 12
  // scans 40900 >> 12 = 9, priority 11 scans 40891 >> 11 = 19 (28 reclaimed), priority 10's
  // target is 40872 >> 10 = 39, but shrink_lruvec stops after its first SWAP_CLUSTER_MAX
  // batch: 32 reclaimed in that pass. 60 >= 32: done.
  const setup = (strategy: string) => harness({ memory: '160MiB', pages: 40_900, strategy });

  it('reclaims 9 + 19 + 32 = 60 pages in three shrink_folio_list calls and counts them as direct reclaim', () => {
    const h = setup('upstream');
    const reclaimed = run_task(h, (rt) => try_to_free_pages(h.k, rt));
    expect(reclaimed).toBe(60);
    expect(h.calls).toEqual([9, 19, 32]);
    const vm = h.k.pgdat.vm;
    expect([vm.pgscan_direct, vm.pgsteal_direct, vm.pgscan_anon, vm.pgsteal_anon]).toEqual([60, 60, 60, 60]);
    expect([vm.pgscan_kswapd, vm.pgsteal_kswapd, vm.allocstall_normal]).toEqual([0, 0, 1]);
    // zram: every reclaimed page is freed in the pass (pgsteal equals the pages freed).
    expect(vm.pgfree).toBe(60);
    expect(h.k.pgdat.folios.nr_free_pages).toBe(60 + 60);
  });

  it('sends the process CPU one flush per dirty folio (upstream), one per call (batched), one per 31 (zhang-v4)', () => {
    const tlb = (strategy: string) => {
      const h = setup(strategy);
      run_task(h, (rt) => try_to_free_pages(h.k, rt));
      return Array.from(h.k.machine.arch.shootdowns_received);
    };
    expect(tlb('upstream')).toEqual([60, 0]);
    expect(tlb('batched')).toEqual([3, 0]);
    // 9 -> 1, 19 -> 1, 32 -> a full batch of 31 plus the last one.
    expect(tlb('zhang-v4')).toEqual([4, 0]);
  });
});

describe('kswapd (balance_pgdat: priorities 12..1 towards the high watermark)', () => {
  // Same node: high watermark 606, 60 free. kswapd_shrink_node aims at max(606, 32) pages per
  // priority; the targets 9, 19, 39, 79, 159 and 317 are scanned in full (never 606 reclaimed
  // in one pass), so the priority rises each time; after priority 7 free pages are 60 + 622 =
  // 682 > 606 and the node is balanced.
  it('reclaims 622 pages in 22 calls of at most SWAP_CLUSTER_MAX, counted as kswapd', () => {
    const h = harness({ memory: '160MiB', pages: 40_900 });
    run_task(h, (rt) => balance_pgdat(h.k, rt), true);
    const vm = h.k.pgdat.vm;
    expect([vm.pageoutrun, vm.pgscan_kswapd, vm.pgsteal_kswapd, vm.pgscan_direct, vm.allocstall_normal]).toEqual([1, 622, 622, 0, 0]);
    expect(h.calls).toEqual([9, 19, 32, 7, 32, 32, 15, 32, 32, 32, 32, 31, ...Array<number>(9).fill(32), 29]);
    expect(Math.max(...h.calls)).toBe(32);
    expect(h.k.pgdat.folios.nr_free_pages).toBe(682);
    expect(h.k.pgdat.kswapd_failures).toBe(0);
  });

  it('flushes only the process CPU: kswapd\'s own CPU is lazy (upstream 622 rounds, batched 22)', () => {
    for (const [strategy, rounds] of [['upstream', 622], ['batched', 22]] as const) {
      const h = harness({ memory: '160MiB', pages: 40_900, strategy });
      run_task(h, (rt) => balance_pgdat(h.k, rt), true);
      expect(Array.from(h.k.machine.arch.shootdowns_received), strategy).toEqual([rounds, 0]);
    }
  });

  it('ages every cgroup\'s active anon list by SWAP_CLUSTER_MAX when the inactive list is low', () => {
    const h = harness({ memory: '64MiB', pages: 1000, memcg: '8MiB', active: true });
    run_task(h, (rt) => kswapd_age_node(h.k, rt, make_scan_control({ may_unmap: true, priority: 12 })), true);
    const vm = h.k.pgdat.vm;
    // The root's lruvec is empty, the cgroup's holds the 1000 active folios: 32 are deactivated.
    expect([vm.pgrefill, vm.pgdeactivate]).toEqual([32, 32]);
    const lruvec = h.k.pgdat.lruvecs[1];
    expect([lruvec?.lru_size(LRU_INACTIVE_ANON), lruvec?.lru_size(LRU_ACTIVE_ANON)]).toEqual([32, 968]);
    const head = lruvec?.lru_head(LRU_INACTIVE_ANON) as number;
    expect(h.k.pgdat.folios.test(head, PG_workingset) && !h.k.pgdat.folios.test(head, PG_active)).toBe(true);
    expect((h.k.pgdat.memcgs[1] as MemCgroup).stat).toMatchObject({ pgrefill: 32, pgdeactivate: 32 });
  });
});

describe('memcg limit reclaim (try_to_free_mem_cgroup_pages over the cgroup\'s lruvec)', () => {
  // 256 pages in a 1 MiB cgroup. nr_to_reclaim = max(1, 32). Cgroup reclaim balances anon
  // against file by swappiness and recent cost (SCAN_FRACT): with no cost yet anon gets
  // 60 / (60 + 140) of size >> priority, nothing until priority 6 (4 x 0.3 = 1). Each
  // reclaimed page costs SWAP_CLUSTER_MAX (lru_note_cost), halved when the costs pass a
  // quarter of the list: priority 5 scans 7 x 89/500 = 1, 4: 15 x 89/500 = 2, 3: 31 x 89/503
  // = 5, 2: 61 x 89/506 = 10, 1: 118 x 89/507 = 20, and 1+1+2+5+10+20 = 39 >= 32.
  it('reclaims 39 pages in calls of 1, 1, 2, 5, 10, 20, counted in the cgroup only', () => {
    const h = harness({ memory: '64MiB', pages: 256, memcg: '1MiB' });
    const memcg = h.k.pgdat.memcgs[1] as MemCgroup;
    const reclaimed = run_task(h, (rt) => try_to_free_mem_cgroup_pages(h.k, rt, 1, 1));
    expect(reclaimed).toBe(39);
    expect(h.calls).toEqual([1, 1, 2, 5, 10, 20]);
    expect(memcg.stat).toMatchObject({ pgscan_direct: 39, pgsteal_direct: 39, pgscan_kswapd: 0 });
    const vm = h.k.pgdat.vm;
    // Global PGSCAN/PGSTEAL_DIRECT and ALLOCSTALL count global reclaim only; PGSCAN_ANON counts all.
    expect([vm.pgscan_direct, vm.pgsteal_direct, vm.allocstall_normal, vm.pgscan_anon, vm.pgsteal_anon]).toEqual([0, 0, 0, 39, 39]);
    // Uncharged as they were freed (mem_cgroup_uncharge_folios in the free batch).
    expect(memcg.usage).toBe(256 - 39);
    // 212 + 20 x 32 = 852, above a quarter of the 217 pages left: halved.
    expect(h.k.pgdat.lruvecs[1]?.anon_cost).toBe(426);
  });

  it('charges from the CPU stock in batches of MEMCG_CHARGE_BATCH (64) without reclaim while it fits', () => {
    // 254 pages, their PTE table and the anon_vma's slab page: 256 pages, exactly memory.max.
    const r = run_builtin('stress-memcg', ['stress.workers=1', 'stress.bytes=1016KiB', 'stress.passes=1', 'memcg.max=1MiB']);
    expect(r.reclaim?.memcg).toMatchObject({ max_bytes: 1024 * 1024, current_bytes: 1024 * 1024, peak_bytes: 1024 * 1024, events: { max: 0, oom: 0, oom_kill: 0 } });
    expect(r.vmstat.pgscan_anon).toBe(0);
  });

  it('reclaims from the cgroup when a charge does not fit, and the charge then fits', () => {
    const r = run_builtin('stress-memcg', ['stress.workers=1', 'stress.bytes=1028KiB', 'stress.passes=1', 'memcg.max=1MiB']);
    const memcg = r.reclaim?.memcg;
    expect(memcg?.events).toEqual({ max: 1, oom: 0, oom_kill: 0 });
    expect(memcg?.stat.pgsteal_direct).toBeGreaterThan(0);
    expect(memcg?.peak_bytes).toBe(1024 * 1024);
    expect(r.vmstat.pgscan_direct).toBe(0);
    expect(r.oracle.violations).toEqual([]);
  });
});
