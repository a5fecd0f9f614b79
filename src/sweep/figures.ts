import { irq_row, type RunResult } from '../run/result.js';

/** A figure the sweep report charts: what it is called and how to read it from a run record. */
export interface Figure {
  label: string;
  value(result: RunResult): number | null;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/**
 * The figures of a reclaim change's cost and effect (DESIGN.md section 6 names): the IPIs it
 * sends, how long pageout takes, what the applications beside it lose, and the swap I/O.
 */
export const FIGURES: readonly Figure[] = [
  { label: 'TLB shootdowns received, all CPUs (/proc/interrupts TLB)', value: (r) => sum(irq_row(r.interrupts, 'TLB')) },
  { label: 'nr_tlb_remote_flush', value: (r) => r.vmstat.nr_tlb_remote_flush ?? null },
  { label: 'pageout time, ms (simulated)', value: (r) => r.sim_pageout_ns / 1e6 },
  {
    label: 'application throughput change during pageout, % (mean of threads)',
    // An OOM-killed worker has no throughput change: the mean is over the others.
    value: (r) => {
      const changes = r.tasks.flatMap((t) => (t.throughput_change_pct === null ? [] : [t.throughput_change_pct]));
      return changes.length === 0 ? null : sum(changes) / changes.length;
    },
  },
  { label: 'IPI wait, ms (sim_ipi_wait_ns)', value: (r) => (r.vmstat.sim_ipi_wait_ns === undefined ? null : r.vmstat.sim_ipi_wait_ns / 1e6) },
  { label: 'pswpout', value: (r) => r.vmstat.pswpout ?? null },
  { label: 'swap write requests', value: (r) => r.io.requests },
];
