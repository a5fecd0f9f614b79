import type { Yield } from '../engine/simulator.js';
import type { ReclaimTask } from '../reclaim/kernel.js';

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
 *
 * Kernel time (a fault, a system call of the thread) is a span from enter_kernel to
 * exit_kernel, charged by wall time whatever flushes fall inside it. Interrupts are charged
 * once: those while the thread runs its operations as stolen time; those inside a span not
 * again (the span's wall time holds them), and interrupt time the task absorbed into a span
 * (must_sync's debt) is taken back from the span if it was already charged as stolen.
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
  /** Kernel spans open (its accessor and its racer are two tasks of one thread: they may overlap). */
  private kernel_depth = 0;
  /** When the open kernel time began (the first of the overlapping spans). */
  private kernel_since_ns = 0;
  /** Interrupt time charged as stolen that no kernel span has absorbed yet (must_sync's irq debt). */
  private irq_unabsorbed_ns = 0;
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

  /** The open kernel time inside the current interval, up to `t_ns`. */
  private kernel_open_ns(t_ns: number): number {
    return this.kernel_depth === 0 ? 0 : Math.max(0, t_ns - Math.max(this.kernel_since_ns, this.interval_start_ns));
  }

  /** Operations completed by `t_ns`. */
  ops_at(t_ns: number): number {
    return this.ops_closed + this.interval_ops(t_ns - this.interval_start_ns - this.stolen_ns - this.kernel_open_ns(t_ns));
  }

  /** An interrupt took `duration_ns`; if it flushed the TLB, `flush_at_ns` is when it started (else -1). */
  on_interrupt(duration_ns: number, flush_at_ns: number): void {
    if (flush_at_ns >= 0) this.on_tlb_flush_all(flush_at_ns);
    this.interrupted_ns += duration_ns;
    // Inside kernel time the span's wall time already holds it.
    if (this.kernel_depth > 0) return;
    this.stolen_ns += duration_ns;
    this.irq_unabsorbed_ns += duration_ns;
  }

  /** The thread enters the kernel (a page fault, a system call) at `at_ns`: no operations until exit_kernel. */
  enter_kernel(at_ns: number): void {
    if (this.kernel_depth++ === 0) this.kernel_since_ns = at_ns;
  }

  /**
   * The thread leaves the kernel at `at_ns`, its task having absorbed `irq_absorbed_ns` of
   * its CPU's interrupt time into the span (must_sync): the part of that already charged as
   * stolen is given back.
   */
  exit_kernel(at_ns: number, irq_absorbed_ns: number): void {
    const charged = Math.min(irq_absorbed_ns, this.irq_unabsorbed_ns);
    this.irq_unabsorbed_ns -= charged;
    this.stolen_ns -= charged;
    if (this.kernel_depth === 1) this.stolen_ns += this.kernel_open_ns(at_ns);
    this.kernel_depth--;
  }

  /** The CPU's user TLB entries were dropped by a flush starting at `at_ns`. */
  on_tlb_flush_all(at_ns: number): void {
    this.ops_closed = this.ops_at(at_ns);
    // Open kernel time before the flush is in ops_closed's interval; the rest is charged at exit_kernel.
    this.interval_start_ns = at_ns;
    this.stolen_ns = 0;
    this.warm = false;
    this.flushes++;
  }
}

/** Runs `body` (a fault, a system call) on `rt`, the task of `thread`, as the thread's kernel time. */
export function* kernel_span<T>(thread: AppThread, rt: ReclaimTask, body: Generator<Yield, T, void>): Generator<Yield, T, void> {
  const absorbed_ns = rt.irq_absorbed_ns;
  thread.enter_kernel(rt.task.now_ns);
  const result = yield* body;
  thread.exit_kernel(rt.task.now_ns, rt.irq_absorbed_ns - absorbed_ns);
  return result;
}
