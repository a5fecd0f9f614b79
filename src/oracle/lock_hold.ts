/**
 * Folio lock hold times as a distribution (a cost finding, not a violation): a batching
 * strategy that keeps its folios locked while it works through the batch (the seed patch,
 * lkml-review 2.6) blocks a fault on any of them for the whole batch. Power-of-two buckets of
 * nanoseconds: percentiles are reported as the upper bound of their bucket.
 */
const BUCKETS = 48;

export interface LockHoldSummary {
  count: number;
  p50_ns: number;
  p99_ns: number;
  max_ns: number;
}

export class LockHoldHistogram {
  private readonly buckets = new Float64Array(BUCKETS);
  private count = 0;
  private max_ns = 0;

  record(hold_ns: number): void {
    const bucket = hold_ns <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log2(hold_ns)));
    this.buckets[bucket] = (this.buckets[bucket] as number) + 1;
    this.count++;
    if (hold_ns > this.max_ns) this.max_ns = hold_ns;
  }

  private percentile(fraction: number): number {
    const rank = Math.ceil(fraction * this.count);
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.buckets[bucket] as number;
      if (seen >= rank) return Math.min(2 ** bucket, this.max_ns);
    }
    return this.max_ns;
  }

  summary(): LockHoldSummary {
    if (this.count === 0) return { count: 0, p50_ns: 0, p99_ns: 0, max_ns: 0 };
    return { count: this.count, p50_ns: this.percentile(0.5), p99_ns: this.percentile(0.99), max_ns: this.max_ns };
  }
}
