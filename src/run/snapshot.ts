import type { Machine } from '../hw/machine.js';
import { FILE_EVENTS, WRITEBACK_EVENTS, type VmEvents } from '../mm/vmstat.js';
import type { Kernel } from '../reclaim/kernel.js';
import type { Interrupts } from './result.js';

/** A snapshot of every counter the result reports. */
export interface Snapshot {
  t_ns: number;
  vmstat: Record<string, number>;
  /** The architecture's per-CPU interrupt rows, by /proc/interrupts name. */
  irq: Record<string, number[]>;
}

export function snapshot(k: Kernel, t_ns: number): Snapshot {
  const vm: VmEvents = k.pgdat.vm;
  const m: Machine = k.machine;
  const vmstat: Record<string, number> = { ...vm, ...m.arch.vm_events() };
  // A run without files (only the swap space is a mapping) reports no page-cache counters.
  if (k.pgdat.mappings.length === 1) for (const key of FILE_EVENTS) delete vmstat[key];
  // The flusher's counters only where writeback did something (see WRITEBACK_EVENTS).
  if (WRITEBACK_EVENTS.every((key) => vm[key] === 0)) for (const key of WRITEBACK_EVENTS) delete vmstat[key];
  return {
    t_ns,
    vmstat,
    irq: Object.fromEntries(Object.entries(m.arch.interrupt_rows).map(([row, counts]) => [row, Array.from(counts)])),
  };
}

/** The counters' deltas between two snapshots, vmstat keys sorted. */
export function delta(from: Snapshot, to: Snapshot): { vmstat: Record<string, number>; interrupts: Interrupts } {
  const vmstat: Record<string, number> = {};
  for (const key of Object.keys(to.vmstat).sort()) vmstat[key] = (to.vmstat[key] as number) - (from.vmstat[key] ?? 0);
  return {
    vmstat,
    interrupts: Object.fromEntries(
      Object.entries(to.irq).map(([row, counts]) => [row, counts.map((v, i) => v - ((from.irq[row] as number[])[i] as number))]),
    ),
  };
}

export function rate_per_sec(ops: number, ns: number): number {
  return ns > 0 ? (ops * 1e9) / ns : 0;
}
