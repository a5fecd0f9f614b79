import { TLB_FLUSH_ALL, type ArchName, type ArchTlbBatch, type BroadcastFlushEvents } from '../arch_tlb.js';
import type { MmContext } from '../machine.js';
import { X86Tlb, type X86TlbBatch } from './tlb.js';

/**
 * invlpgb_count_max: pages one INVLPGB may cover (CPUID 0x80000008 EDX[15:0] + 1). Its value
 * on Milan was not found (research memo issue-11, section 7): an estimate.
 */
const INVLPGB_COUNT_MAX = 8;
/** A jiffy at HZ=250, for consider_global_asid's "every once in a while" sampling. */
const JIFFY_NS = 4_000_000;
/** mm_active_cpus_exceeds(mm, 3): a global ASID needs the mm running on 4 or more CPUs. */
const GLOBAL_ASID_MIN_CPUS = 4;

/**
 * AMD broadcast TLB invalidation as merged in Linux 6.15 (Rik van Riel's series, x86/core pull
 * for v6.15; arch/x86/mm/tlb.c): x86 IPI flushing, except that
 * - the batched reclaim flush (72a920eacd8a "Use broadcast TLB flushing in page reclaim",
 *   0b7eb55cb706 "Only do broadcast flush from reclaim if pages were unmapped") issues one
 *   INVLPGB of every non-global translation of every PCID plus TLBSYNC and sends no IPI: every
 *   CPU's user TLB is emptied, whatever it runs;
 * - an mm running on 4 or more CPUs may get a global ASID (4afeb0ed1753) after an IPI flush,
 *   and its flush_tlb_mm_range is then INVLPGB(s) + TLBSYNC instead of IPIs.
 * The posted "targeted" variant (INVLPGB per page at add time, kernel-spec C13) was not merged
 * and is not this. The INVLPGB paths count nothing in /proc/interrupts or vmstat; the model
 * counts them in the arch-neutral sim_flush_broadcast* events. The ASID transition (CPUs still
 * on a local ASID, flushed by IPI meanwhile) is not modelled: the global ASID applies at once.
 * An INVLPGB's invalidation may land on a remote TLB anywhere between its issue and the
 * TLBSYNC that waits for it; the model applies it at issue (the initiator frees or writes
 * nothing before TLBSYNC returns, so the oracle's verdict does not depend on where).
 */
export class X86InvlpgbTlb extends X86Tlb {
  override readonly name: ArchName = 'x86-invlpgb';
  readonly broadcast: BroadcastFlushEvents = { sim_flush_broadcast: 0, sim_flush_broadcast_sync: 0 };

  override vm_events(): Record<string, number> {
    return { ...this.events, ...this.broadcast };
  }

  override arch_tlbbatch_reaches_remote(batch: ArchTlbBatch, cpu: number): boolean {
    return (batch as X86TlbBatch).unmapped_pages ? this.m.nr_cpus > 1 : super.arch_tlbbatch_reaches_remote(batch, cpu);
  }

  /** arch_tlbbatch_flush (6.15): invlpgb_flush_all_nonglobals when a PTE was unmapped, else the IPI path. */
  override arch_tlbbatch_flush(batch: ArchTlbBatch, cpu: number, t_ns: number): number {
    const b = batch as X86TlbBatch;
    if (!b.unmapped_pages) return super.arch_tlbbatch_flush(batch, cpu, t_ns);
    const m = this.m;
    this.broadcast.sim_flush_broadcast++;
    this.broadcast.sim_flush_broadcast_sync++;
    const done_ns = t_ns + m.cost.invlpgb_ns + this.tlbsync_ns();
    // Every CPU's user entries go; a CPU on init_mm (idle) holds none in the model.
    for (let target = 0; target < m.nr_cpus; target++) if (m.loaded_mm[target] !== null) m.user_tlb_flushed(target, done_ns);
    b.cpumask.clear_all();
    b.unmapped_pages = false;
    return done_ns;
  }

  /**
   * flush_tlb_mm_range (6.15): a global-ASID mm is flushed by broadcast_tlb_flush — one
   * INVLPGB for the whole PCID, or one per invlpgb_count_max strides — then TLBSYNC, no IPI;
   * any other mm as on x86, after which consider_global_asid may give it a global ASID.
   */
  override flush_tlb_mm_range(cpu: number, t_ns: number, mm: MmContext, start_vpn: number, end_vpn: number, stride_shift: number, freed_tables: boolean): number {
    const m = this.m;
    if (!mm.global_asid) {
      const ipis = mm.cpumask.any_but(cpu);
      const done_ns = super.flush_tlb_mm_range(cpu, t_ns, mm, start_vpn, end_vpn, stride_shift, freed_tables);
      if (ipis) this.consider_global_asid(mm, t_ns);
      return done_ns;
    }
    mm.tlb_gen++;
    const full = end_vpn === TLB_FLUSH_ALL || (end_vpn - start_vpn) >> stride_shift > m.tlb_single_page_flush_ceiling;
    const strides = full ? 0 : (end_vpn - start_vpn) >> stride_shift;
    const invlpgbs = full ? 1 : Math.max(1, Math.ceil(strides / (stride_shift <= 9 ? INVLPGB_COUNT_MAX : 1)));
    this.broadcast.sim_flush_broadcast += invlpgbs;
    this.broadcast.sim_flush_broadcast_sync++;
    const done_ns = t_ns + invlpgbs * m.cost.invlpgb_ns + this.tlbsync_ns();
    for (let target = 0; target < m.nr_cpus; target++) {
      if (!mm.cpumask.test(target)) continue;
      if (full) m.user_tlb_flushed(target, done_ns);
      else for (let vpn = start_vpn; vpn < end_vpn; vpn++) m.tlb.flush_one(target, mm.id, vpn);
    }
    return done_ns;
  }

  /** TLBSYNC waits for every CPU of the system, the farthest across the interconnect and back. */
  private tlbsync_ns(): number {
    return this.m.cost.tlbsync_ns + (this.m.nr_sockets - 1) * 2 * this.m.cost.cross_socket_ns;
  }

  /**
   * consider_global_asid: sampled when (current->pid & 31) == (jiffies & 31) — the mm's id
   * stands in for the pid — then a global ASID if the mm is loaded, not lazily, on 4+ CPUs.
   */
  private consider_global_asid(mm: MmContext, t_ns: number): void {
    if ((mm.id & 31) !== (Math.floor(t_ns / JIFFY_NS) & 31)) return;
    let active = 0;
    for (let cpu = 0; cpu < this.m.nr_cpus; cpu++) if (mm.cpumask.test(cpu) && this.m.loaded_mm[cpu] === mm && this.m.is_lazy[cpu] === 0) active++;
    if (active >= GLOBAL_ASID_MIN_CPUS) mm.global_asid = true;
  }
}
