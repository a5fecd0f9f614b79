import type { Machine } from '../hw/machine.js';
import type { VmEvents } from '../mm/vmstat.js';
import type { Kernel } from '../reclaim/kernel.js';
import type { Interrupts } from './result.js';

/** A snapshot of every counter the result reports. */
export interface Snapshot {
  t_ns: number;
  vmstat: Record<string, number>;
  tlb: number[];
  cal: number[];
}

export function snapshot(k: Kernel, t_ns: number): Snapshot {
  const vm: VmEvents = k.pgdat.vm;
  const m: Machine = k.machine;
  return {
    t_ns,
    vmstat: { ...vm, ...m.vm_events },
    tlb: Array.from(m.irq_tlb_count),
    cal: Array.from(m.irq_call_count),
  };
}

/** The counters' deltas between two snapshots, vmstat keys sorted. */
export function delta(from: Snapshot, to: Snapshot): { vmstat: Record<string, number>; interrupts: Interrupts } {
  const vmstat: Record<string, number> = {};
  for (const key of Object.keys(to.vmstat).sort()) vmstat[key] = (to.vmstat[key] as number) - (from.vmstat[key] ?? 0);
  return {
    vmstat,
    interrupts: {
      TLB: to.tlb.map((v, i) => v - (from.tlb[i] as number)),
      CAL: to.cal.map((v, i) => v - (from.cal[i] as number)),
    },
  };
}

export function rate_per_sec(ops: number, ns: number): number {
  return ns > 0 ? (ops * 1e9) / ns : 0;
}
