/**
 * Explicit per-CPU TLB entries for the translations the model tracks one by one (pages that
 * reclaim and faults touch). Each entry is tagged with its address space and holds the page
 * frame it translates to plus the writable and dirty bits the CPU cached from the PTE
 * (kernel-spec B7: a clean cached entry cannot be written through without a page walk; a
 * dirty one can, even after the PTE is gone). Capacity-bounded, oldest evicted first.
 *
 * The bulk of an application's working set is not held here: its refill cost after a flush
 * is computed from its access pattern (workload/app_thread.ts).
 */
import type { TlbProbe } from './probe.js';

export const TLB_WRITABLE = 1;
export const TLB_DIRTY = 2;
const FLAG_SPAN = 4;

/** The page frame a packed TLB entry translates to. */
export function tlb_entry_pfn(entry: number): number {
  return Math.floor(entry / FLAG_SPAN);
}

/** The TLB_WRITABLE / TLB_DIRTY bits of a packed TLB entry. */
export function tlb_entry_flags(entry: number): number {
  return entry % FLAG_SPAN;
}

export class Tlb {
  private readonly entries: Map<number, number>[] = [];
  /** Entries per CPU, so that flushing a CPU that holds none costs one array read. */
  private readonly counts: Uint32Array;
  probe: TlbProbe | null = null;

  constructor(
    nr_cpus: number,
    readonly capacity: number,
  ) {
    for (let cpu = 0; cpu < nr_cpus; cpu++) this.entries.push(new Map());
    this.counts = new Uint32Array(nr_cpus);
  }

  /** Key of a translation: address space in the high bits, virtual page number below. */
  static key(mm_id: number, vpn: number): number {
    return mm_id * 0x1_0000_0000 + vpn;
  }

  /** Caches a translation to `pfn` after a page walk (the walk set PTE accessed, and dirty on a write). */
  fill(cpu: number, mm_id: number, vpn: number, pfn: number, flags: number): void {
    const map = this.entries[cpu] as Map<number, number>;
    const key = Tlb.key(mm_id, vpn);
    map.delete(key);
    map.set(key, pfn * FLAG_SPAN + flags);
    if (map.size > this.capacity) map.delete(map.keys().next().value as number);
    this.counts[cpu] = map.size;
  }

  /** The packed entry (pfn and flags) the CPU caches for a translation, or -1 when none. */
  lookup(cpu: number, mm_id: number, vpn: number): number {
    return (this.entries[cpu] as Map<number, number>).get(Tlb.key(mm_id, vpn)) ?? -1;
  }

  /** INVLPG of one page (flush_tlb_one_user). */
  flush_one(cpu: number, mm_id: number, vpn: number): void {
    if (this.probe !== null) this.probe.tlb_flush_one(cpu, mm_id, vpn);
    if (this.counts[cpu] === 0) return;
    const map = this.entries[cpu] as Map<number, number>;
    map.delete(Tlb.key(mm_id, vpn));
    this.counts[cpu] = map.size;
  }

  /** Full flush of the CPU's user entries (flush_tlb_local: CR3 rewrite without NOFLUSH). */
  flush_all(cpu: number): void {
    if (this.probe !== null) this.probe.tlb_flush_all(cpu);
    if (this.counts[cpu] === 0) return;
    (this.entries[cpu] as Map<number, number>).clear();
    this.counts[cpu] = 0;
  }

  /** Entries the CPU holds (for tests). */
  size(cpu: number): number {
    return this.counts[cpu] as number;
  }
}
