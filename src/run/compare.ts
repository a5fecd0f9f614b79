import type { Scenario } from '../scenario/schema.js';
import { irq_row, type RunResult } from './result.js';
import type { ReclaimStrategy } from '../reclaim/strategy.js';
import { resolve_strategy, run_scenario } from './run_scenario.js';

/** One figure of a comparison: its value per run, and mean/spread per strategy. */
export interface ComparedFigure {
  name: string;
  /** Per strategy, in the order compared: mean, sample standard deviation, change of the mean against the first strategy in percent (null where that mean is 0). */
  by_strategy: { strategy: string; mean: number; stddev: number; change_pct: number | null }[];
}

export interface Comparison {
  strategies: string[];
  seeds: number[];
  runs: RunResult[];
  figures: ComparedFigure[];
}

/** The figures compared for a run: its counters, interrupt totals and per-thread throughput. */
function figures_of(run: RunResult): Map<string, number> {
  const out = new Map<string, number>();
  // The interrupt rows the machine's architecture counts (x86: TLB and CAL; arm64: none).
  if (run.interrupts.TLB !== undefined) {
    out.set('TLB shootdowns (all CPUs)', irq_row(run.interrupts, 'TLB').reduce((a, b) => a + b, 0));
    out.set('TLB shootdowns (max CPU)', Math.max(...irq_row(run.interrupts, 'TLB')));
  }
  if (run.interrupts.CAL !== undefined) out.set('CAL interrupts (all CPUs)', irq_row(run.interrupts, 'CAL').reduce((a, b) => a + b, 0));
  for (const [key, value] of Object.entries(run.vmstat)) out.set(key, value);
  out.set('sim_pageout_ns', run.sim_pageout_ns);
  const memcg = run.reclaim?.memcg;
  if (memcg !== undefined) {
    // The cgroup's own files: limit reclaim counts its scans and steals there only.
    for (const [key, value] of Object.entries(memcg.events)) out.set(`memcg ${memcg.name} memory.events ${key}`, value);
    for (const [key, value] of Object.entries(memcg.stat)) out.set(`memcg ${memcg.name} ${key}`, value);
  }
  const stress = run.scenario.workload.kind === 'stress';
  if (stress) {
    // stress-ng's "bogo ops/s (real time)": every worker's passes over the run's duration.
    const bogo_ops = run.tasks.reduce((sum, task) => sum + task.ops + task.baseline_ops, 0);
    out.set('bogo-ops/s (all workers, real time)', run.sim_pageout_ns > 0 ? Math.round((bogo_ops * 1e9) / run.sim_pageout_ns * 100) / 100 : 0);
  }
  for (const task of run.tasks) {
    out.set(stress ? `${task.name} bogo-ops/s after its first pass` : `${task.name} ops/s during pageout`, task.ops_per_sec);
    out.set(`${task.name} throughput change %`, task.throughput_change_pct);
  }
  return out;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function stddev(values: number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

/**
 * Runs every strategy on the same scenario and seeds and tabulates each figure: mean and
 * spread over the seeds, and the change against the first strategy (mmtests compare-kernels
 * style). Figures that are zero in every run are left out.
 */
export function compare_strategies(
  scenario: Scenario,
  strategy_specs: readonly (string | ReclaimStrategy)[],
  seeds: readonly number[],
  options: { oracle?: boolean } = {},
): Comparison {
  const resolved = strategy_specs.map(resolve_strategy);
  const strategies = resolved.map((s) => s.name);
  const runs: RunResult[] = [];
  const per_strategy = resolved.map((strategy) => seeds.map((seed) => run_scenario(scenario, { strategy, seed, oracle: options.oracle ?? true })));
  for (const list of per_strategy) runs.push(...list);
  const names: string[] = [];
  for (const run of runs) for (const name of figures_of(run).keys()) if (!names.includes(name)) names.push(name);
  const figures: ComparedFigure[] = [];
  for (const name of names) {
    const values = per_strategy.map((list) => list.map((run) => figures_of(run).get(name) ?? 0));
    if (values.every((list) => list.every((v) => v === 0))) continue;
    const base = mean(values[0] as number[]);
    figures.push({
      name,
      by_strategy: values.map((list, i) => {
        const m = mean(list);
        return {
          strategy: strategies[i] as string,
          mean: m,
          stddev: stddev(list),
          change_pct: base === 0 ? null : ((m - base) / Math.abs(base)) * 100,
        };
      }),
    });
  }
  return { strategies, seeds: [...seeds], runs, figures };
}
