import type { Scenario } from '../scenario/schema.js';
import type { RunResult } from './result.js';
import type { ReclaimStrategy } from '../reclaim/strategy.js';
import { resolve_strategy, run_scenario } from './run_scenario.js';

/** One strategy's cell of a compared figure. */
export interface ComparedCell {
  strategy: string;
  /** Mean over the runs that have the figure; null when none has (the worker was OOM-killed in every run). */
  mean: number | null;
  /** Sample standard deviation over those runs. */
  stddev: number;
  /** Change of the mean against the first strategy, percent (null where either mean is null or the base is 0). */
  change_pct: number | null;
  /** Runs without the figure because the OOM killer ended the worker (its outcome, not a throughput). */
  oom_killed_runs: number;
}

/** One figure of a comparison: mean and spread per strategy. */
export interface ComparedFigure {
  name: string;
  /** Per strategy, in the order compared. */
  by_strategy: ComparedCell[];
}

export interface Comparison {
  strategies: string[];
  seeds: number[];
  runs: RunResult[];
  figures: ComparedFigure[];
}

/**
 * The figures compared for a run: its counters, interrupt totals and per-thread throughput.
 * A throughput an OOM kill ended is null: the run's outcome for it is the kill, counted in
 * 'OOM-killed workers'.
 */
function figures_of(run: RunResult): Map<string, number | null> {
  const out = new Map<string, number | null>();
  out.set('TLB shootdowns (all CPUs)', run.interrupts.TLB.reduce((a, b) => a + b, 0));
  out.set('TLB shootdowns (max CPU)', Math.max(...run.interrupts.TLB));
  out.set('CAL interrupts (all CPUs)', run.interrupts.CAL.reduce((a, b) => a + b, 0));
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
    // A run in which a worker was OOM-killed has no such figure.
    const bogo_ops = run.tasks.reduce((sum, task) => sum + task.ops + task.baseline_ops, 0);
    const killed = run.tasks.filter((t) => t.oom_killed === true).length;
    out.set('OOM-killed workers', killed);
    out.set('bogo-ops/s (all workers, real time)', killed > 0 ? null : run.sim_pageout_ns > 0 ? Math.round((bogo_ops * 1e9) / run.sim_pageout_ns * 100) / 100 : 0);
  }
  for (const task of run.tasks) {
    const killed = task.oom_killed === true;
    out.set(stress ? `${task.name} bogo-ops/s after its first pass` : `${task.name} ops/s during pageout`, killed ? null : task.ops_per_sec);
    out.set(`${task.name} throughput change %`, killed ? null : task.throughput_change_pct);
  }
  return out;
}

/** A figure's values over runs: the numbers, and how many runs had none because of an OOM kill. */
function present(values: readonly (number | null)[]): { values: number[]; oom_killed_runs: number } {
  const numbers = values.filter((v): v is number => v !== null);
  return { values: numbers, oom_killed_runs: values.length - numbers.length };
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
  const run_figures = new Map(runs.map((run) => [run, figures_of(run)]));
  for (const name of names) {
    const values = per_strategy.map((list) => present(list.map((run) => {
      const v = run_figures.get(run)?.get(name);
      return v === undefined ? 0 : v;
    })));
    if (values.every((p) => p.oom_killed_runs === 0 && p.values.every((v) => v === 0))) continue;
    const base = values[0]?.values.length === 0 ? null : mean(values[0]?.values as number[]);
    figures.push({
      name,
      by_strategy: values.map((p, i) => {
        const m = p.values.length === 0 ? null : mean(p.values);
        return {
          strategy: strategies[i] as string,
          mean: m,
          stddev: stddev(p.values),
          change_pct: base === null || base === 0 || m === null ? null : ((m - base) / Math.abs(base)) * 100,
          oom_killed_runs: p.oom_killed_runs,
        };
      }),
    });
  }
  return { strategies, seeds: [...seeds], runs, figures };
}
