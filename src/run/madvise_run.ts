import type { MmStruct } from '../mm/mm_struct.js';
import { Prng } from '../engine/prng.js';
import { ReclaimTask } from '../reclaim/kernel.js';
import type { ReclaimStrategy } from '../reclaim/strategy.js';
import { app_thread_cpus, file_params, fork_params, kswapd_cpu, race_params, thp_orders, type Scenario } from '../scenario/schema.js';
import { create_file, mmap_file, populate_file } from '../workload/file_setup.js';
import { user_task } from '../workload/context_switch.js';
import { SIM_TIME_MAX_NS } from '../scenario/limits.js';
import { AppThread } from '../workload/app_thread.js';
import { madvise_caller, type PhaseMarks } from '../workload/madvise_caller.js';
import { populate_written } from '../workload/populate.js';
import { forker } from '../workload/fork.js';
import { racer } from '../workload/racer.js';
import { region_accessor } from '../workload/region_accessor.js';
import { create_mm } from './machine_setup.js';
import { irq_row, type PhaseResult, type RunResult, type TaskResult } from './result.js';
import {
  oracle_result,
  reclaim_paths_moved,
  reclaim_result,
  start_run,
  thp_result,
  without_reclaim_path_events,
  type RunOptions,
  type RunState,
} from './run_common.js';
import { delta, rate_per_sec, snapshot, type Snapshot } from './snapshot.js';
import { TimelineSampler } from './timeline.js';
import { wall_ms_since } from './wall_clock.js';

const PAGE_SIZE = 4096;
/** Default ns per operation of an application thread, by access pattern (estimates). */
const DEFAULT_OP_NS = { hot: 2, random: 80 } as const;

/**
 * The MADV_PAGEOUT experiment (workload.kind: madvise): builds the process whose region is
 * paged out and its application threads, populates the memory, runs the madvise caller to
 * the end of the measured pageout's writeback and returns the run record.
 */
