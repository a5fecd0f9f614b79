/**
 * Folio lock hold times as a distribution (a cost finding, not a violation): a batching
 * strategy that keeps its folios locked while it works through the batch (the seed patch,
 * lkml-review 2.6) blocks a fault on any of them for the whole batch. Recorded in an HDR
 * histogram (hdr-histogram-js) at three significant digits, so percentiles are real values
 * within 0.1 %, not the bounds of power-of-two buckets.
 */
import hdr from 'hdr-histogram-js';

/** Three significant digits: a percentile is within 0.1 % of the recorded value. */
const SIGNIFICANT_DIGITS = 3;

export interface LockHoldSummary {
  count: number;
  p50_ns: number;
  p99_ns: number;
  max_ns: number;
}

export class LockHoldHistogram {
  private readonly histogram = hdr.build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    useWebAssembly: false,
  });

  /**
   * A run of equal holds not yet in the histogram: reclaim's fixed costs make consecutive
   * holds mostly equal, and recording a run at once (recordValueWithCount) gives the same
   * histogram as one value at a time for far less work per folio.
   */
  private run_value = 0;
  private run_count = 0;

  /** A hold of `hold_ns` (integer sim time; a hold under 1 ns counts as 1 ns, the histogram's lowest value). */
  record(hold_ns: number): void {
    const value = Math.max(1, Math.round(hold_ns));
    if (value === this.run_value) {
      this.run_count++;
      return;
    }
    this.flush_run();
    this.run_value = value;
    this.run_count = 1;
  }

  private flush_run(): void {
    if (this.run_count > 0) this.histogram.recordValueWithCount(this.run_value, this.run_count);
    this.run_count = 0;
  }

  summary(): LockHoldSummary {
    this.flush_run();
    const h = this.histogram;
    if (h.totalCount === 0) return { count: 0, p50_ns: 0, p99_ns: 0, max_ns: 0 };
    // A percentile is its bucket's highest equivalent value: never above the largest hold seen.
    const at = (percentile: number) => Math.min(h.getValueAtPercentile(percentile), h.maxValue);
    return { count: h.totalCount, p50_ns: at(50), p99_ns: at(99), max_ns: h.maxValue };
  }
}
