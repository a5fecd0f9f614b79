/**
 * What the multi-gen LRU tests share: a small node built with `reclaim.lru` (build_kernel, as
 * run refuses mglru until reclaim dispatches there) with one process's written region, each
 * shrink_folio_list call's nr_scanned recorded; moving folios to max_seq − 1; and running a
 * reclaim body as a task.
 */
import type { Task, Yield } from '../src/engine/simulator.js';
import type { Tracer } from '../src/hw/tracer.js';
import { PG_active } from '../src/mm/folio.js';
import type { MmStruct, Vma } from '../src/mm/mm_struct.js';
import { ReclaimTask, type Kernel } from '../src/reclaim/kernel.js';
import { builtin_strategy } from '../src/reclaim/strategies/index.js';
import { build_kernel, create_mm } from '../src/run/machine_setup.js';
import { parse_scenario } from '../src/scenario/load.js';
import { populate_written } from '../src/workload/populate.js';

export interface LruGenNode {
  k: Kernel;
  mm: MmStruct;
  vma: Vma;
  /** nr_scanned of each shrink_folio_list call. */
  calls: number[];
}

/** A 64 MiB node on zram with the LRU policy `lru` and `pages` written pages of one process on CPU 0; `extra` adds scenario lines; `seed` the run's. */
export function lru_gen_node(pages: number, lru: 'classic' | 'mglru', extra = '', seed?: number): LruGenNode {
  const scenario = parse_scenario(`
machine: { cpus: 2, memory: 64MiB }
swap: { device: zram, size: 64MiB }
workload: { kind: stress }
stress: { workers: 1, bytes: 4KiB }
reclaim: { kswapd_cpu: none, lru: ${lru} }
${extra}`, 'harness.yaml');
  const k = build_kernel(scenario, builtin_strategy('upstream') as NonNullable<ReturnType<typeof builtin_strategy>>, undefined, seed);
  const calls: number[] = [];
  k.machine.tracer = new Proxy({}, {
    get: (_target, name) => (name === 'shrink_folio_list' ? (_cpu: number, _s: number, _e: number, nr_scanned: number) => calls.push(nr_scanned) : () => {}),
  }) as Tracer;
  const mm = create_mm(k, pages, 1);
  const vma = mm.mmap_anon('region', pages);
  k.machine.switch_mm(0, mm.context, 0);
  populate_written(k, 0, mm, vma);
  return { k, mm, vma, calls };
}

/**
 * Faulted folios enter the youngest generation (PG_active from lru_gen_in_fault); cases that
 * start from max_seq − 1 instead, where anon folios added outside a fault go, take each folio,
 * in order, off and put it back without PG_active.
 */
export function to_second_youngest(k: Kernel, mm: MmStruct, start: number, end: number): void {
  for (let vpn = start; vpn < end; vpn++) {
    const pfn = mm.pte_val[vpn] as number;
    k.pgdat.lruvec.lruvec_del_folio(pfn);
    k.pgdat.folios.clear(pfn, PG_active);
    k.pgdat.lruvec.lruvec_add_folio(pfn);
  }
}

/** Runs `body` as a reclaiming task on CPU 1 until the simulation ends; its result. */
export function run_task<T>(k: Kernel, body: (rt: ReclaimTask) => Generator<Yield, T, void>): T {
  let result: T | undefined;
  k.sim.spawn('reclaimer', 0, function* (task: Task) {
    result = yield* body(new ReclaimTask(task, 1));
  });
  k.sim.run({ events_max: 1_000_000, time_ns_max: 1e12 });
  return result as T;
}
