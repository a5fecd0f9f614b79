import { Prng } from '../engine/prng.js';
import type { TaskBody } from '../engine/simulator.js';
import { ReclaimTask, type Kernel } from '../reclaim/kernel.js';
import type { ReclaimStrategy } from '../reclaim/strategy.js';
import { file_params, kswapd_cpu, stress_params, stress_worker_cpus, stress_worker_maps_file, thp_orders, type Scenario } from '../scenario/schema.js';
import { create_file, mmap_file } from '../workload/file_setup.js';
import { user_task } from '../workload/context_switch.js';
import type { FileMapping } from '../mm/file_mapping.js';
import { SIM_TIME_MAX_NS } from '../scenario/limits.js';
import { stress_vm_worker, StressWorkerStats, type StressWorkerPlan } from '../workload/stress_vm.js';
import type { MmStruct, Vma } from '../mm/mm_struct.js';
import { create_mm } from './machine_setup.js';
import type { PhaseResult, RunResult, TaskResult } from './result.js';
import { oracle_result, reclaim_result, start_run, thp_result, type RunOptions, type RunState } from './run_common.js';
import { delta, rate_per_sec, snapshot, type Snapshot } from './snapshot.js';
import { TimelineSampler } from './timeline.js';
import { wall_ms_since } from './wall_clock.js';

const PAGE_SIZE = 4096;
/** The cgroup the workers run in when the scenario has one (the first below the root). */
const STRESS_MEMCG_ID = 1;

/** Where the stress run's phases begin and end: the first passes, and the run's end. */
class StressMarks {
  readonly start: Snapshot;
  first_pass: Snapshot | null = null;
  end_ns = 0;
  private first_passes_left: number;
  private running: number;

  constructor(
    private readonly k: Kernel,
    workers: number,
  ) {
    this.start = snapshot(k, 0);
    this.first_passes_left = workers;
    this.running = workers;
  }

  /** A worker finished its first pass, or stopped before it. */
  first_pass_done(t_ns: number): void {
    if (--this.first_passes_left === 0) this.first_pass = snapshot(this.k, t_ns);
  }

  /** A worker stopped; when the last one does, the experiment is over and kswapd may end. */
  worker_done(t_ns: number): void {
    if (t_ns > this.end_ns) this.end_ns = t_ns;
    if (--this.running === 0) this.k.kswapd?.stop();
  }
}

/** A worker's task: the stress loop, then the phase marks. */
function* run_worker(k: Kernel, rt: ReclaimTask, mm: MmStruct, plan: StressWorkerPlan, stats: StressWorkerStats, marks: StressMarks): TaskBody {
  yield* stress_vm_worker(k, rt, mm, plan, stats, () => marks.first_pass_done(rt.task.now_ns));
  if (stats.passes === 0) marks.first_pass_done(rt.task.now_ns);
  marks.worker_done(stats.end_ns);
}

/** A worker's result: its first pass is the baseline, the passes after it are measured. */
function task_result(stats: StressWorkerStats): TaskResult {
  const first_done = stats.first_pass_end_ns >= 0;
  const baseline_ops = first_done ? 1 : 0;
  const baseline_ns = first_done ? stats.first_pass_end_ns : 0;
  const ops = stats.passes - baseline_ops;
  const window_ns = first_done ? stats.end_ns - stats.first_pass_end_ns : 0;
  const ops_per_sec = rate_per_sec(ops, window_ns);
  const baseline_ops_per_sec = rate_per_sec(baseline_ops, baseline_ns);
  return {
    name: stats.name,
    cpu: stats.cpu,
    ops,
    ops_per_sec: Math.round(ops_per_sec),
    baseline_ops,
    baseline_ops_per_sec: Math.round(baseline_ops_per_sec),
    throughput_change_pct: stats.oom_killed
      ? null
      : baseline_ops_per_sec > 0 && ops > 0 ? Math.round(((ops_per_sec / baseline_ops_per_sec) - 1) * 1e4) / 100 : 0,
    sim_interrupted_ns: Math.round(stats.interrupted_ns - (first_done ? stats.first_pass_interrupted_ns : 0)),
    oom_killed: stats.oom_killed,
  };
}

/**
 * The stress-ng --vm experiment (workload.kind: stress; lkml-review 1.4): N single-threaded
 * worker processes, each pinned to its CPU (0 .. N-1) and, with a memcg, in that cgroup, keep
 * writing their own regions page by page. Reclaim happens where memory runs short: in the
 * workers' own faults (memcg limit reclaim, direct reclaim) and in kswapd. Counters cover the
 * whole run (and the writeback still in flight when it ends); each worker reports its
 * bogo-ops (passes) after its first pass, which is its baseline. Workers start at seeded
 * random times within stress.start_spread.
 */
