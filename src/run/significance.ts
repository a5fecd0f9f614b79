import ttest from 'ttest';

/**
 * The significance level of a comparison's marks. mmtests' compare-kernels defaults to 0.10
 * (Summarise.pm's _SignificanceLevel) with df = n1 + n2 - 2; we keep 0.05 with true
 * Welch-Satterthwaite degrees of freedom, the stricter choice when many cells are tested.
 */
export const SIGNIFICANCE_ALPHA = 0.05;

/** Which way a figure is better, for the mark beside a significant difference. */
export type Better = 'lower' | 'higher' | null;

/**
 * Figures whose lower value is better: the cost of a reclaim change (IPIs, flushes, waits,
 * kills). sim_flush_broadcast(_sync) are the flush counters of arm64 and x86-invlpgb.
 */
const LOWER_IS_BETTER = /TLB shootdowns|CAL interrupts|nr_tlb_remote_flush|nr_tlb_local_flush|sim_ipi_wait_ns|sim_tlbbatch_flush_remote|sim_batched_pending_flush|sim_flush_broadcast|sim_pageout_ns|oom_kill|OOM-killed|memory\.events oom|pgmajfault|pswpin|pgpgin|allocstall/;
/** Figures whose higher value is better: the applications' throughput. */
const HIGHER_IS_BETTER = /ops\/s|throughput change %/;

/** The better direction of a figure, by its name; null where neither is (pages written, scanned, …). */
export function better_direction(name: string): Better {
  if (HIGHER_IS_BETTER.test(name)) return 'higher';
  if (LOWER_IS_BETTER.test(name)) return 'lower';
  return null;
}

function has_spread(xs: readonly number[]): boolean {
  return xs.some((x) => x !== xs[0]);
}

/**
 * Welch's t-test (two-sided, unequal variances; the `ttest` package) of a strategy's values
 * against the baseline's, over the seeds. Null when either side has fewer than two values.
 * Samples without spread are decided exactly: equal means p = 1, different means p = 0 (the
 * model is deterministic per seed, so a constant figure is known, not estimated).
 */
export function welch_p_value(base: readonly number[], values: readonly number[]): number | null {
  if (base.length < 2 || values.length < 2) return null;
  if (!has_spread(base) && !has_spread(values)) return base[0] === values[0] ? 1 : 0;
  return ttest(base, values, { varEqual: false, alternative: 'not equal' }).pValue();
}

/**
 * The (1 - alpha) Welch-Satterthwaite confidence interval of mean(values) - mean(base), the
 * interval matching welch_p_value. Samples without spread give the exact difference [d, d];
 * null when either side has fewer than two values and some spread.
 */
export function welch_interval(base: readonly number[], values: readonly number[], alpha = SIGNIFICANCE_ALPHA): [number, number] | null {
  if (base.length === 0 || values.length === 0) return null;
  if (!has_spread(base) && !has_spread(values)) {
    const d = (values[0] as number) - (base[0] as number);
    return [d, d];
  }
  if (base.length < 2 || values.length < 2) return null;
  const [lo, hi] = ttest(values, base, { varEqual: false, alternative: 'not equal', alpha }).confidence();
  return [lo, hi];
}
