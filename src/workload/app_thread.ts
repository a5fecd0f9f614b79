/**
 * An application thread pinned to a CPU, running a loop of memory operations whose progress
 * is computed rather than simulated access by access (DESIGN.md section 2). Between
 * interruptions it completes time / cost-per-operation operations; the cost per operation is
 * its TLB-hit cost plus the page walks its TLB misses add. Interrupt handlers take time from
 * it, and a full TLB flush empties its working set from the TLB, so the operations after it
 * pay extra misses until the TLB is warm again.
 *
 * TLB model: uniform random accesses over W pages into a TLB of C entries. With r entries
 * resident a miss has probability 1 - r/W and fills one entry; so after a flush r(k) = W(1 -
 * e^(-k/W)) after k accesses, until r reaches min(C, W). The extra misses against the warm
 * steady state over an interval of k accesses are therefore:
 *  - W <= C: W(1 - e^(-k/W)) (the whole working set refilled, if time allows);
 *  - W > C: W(1 - e^(-k/W)) - k(1 - C/W) while filling, at most C - (W - C)ln(W/(W - C)),
 *    about C^2/2W: a thread that misses anyway barely notices a flush.
 * k is estimated from the interval at the steady-state cost.
 */
export interface AppThreadParams {
  name: string;
  cpu: number;
  /** ns per operation when its translation hits the TLB. */
  op_ns: number;
  /** Pages the thread accesses uniformly. */
  working_set_pages: number;
  tlb_entries: number;
  /** ns per TLB miss (page walk). */
  walk_ns: number;
}

export class AppThread {
  private readonly steady_op_ns: number;
  private readonly refill_max_misses: number;
  /** Operations completed in intervals already closed. */
  private ops_closed = 0;
  /** Start of the current interval (the last full flush, or the start of the run). */
  private interval_start_ns = 0;
  /** Interrupt time taken inside the current interval. */
  private stolen_ns = 0;
  /** True until the first flush: the thread starts with a warm TLB. */
  private warm = true;
  /** Interrupt time and full flushes the thread suffered, for the result. */
  interrupted_ns = 0;
  flushes = 0;

  constructor(readonly params: AppThreadParams) {
    const { working_set_pages: w, tlb_entries: c, op_ns, walk_ns } = params;
    const miss_steady = w > c ? 1 - c / w : 0;
    this.steady_op_ns = op_ns + miss_steady * walk_ns;
    this.refill_max_misses = w > c ? c - (w - c) * Math.log(w / (w - c)) : w;
  }

  /** Extra TLB misses, against the warm state, in the first `accesses` after a flush. */
  private refill_misses(accesses: number): number {
    const w = this.params.working_set_pages;
    if (accesses > 30 * w) return this.refill_max_misses;
    const filled = w * (1 - Math.exp(-accesses / w));
    if (w <= this.params.tlb_entries) return filled;
    return Math.min(this.refill_max_misses, filled - accesses * (1 - this.params.tlb_entries / w));
  }

  /** Operations done in `cpu_ns` of running time since the interval began. */
  private interval_ops(cpu_ns: number): number {
    if (cpu_ns <= 0) return 0;
    if (this.warm) return cpu_ns / this.steady_op_ns;
    const accesses = cpu_ns / this.steady_op_ns;
    const refill_ns = this.refill_misses(accesses) * this.params.walk_ns;
    return Math.max(0, cpu_ns - refill_ns) / this.steady_op_ns;
  }

  /** Operations completed by `t_ns`. */
  ops_at(t_ns: number): number {
    return this.ops_closed + this.interval_ops(t_ns - this.interval_start_ns - this.stolen_ns);
  }

  /** An interrupt took `duration_ns`; if it flushed the TLB, `flush_at_ns` is when it started (else -1). */
  on_interrupt(duration_ns: number, flush_at_ns: number): void {
    if (flush_at_ns >= 0) this.on_tlb_flush_all(flush_at_ns);
    this.stolen_ns += duration_ns;
    this.interrupted_ns += duration_ns;
  }

  /** The thread spent `duration_ns` in the kernel (a page fault): time not spent on operations. */
  on_kernel_time(duration_ns: number): void {
    this.stolen_ns += duration_ns;
  }

  /** The CPU's user TLB entries were dropped by a flush starting at `at_ns`. */
  on_tlb_flush_all(at_ns: number): void {
    this.ops_closed = this.ops_at(at_ns);
    this.interval_start_ns = at_ns;
    this.stolen_ns = 0;
    this.warm = false;
    this.flushes++;
  }
}
