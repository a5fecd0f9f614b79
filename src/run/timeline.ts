import { Priority, type Simulator } from '../engine/simulator.js';
import type { Machine } from '../hw/machine.js';
import type { Timeline } from './result.js';

/** What the sampler reads of a thread: its operations completed by a time (an AppThread, a stress worker). */
export interface TimelineThread {
  ops_at(t_ns: number): number;
}

/** First sampling interval, ns; it doubles whenever the samples would exceed SAMPLES_MAX. */
const INTERVAL_NS_INITIAL = 10_000;
const SAMPLES_MAX = 1000;

/**
 * Samples the application threads' operations and the CPUs' shootdown counts at a regular
 * interval for charts. Bounded: when the sample count reaches its maximum, every other
 * sample is dropped and the interval doubles, so a run of any length keeps at most
 * SAMPLES_MAX samples at an even spacing. Sampling only reads state.
 */
export class TimelineSampler {
  private interval_ns = INTERVAL_NS_INITIAL;
  private readonly data: Timeline;
  private readonly kind: number;

  constructor(
    private readonly sim: Simulator,
    private readonly machine: Machine,
    private readonly threads: readonly TimelineThread[],
  ) {
    this.data = { t_ns: [], ops: threads.map(() => []), tlb: Array.from({ length: machine.nr_cpus }, () => []) };
    this.kind = sim.register(() => this.sample(), true);
    sim.schedule(0, Priority.default, this.kind, 0);
  }

  private sample(): void {
    const t = this.sim.now_ns;
    this.data.t_ns.push(t);
    this.threads.forEach((thread, i) => (this.data.ops[i] as number[]).push(Math.round(thread.ops_at(t))));
    for (let cpu = 0; cpu < this.machine.nr_cpus; cpu++) (this.data.tlb[cpu] as number[]).push(this.machine.arch.shootdowns_received[cpu] as number);
    if (this.data.t_ns.length >= SAMPLES_MAX) {
      const keep_even = <T>(a: T[]): T[] => a.filter((_, i) => i % 2 === 0);
      this.data.t_ns = keep_even(this.data.t_ns);
      this.data.ops = this.data.ops.map(keep_even);
      this.data.tlb = this.data.tlb.map(keep_even);
      this.interval_ns *= 2;
    }
    // Keep sampling while anything else is still to happen.
    if (this.sim.has_live_events()) this.sim.schedule(t + this.interval_ns, Priority.default, this.kind, 0);
  }

  result(): Timeline {
    return this.data;
  }
}
