import { SIGNIFICANCE_ALPHA, welch_interval, welch_p_value } from '../run/significance.js';
import type { Metric } from './metrics.js';

/** How a cell came out: by the metric's direction, or no difference, or not enough evidence either way. */
export type CellClass = 'better' | 'worse' | 'same' | 'inconclusive';

export interface Sample {
  mean: number;
  sd: number;
  n: number;
}

/** One (scenario, metric) comparison of the candidate against the baseline. */
export interface Cell {
  metric: string;
  unit: Metric['unit'];
  better: Metric['better'];
  gated: boolean;
  base: Sample;
  cand: Sample;
  /** Change of the mean: percent of the baseline's (percentage points for a 'pp' metric); null when the baseline's mean is 0. */
  change: number | null;
  /** The 95 % Welch interval of the change, same scale; [d, d] when exact; null when not computable. */
  ci: [number, number] | null;
  p_value: number | null;
  /**
   * The difference is known, not estimated: neither side varies over the seeds (one seed, or
   * no spread), or both ran the same seeds and differ by the same amount on every one (a
   * strategy that leaves a figure alone gives exactly 0, however much the seeds move it).
   */
  exact: boolean;
  class: CellClass;
}

function sample(values: readonly number[]): Sample {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n < 2 ? 0 : Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  return { mean, sd, n };
}

function spread(values: readonly number[]): boolean {
  return values.some((v) => v !== values[0]);
}

/**
 * Compares one metric's values over the seeds (mmtests compare-kernels style, with an
 * interval): Welch's t-test and its 95 % interval; exact when neither side varies. An exact
 * change smaller than `min_effect` (percent, or pp) is "same" (a deterministic model makes
 * any difference significant, however small); an estimated one is "same" only when its whole
 * interval lies within ±min_effect (an equivalence statement), never from a failed test.
 * Significant changes of at least min_effect are better or worse; the rest is inconclusive.
 */
export function compare_cell(metric: Metric, base: readonly number[], cand: readonly number[], min_effect: number, paired = true): Cell {
  // paired: base[i] and cand[i] ran the same seed.
  const b = sample(base);
  const c = sample(cand);
  const paired_constant = paired && base.length === cand.length && cand.every((v, i) => v - (base[i] as number) === (cand[0] as number) - (base[0] as number));
  const exact = (!spread(base) && !spread(cand)) || paired_constant;
  const scale = (x: number): number | null => (metric.unit === 'pp' ? x : b.mean === 0 ? null : (x / Math.abs(b.mean)) * 100);
  const diff = c.mean - b.mean;
  const change = diff === 0 ? 0 : scale(diff);
  const raw_ci: [number, number] | null = exact ? [diff, diff] : welch_interval(base, cand);
  // A count, a duration or a rate cannot fall below zero, nor its change below -100 %.
  const lo_scaled = raw_ci === null ? null : scale(raw_ci[0]);
  const lo = lo_scaled === null || metric.unit === 'pp' || metric.signed === true ? lo_scaled : Math.max(lo_scaled, -100);
  const hi = raw_ci === null ? null : scale(raw_ci[1]);
  const ci: [number, number] | null = lo === null || hi === null ? null : [lo, hi];
  const p_value = exact ? (diff === 0 ? 1 : 0) : welch_p_value(base, cand);
  const direction = (): CellClass => ((diff < 0) === (metric.better === 'lower') ? 'better' : 'worse');
  const small = change !== null && Math.abs(change) < min_effect;
  let cls: CellClass;
  if (exact) cls = diff === 0 || small ? 'same' : direction();
  else if (p_value !== null && p_value < SIGNIFICANCE_ALPHA && !small) cls = direction();
  else if (ci !== null && ci[0] > -min_effect && ci[1] < min_effect) cls = 'same';
  else cls = 'inconclusive';
  return { metric: metric.name, unit: metric.unit, better: metric.better, gated: metric.gated, base: b, cand: c, change, ci, p_value, exact, class: cls };
}

/**
 * Holm-Bonferroni over a family of p-values: which of them are rejected at level alpha with
 * the family-wise error controlled (step-down: the k-th smallest against alpha / (m - k)).
 */
export function holm_rejected(p_values: readonly number[], alpha = SIGNIFICANCE_ALPHA): boolean[] {
  const order = p_values.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const rejected = p_values.map(() => false);
  for (let k = 0; k < order.length; k++) {
    const item = order[k] as { p: number; i: number };
    if (item.p >= alpha / (order.length - k)) break;
    rejected[item.i] = true;
  }
  return rejected;
}
