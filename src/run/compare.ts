import type { Scenario } from '../scenario/schema.js';
import { irq_row, type RunResult } from './result.js';
import type { ReclaimStrategy } from '../reclaim/strategy.js';
import { resolve_strategy, run_scenario } from './run_scenario.js';
import { better_direction, SIGNIFICANCE_ALPHA, welch_p_value, type Better } from './significance.js';

/** One strategy's cell of a compared figure. */
export interface ComparedCell {
  strategy: string;
  /** Mean over the runs that have the figure; null when none has (the worker was OOM-killed in every run). */
  mean: number | null;
  /** Sample standard deviation over those runs. */
  stddev: number;
  /**
   * Change of the mean against the first strategy, percent (null where either mean is null or
   * the base is 0, and for a figure that is itself a percentage: see change_pp).
   */
  change_pct: number | null;
  /** For a percentage figure: the difference of the means in percentage points; else null. */
  change_pp: number | null;
  /** Welch's t-test p-value against the first strategy over the seeds; null with fewer than two seeds or for the first. */
  p_value: number | null;
  /** The difference is significant (p < SIGNIFICANCE_ALPHA) and, where the figure has a better direction, which way it went. */
  significance: 'better' | 'worse' | 'different' | null;
  /** Runs without the figure because the OOM killer ended the worker (its outcome, not a throughput). */
  oom_killed_runs: number;
}

/** One figure of a comparison: mean and spread per strategy. */
export interface ComparedFigure {
  name: string;
  /** 'percent' for a figure that is a percentage (its changes are in percentage points). */
  unit: 'count' | 'percent';
  /** Which way is better, where one is. */
  better: Better;
  /** Per strategy, in the order compared. */
  by_strategy: ComparedCell[];
}

export interface Comparison {
  strategies: string[];
  seeds: number[];
  runs: RunResult[];
  figures: ComparedFigure[];
}

/** A comparison without its runs, as the result file carries it: the figures and how they were tested. */
export interface ComparisonSummary {
  strategies: string[];
  seeds: number[];
  test: string;
  alpha: number;
  figures: ComparedFigure[];
}

export function comparison_summary(comparison: Comparison): ComparisonSummary {
  return {
    strategies: comparison.strategies,
    seeds: comparison.seeds,
    test: "Welch's t-test, two-sided, unequal variances (npm package ttest), each strategy against the first over the seeds",
    alpha: SIGNIFICANCE_ALPHA,
    figures: comparison.figures,
  };
}

/**
 * The figures compared for a run: its counters, interrupt totals and per-thread throughput.
 * A throughput an OOM kill ended is null: the run's outcome for it is the kill, counted in
 * 'OOM-killed workers'.
 */
function figures_of(run: RunResult): Map<string, number | null> {
  const out = new Map<string, number | null>();
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

/** The mark of a difference: significant or not, and better or worse where the figure has a direction. */
function significance(p_value: number | null, base: number | null, m: number | null, better: Better): ComparedCell['significance'] {
  if (p_value === null || base === null || m === null || p_value >= SIGNIFICANCE_ALPHA || m === base) return null;
  if (better === null) return 'different';
  return (m < base) === (better === 'lower') ? 'better' : 'worse';
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
 * Runs every strategy on the same scenario and seeds and tabulates each figure (tabulate).
 */
export function compare_strategies(
  scenario: Scenario,
  strategy_specs: readonly (string | ReclaimStrategy)[],
  seeds: readonly number[],
  options: { oracle?: boolean } = {},
): Comparison {
  const resolved = strategy_specs.map(resolve_strategy);
  const per_strategy = resolved.map((strategy) => seeds.map((seed) => run_scenario(scenario, { strategy, seed, oracle: options.oracle ?? true })));
  return tabulate(resolved.map((s) => s.name), seeds, per_strategy);
}

/**
 * Tabulates each figure of runs already made (per strategy, one run per seed, in the same seed
 * order): mean and spread over the seeds, the change against the first strategy (percent, or
 * percentage points for a percentage) and, with two seeds or more, Welch's t-test against it
 * marked significant, better or worse (mmtests compare-kernels style). Figures that are zero
 * in every run are left out. Pure: review feeds it runs from the sweep pool.
 */
export function tabulate(strategies: readonly string[], seeds: readonly number[], per_strategy: readonly (readonly RunResult[])[]): Comparison {
  const runs: RunResult[] = [];
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
    const base_values = values[0]?.values ?? [];
    const base = base_values.length === 0 ? null : mean(base_values);
    const unit = name.endsWith('%') ? 'percent' : 'count';
    const better = better_direction(name);
    figures.push({
      name,
      unit,
      better,
      by_strategy: values.map((p, i) => {
        const m = p.values.length === 0 ? null : mean(p.values);
        const p_value = i === 0 ? null : welch_p_value(base_values, p.values);
        return {
          strategy: strategies[i] as string,
          mean: m,
          stddev: stddev(p.values),
          change_pct: unit === 'percent' || base === null || base === 0 || m === null ? null : ((m - base) / Math.abs(base)) * 100,
          change_pp: unit !== 'percent' || base === null || m === null ? null : m - base,
          oom_killed_runs: p.oom_killed_runs,
          p_value,
          significance: significance(p_value, base, m, better),
        };
      }),
    });
  }
  return { strategies: [...strategies], seeds: [...seeds], runs, figures };
}
