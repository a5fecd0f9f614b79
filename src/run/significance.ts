import ttest from 'ttest';

/** The significance level of a comparison's marks (mmtests' compare-kernels marks at 5 % too). */
export const SIGNIFICANCE_ALPHA = 0.05;

/** Which way a figure is better, for the mark beside a significant difference. */
export type Better = 'lower' | 'higher' | null;

/** Figures whose lower value is better: the cost of a reclaim change (IPIs, flushes, waits, kills). */
const LOWER_IS_BETTER = /TLB shootdowns|CAL interrupts|nr_tlb_remote_flush|nr_tlb_local_flush|sim_ipi_wait_ns|sim_tlbbatch_flush_remote|sim_batched_pending_flush|sim_pageout_ns|oom_kill|OOM-killed|memory\.events oom|pgmajfault|pswpin|pgpgin|allocstall/;
/** Figures whose higher value is better: the applications' throughput. */
const HIGHER_IS_BETTER = /ops\/s|throughput change %/;

/** The better direction of a figure, by its name; null where neither is (pages written, scanned, …). */
export function better_direction(name: string): Better {
  if (HIGHER_IS_BETTER.test(name)) return 'higher';
  if (LOWER_IS_BETTER.test(name)) return 'lower';
  return null;
}

/**
 * Welch's t-test (two-sided, unequal variances; the `ttest` package) of a strategy's values
 * against the baseline's, over the seeds. Null when either side has fewer than two values.
 * Samples without spread are decided exactly: equal means p = 1, different means p = 0 (the
 * model is deterministic per seed, so a constant figure is known, not estimated).
 */
export function welch_p_value(base: readonly number[], values: readonly number[]): number | null {
  if (base.length < 2 || values.length < 2) return null;
  const spread = (xs: readonly number[]) => xs.some((x) => x !== xs[0]);
  if (!spread(base) && !spread(values)) return base[0] === values[0] ? 1 : 0;
  return ttest(base, values, { varEqual: false, alternative: 'not equal' }).pValue();
}