export function simulate_madvise(
  scenario: Scenario,
  strategy: ReclaimStrategy,
  seed: number,
  wall_start: bigint,
  options: RunOptions,
  command: string,
  state: RunState,
): RunResult {
  const { k, oracle } = start_run(scenario, strategy, options, state);
  const { machine, sim } = k;
  const w = scenario.workload;
  const pageout_pages = scenario.pageout.size / PAGE_SIZE;
  const region_pages = w.region / PAGE_SIZE;
  const thread_cpus = app_thread_cpus(scenario.pageout.cpu, w.threads);

  // The process whose memory is paged out, and (optionally) a separate one for the threads.
  const same = w.process === 'same';
  const race = race_params(scenario);
  // A racing mremap moves pages to a VMA of their own, mapped last (the others' addresses stay).
  const scratch_pages = race.ops.includes('mremap') ? race.pages : 0;
  const mm = create_mm(k, pageout_pages + (same ? w.threads * region_pages : 0) + scratch_pages, 1 + (same ? w.threads : 0) + (scratch_pages > 0 ? 1 : 0));
  // With backing file, a separate application process maps the file too (the folios are then mapped by two mms).
  const app_maps_file = !same && scenario.pageout.backing === 'file';
  const app_mm: MmStruct = same ? mm : create_mm(k, w.threads * region_pages + (app_maps_file ? pageout_pages : 0), w.threads + (app_maps_file ? 1 : 0));
  // The experiment marks its region MADV_HUGEPAGE, so `madvise` settings apply to it.
  const pageout_orders = thp_orders(scenario, true);
  const backing_file = scenario.pageout.backing === 'file';
  // pageout.backing: file maps a file of file.size from its start (created before the region, so its id is 1).
  const file = backing_file ? create_file(k, 'file', file_params(scenario).size / PAGE_SIZE) : null;
  const pageout_vma = file === null
    ? mm.mmap_anon('pageout', pageout_pages, pageout_orders)
    : mmap_file(mm, file, 0, pageout_pages, scenario.pageout.mapping === 'shared');

  machine.switch_mm(scenario.pageout.cpu, mm.context, 0);
  for (const cpu of w.lazy_cpus) {
    machine.switch_mm(cpu, mm.context, 0);
    machine.enter_lazy_tlb(cpu);
  }
  const threads: AppThread[] = [];
  thread_cpus.forEach((cpu, i) => {
    machine.switch_mm(cpu, app_mm.context, 0);
    const vma = app_mm.mmap_anon(`app/${i + 1}`, region_pages, thp_orders(scenario, false));
    populate_written(k, cpu, app_mm, vma);
    const thread = new AppThread({
      name: `app/${i + 1}`,
      cpu,
      op_ns: w.op_ns ?? DEFAULT_OP_NS[w.access],
      working_set_pages: region_pages,
      tlb_entries: scenario.machine.tlb_entries,
      walk_ns: machine.cost.tlb_miss_walk_ns,
    });
    threads.push(thread);
    machine.listeners[cpu] = thread;
  });
  if (file === null) populate_written(k, scenario.pageout.cpu, mm, pageout_vma, scenario.pageout.zero_pages);
  else populate_file(k, scenario.pageout.cpu, mm, pageout_vma, file, scenario.pageout.mode === 'dirty');
  if (file !== null && app_maps_file) {
    const shared = scenario.pageout.mapping === 'shared';
    const cpu = thread_cpus[0] ?? scenario.pageout.cpu;
    populate_file(k, cpu, app_mm, mmap_file(app_mm, file, 0, pageout_pages, shared), file, false);
  }
  const phases: PhaseResult[] = [];
  const begun = new Map<string, Snapshot>();
  const ops_at_mark = new Map<string, number[]>();
  const marks: PhaseMarks = {
    begin(name, t_ns) {
      begun.set(name, snapshot(k, t_ns));
      ops_at_mark.set(`${name}:begin`, threads.map((t) => t.ops_at(t_ns)));
      ops_at_mark.set(`${name}:begin:irq`, threads.map((t) => t.interrupted_ns));
    },
    end(name, t_ns) {
      const from = begun.get(name) as Snapshot;
      const to = snapshot(k, t_ns);
      ops_at_mark.set(`${name}:end`, threads.map((t) => t.ops_at(t_ns)));
      ops_at_mark.set(`${name}:end:irq`, threads.map((t) => t.interrupted_ns));
      phases.push({ name, start_ns: from.t_ns, end_ns: t_ns, ...delta(from, to) });
    },
  };

  const plan = {
    vma: pageout_vma,
    chunk_pages: scenario.pageout.chunk === 'whole' ? null : scenario.pageout.chunk / PAGE_SIZE,
    // A file region is populated written (dirty) or only read (clean), then paged out once.
    mode: backing_file ? 'dirty' as const : scenario.pageout.mode,
    baseline_ns: w.baseline,
  };
  let experiment_over = false;
  const finish_marks: PhaseMarks = {
    begin: (name, t_ns) => marks.begin(name, t_ns),
    end(name, t_ns) {
      marks.end(name, t_ns);
      if (name === 'writeback') experiment_over = true;
    },
  };
  sim.spawn('madvise', 0, (task) => madvise_caller(k, new ReclaimTask(user_task(task, mm), scenario.pageout.cpu), mm, plan, finish_marks));
  const read_only = new Uint8Array(pageout_pages);
  if (w.pageout_access !== 'none') {
    const mode = w.pageout_access;
    threads.forEach((thread, i) => {
      const access_plan = { vma: pageout_vma, mode, interval_ns: w.pageout_access_interval, read_only, stopped: () => experiment_over };
      sim.spawn(`${thread.params.name}/access`, 0, (task) =>
        region_accessor(k, new ReclaimTask(user_task(task, mm), thread.params.cpu), mm, thread, Prng.stream(seed, 1 + i), access_plan),
      );
    });
  }
  const racing_thread = threads[0];
  if (race.ops.length > 0 && racing_thread !== undefined) {
    const scratch_vpn = scratch_pages > 0 ? mm.mmap_anon('mremap', scratch_pages).start_vpn : null;
    const race_plan = { vma: pageout_vma, ops: race.ops, pages: race.pages, interval_ns: race.interval_ns, read_only, scratch_vpn, stopped: () => experiment_over };
    // Its own stream, after every accessor's.
    const prng = Prng.stream(seed, 1 + threads.length);
    sim.spawn(`${racing_thread.params.name}/race`, 0, (task) => racer(k, new ReclaimTask(user_task(task, mm), racing_thread.params.cpu), mm, racing_thread, prng, race_plan));
  }
  const fork = fork_params(scenario);
  if (fork !== null && racing_thread !== undefined) {
    const child_cpus = app_thread_cpus(scenario.pageout.cpu, w.threads + fork.threads).slice(w.threads);
    // The child's threads run from the fork on: their CPUs load its mm, and they access its copy of the region.
    const forked = (child: MmStruct, at_ns: number) => {
      child_cpus.forEach((cpu, i) => {
        machine.switch_mm(cpu, child.context, at_ns);
        const thread = new AppThread({ name: `child/${i + 1}`, cpu, op_ns: w.op_ns ?? DEFAULT_OP_NS[w.access], working_set_pages: region_pages, tlb_entries: scenario.machine.tlb_entries, walk_ns: machine.cost.tlb_miss_walk_ns });
        machine.listeners[cpu] = thread;
        if (w.pageout_access === 'none') return;
        const access_plan = { vma: pageout_vma, mode: w.pageout_access, interval_ns: w.pageout_access_interval, read_only: new Uint8Array(pageout_pages), stopped: () => experiment_over };
        sim.spawn(`child/${i + 1}/access`, at_ns, (task) =>
          region_accessor(k, new ReclaimTask(user_task(task, child), cpu), child, thread, Prng.stream(seed, 2 + threads.length + i), access_plan),
        );
      });
    };
    sim.spawn(`${racing_thread.params.name}/fork`, 0, (task) => forker(k, new ReclaimTask(user_task(task, mm), racing_thread.params.cpu), mm, fork.at_ns, forked));
  }
  const timeline = options.timeline === true ? new TimelineSampler(sim, machine, threads) : null;
  const pages_touched = pageout_pages * (scenario.pageout.mode === 'clean' && !backing_file ? 3 : 1);
  sim.run({ events_max: 64 * pages_touched + 1_000_000, time_ns_max: SIM_TIME_MAX_NS });

  const phase = (name: string) => phases.find((p) => p.name === name) as PhaseResult;
  // A task may finish ahead of the last event: the run ends at the later of the two.
  const end_ns = Math.max(sim.now_ns, phase('writeback').end_ns);
  oracle?.check_final_state(end_ns);
  options.inspect?.(k);
  const pageout = phase('pageout');
  const writeback = phase('writeback');
  const baseline = phase('baseline');
  const reported = scenario.reclaim !== undefined || reclaim_paths_moved(
    Object.fromEntries(Object.keys(pageout.vmstat).map((key) => [key, (pageout.vmstat[key] as number) + (writeback.vmstat[key] as number)])),
    phases,
  );
  if (!reported) {
    for (const p of phases) p.vmstat = without_reclaim_path_events(p.vmstat);
  }
  const measured = {
    vmstat: Object.fromEntries(
      Object.keys(pageout.vmstat).map((key) => [key, (pageout.vmstat[key] as number) + (writeback.vmstat[key] as number)]),
    ),
    interrupts: Object.fromEntries(
      Object.entries(pageout.interrupts).map(([row, counts]) => [row, counts.map((v, i) => v + (irq_row(writeback.interrupts, row)[i] as number))]),
    ),
  };
  const pageout_ns = pageout.end_ns - pageout.start_ns;
  const baseline_ns = baseline.end_ns - baseline.start_ns;
  const tasks: TaskResult[] = threads.map((thread, i) => {
    const between = (mark: string, suffix = '') =>
      ((ops_at_mark.get(`${mark}:end${suffix}`) as number[])[i] as number) - ((ops_at_mark.get(`${mark}:begin${suffix}`) as number[])[i] as number);
    const ops = between('pageout');
    const baseline_ops = between('baseline');
    const ops_per_sec = rate_per_sec(ops, pageout_ns);
    const baseline_ops_per_sec = rate_per_sec(baseline_ops, baseline_ns);
    return {
      name: thread.params.name,
      cpu: thread.params.cpu,
      ops: Math.round(ops),
      ops_per_sec: Math.round(ops_per_sec),
      baseline_ops: Math.round(baseline_ops),
      baseline_ops_per_sec: Math.round(baseline_ops_per_sec),
      throughput_change_pct: baseline_ops_per_sec > 0 ? Math.round(((ops_per_sec / baseline_ops_per_sec) - 1) * 1e4) / 100 : 0,
      sim_interrupted_ns: Math.round(between('pageout', ':irq')),
    };
  });
  const device = k.swap_io.device;
  return {
    strategy: strategy.name,
    seed,
    scenario,
    sim_time_ns: end_ns,
    wall_ms: Math.round(wall_ms_since(wall_start)),
    vmstat: measured.vmstat,
    interrupts: measured.interrupts,
    tasks,
    phases,
    io: device === null ? { requests: 0, bios: 0, pages_per_request_max: 0 } : { ...device.stats },
    ...(k.file_io === null ? {} : { file_io: k.file_io.device === null ? { requests: 0, bios: 0, pages_per_request_max: 0 } : { ...k.file_io.device.stats } }),
    sim_pageout_ns: pageout_ns,
    ...(reported ? { reclaim: reclaim_result(k, scenario, kswapd_cpu(scenario)) } : {}),
    ...thp_result(k, scenario),
    events: sim.events_processed,
    ...(timeline === null ? {} : { timeline: timeline.result() }),
    oracle: oracle_result(oracle, seed, command, options.coverage === true),
  };
}