export function simulate_stress(
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
  const stress = stress_params(scenario);
  const pages = stress.bytes / PAGE_SIZE;
  const memcg_id = scenario.memcg === undefined ? 0 : STRESS_MEMCG_ID;
  const marks = new StressMarks(k, stress.workers);
  const workers: StressWorkerStats[] = [];
  const one_file = scenario.stress?.files === 'one';
  const file_pages = file_params(scenario).size / PAGE_SIZE;
  let shared_file: FileMapping | null = null;
  for (const cpu of stress_worker_cpus(stress.workers)) {
    const name = `vm/${cpu + 1}`;
    const mm = create_mm(k, pages, 1);
    mm.memcg_id = memcg_id;
    let vma: Vma;
    let rw_file: FileMapping | null = null;
    const maps_file = stress_worker_maps_file(scenario, cpu);
    if (maps_file) {
      const file = one_file ? (shared_file ??= create_file(k, 'file', file_pages)) : create_file(k, `file/${cpu + 1}`, file_pages);
      if (scenario.stress?.io === 'syscall') {
        // read()/write() through the page cache: the region is only a page count (never touched).
        rw_file = file;
        vma = mm.mmap_anon(name, pages, 0);
      } else {
        vma = mmap_file(mm, file, 0, pages, scenario.stress?.mapping === 'shared');
      }
    } else {
      // stress-ng --vm does not madvise its region: only `always` sizes apply.
      vma = mm.mmap_anon(name, pages, thp_orders(scenario, false));
    }
    const plan: StressWorkerPlan = { vma, passes_max: stress.passes, end_ns: stress.duration_ns, write: !maps_file || scenario.stress?.access !== 'read', file: rw_file };
    machine.switch_mm(cpu, mm.context, 0);
    const stats = new StressWorkerStats(name, cpu, pages);
    machine.listeners[cpu] = stats;
    workers.push(stats);
    const start_ns = stress.start_spread_ns > 0 ? Prng.stream(seed, 1 + cpu).range_inclusive(0, stress.start_spread_ns) : 0;
    sim.spawn(name, start_ns, (task) => run_worker(k, new ReclaimTask(user_task(task, mm), cpu), mm, plan, stats, marks));
  }
  const timeline = options.timeline === true ? new TimelineSampler(sim, machine, workers) : null;
  const passes_bound = Number.isFinite(stress.passes)
    ? stress.passes
    : Math.ceil(stress.duration_ns / (pages * machine.cost.stress_vm_page_ns)) + 1;
  sim.run({ events_max: 256 * stress.workers * pages * passes_bound + 1_000_000, time_ns_max: SIM_TIME_MAX_NS });

  const end_ns = marks.end_ns;
  oracle?.check_final_state(end_ns);
  options.inspect?.(k);
  const last = snapshot(k, end_ns);
  const first_pass = marks.first_pass ?? last;
  const phases: PhaseResult[] = [
    { name: 'first-pass', start_ns: 0, end_ns: first_pass.t_ns, ...delta(marks.start, first_pass) },
    { name: 'stress', start_ns: first_pass.t_ns, end_ns, ...delta(first_pass, last) },
  ];
  const measured = delta(marks.start, last);
  const device = k.swap_io.device;
  return {
    strategy: strategy.name,
    seed,
    scenario,
    sim_time_ns: end_ns,
    wall_ms: Math.round(wall_ms_since(wall_start)),
    vmstat: measured.vmstat,
    interrupts: measured.interrupts,
    tasks: workers.map(task_result),
    phases,
    io: device === null ? { requests: 0, bios: 0, pages_per_request_max: 0 } : { ...device.stats },
    ...(k.file_io === null ? {} : { file_io: k.file_io.device === null ? { requests: 0, bios: 0, pages_per_request_max: 0 } : { ...k.file_io.device.stats } }),
    sim_pageout_ns: end_ns,
    reclaim: reclaim_result(k, scenario, kswapd_cpu(scenario)),
    ...thp_result(k, scenario),
    events: sim.events_processed,
    ...(timeline === null ? {} : { timeline: timeline.result() }),
    oracle: oracle_result(oracle, seed, command, options.coverage === true),
  };
}
