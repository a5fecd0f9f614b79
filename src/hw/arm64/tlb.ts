import { PMD_NR_PAGES, PMD_STRIDE_SHIFT, running_cpus_mask, TLB_FLUSH_ALL, type ArchName, type ArchTlb, type ArchTlbBatch, type BroadcastFlushEvents } from '../arch_tlb.js';
import type { Machine, MmContext } from '../machine.js';
import { TlbiQueue } from './tlbi_queue.js';

/** machine.arm64_batched_pending: what arch_flush_tlb_batched_pending does (see Arm64Tlb). */
export type Arm64BatchedPending = 'flush_mm' | 'dsb';

/** MAX_DVM_OPS (arch/arm64/include/asm/tlbflush.h): above this many TLBIs a range becomes one ASID flush. */
const MAX_DVM_OPS = 512;

/**
 * arm64's struct arch_tlbflush_unmap_batch is empty: "HW can do tlb shootdown, so we don't
 * need to record cpumask for sending IPI". The TLBIs in flight belong to the issuing CPU.
 */
class Arm64TlbBatch implements ArchTlbBatch {
  readonly arch: ArchName = 'arm64';
}

/**
 * arm64 TLB maintenance (arch/arm64/include/asm/tlbflush.h, 6.5+): no IPIs; every flush is a
 * broadcast TLBI ...IS to the inner-shareable domain, completed only by a DSB ISH executed by
 * the CPU that issued it (Arm ARM, as quoted in 4b634918384c). Batched reclaim (43b3dfdd0455,
 * Barry Song / Yicong Yang, Linux 6.5): arch_tlbbatch_add_pending issues the page's TLBI at
 * once without waiting, arch_tlbbatch_flush is one DSB ISH. With `batched` false (before 6.5,
 * or ARM64_WORKAROUND_REPEAT_TLBI) reclaim never defers and ptep_clear_flush waits per page.
 *
 * Model: a TLBI takes effect in the TLB model (and for the oracle) when its issuing CPU's DSB
 * completes it; until then every CPU may still use the old translation. It is applied when
 * the DSB starts — the invalidation may land anywhere before the DSB retires, and the issuing
 * CPU does nothing else until then, so the oracle's verdict does not depend on where. The CPUs that can
 * hold an mm's translations are those with it loaded (mm.cpumask is the model's record of
 * that, kept by switch_mm; arm64 itself does not consult it). KPTI's second TLBI per page and
 * the TLBI of ptep_clear_flush_young (a PTE's reference check; a PMD's is, flush_pmd_tlb_range)
 * are not modelled.
 */
export class Arm64Tlb implements ArchTlb {
  readonly name: ArchName = 'arm64';
  /** No /proc/interrupts row moves for user TLB maintenance on arm64. */
  readonly interrupt_rows: Readonly<Record<string, Float64Array>> = {};
  readonly shootdowns_received: Float64Array;
  readonly events: BroadcastFlushEvents = { sim_flush_broadcast: 0, sim_flush_broadcast_sync: 0 };
  /** TLBIs each CPU issued that no DSB of it has completed yet. */
  private readonly in_flight: TlbiQueue[] = [];
  private readonly dsb_ns: number;

  constructor(
    private readonly m: Machine,
    /** machine.arm64_batched_flush: ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH (6.5+). */
    private readonly batched: boolean,
    /** machine.arm64_batched_pending: 'dsb' is 6.5-6.15's arch_flush_tlb_batched_pending, 'flush_mm' the fix. */
    private readonly batched_pending: Arm64BatchedPending,
  ) {
    this.shootdowns_received = new Float64Array(m.nr_cpus);
    for (let cpu = 0; cpu < m.nr_cpus; cpu++) this.in_flight.push(new TlbiQueue());
    // The DSB waits for the farthest PE's completion: one more interconnect crossing per extra socket.
    this.dsb_ns = m.cost.dsb_ish_ns + m.nr_cpus * m.cost.dsb_ish_per_cpu_ns + (m.nr_sockets - 1) * 2 * m.cost.cross_socket_ns;
  }

  vm_events(): Record<string, number> {
    return { ...this.events };
  }

  /** Flush rounds that reached other CPUs: completed broadcast syncs. */
  remote_flush_rounds(): number {
    return this.events.sim_flush_broadcast_sync;
  }

  new_batch(): ArchTlbBatch {
    return new Arm64TlbBatch();
  }

  /** arch_tlbbatch_should_defer: always (no CPU-count condition since v10 of the series), unless batching is off. */
  arch_tlbbatch_should_defer(_mm: MmContext, _cpu: number): boolean {
    return this.batched;
  }

  /** arch_tlbbatch_add_pending = __flush_tlb_page_nosync: DSB ISHST and one TLBI VALE1IS, no wait. */
  arch_tlbbatch_add_pending(_batch: ArchTlbBatch, mm: MmContext, vpn: number, cpu: number, t_ns: number): number {
    this.tlbi(cpu, mm, vpn);
    return t_ns + this.m.cost.tlbi_ns;
  }

  arch_tlbbatch_reaches_remote(_batch: ArchTlbBatch, cpu: number): boolean {
    return this.m.nr_cpus > 1 && (this.in_flight[cpu] as TlbiQueue).length > 0;
  }

  /** arch_tlbbatch_flush = dsb(ish): waits for every TLBI this CPU issued, for every mm of the batch. */
  arch_tlbbatch_flush(_batch: ArchTlbBatch, cpu: number, t_ns: number): number {
    return this.dsb_ish(cpu, t_ns);
  }

  /**
   * __flush_tlb_range / flush_tlb_mm: one TLBI VALE1IS per stride (a 2 MiB stride drops its
   * 512 pages' translations), or, for the whole mm or more than MAX_DVM_OPS strides, one TLBI
   * ASIDE1IS; then DSB ISH. freed_tables changes the TLBI level only, not who is reached.
   */
  flush_tlb_mm_range(cpu: number, t_ns: number, mm: MmContext, start_vpn: number, end_vpn: number, stride_shift: number, _freed_tables: boolean): number {
    const m = this.m;
    if (end_vpn === TLB_FLUSH_ALL || (end_vpn - start_vpn) >> stride_shift > MAX_DVM_OPS) {
      // TLBI ASIDE1IS: takes effect with the DSB below, on every CPU that runs the mm.
      this.events.sim_flush_broadcast++;
      const done_ns = this.dsb_ish(cpu, t_ns + m.cost.tlbi_ns);
      this.drop_mm(mm, done_ns);
      return done_ns;
    }
    let now_ns = t_ns;
    for (let vpn = start_vpn; vpn < end_vpn; vpn += 1 << stride_shift) {
      this.events.sim_flush_broadcast++;
      now_ns += m.cost.tlbi_ns;
    }
    // The range's translations are queued page by page so that the DSB drops each.
    for (let vpn = start_vpn; vpn < end_vpn; vpn++) (this.in_flight[cpu] as TlbiQueue).push(mm, vpn);
    return this.dsb_ish(cpu, now_ns);
  }

  /**
   * flush_pmd_tlb_range on arm64 (asm/pgtable.h, 6.12): __flush_tlb_range with PMD_SIZE stride —
   * one TLBI for the block, then the DSB.
   */
  flush_pmd_tlb_range(cpu: number, t_ns: number, mm: MmContext, start_vpn: number): number {
    return this.flush_tlb_mm_range(cpu, t_ns, mm, start_vpn, start_vpn + PMD_NR_PAGES, PMD_STRIDE_SHIFT, false);
  }

  /**
   * flush_tlb_batched_pending. Since 4b634918384c (Ryan Roberts, 2025): flush_tlb_mm, a
   * whole-ASID TLBI and DSB, because a DSB on this CPU does not complete TLBIs another CPU
   * issued. 6.5 to 6.15 (`batched_pending` 'dsb') did only dsb(ish) here: when reclaim ran on
   * another CPU its TLBIs stay in flight, and the oracle finds the stale translations.
   */
  arch_flush_tlb_batched_pending(cpu: number, t_ns: number, mm: MmContext): number {
    if (this.batched_pending === 'dsb') return this.dsb_ish(cpu, t_ns);
    return this.flush_tlb_mm_range(cpu, t_ns, mm, 0, TLB_FLUSH_ALL, 0, true);
  }

  /** A CPU running the mm (not lazily) may use its cached translations. */
  may_hold(cpu: number, mm: MmContext): boolean {
    return mm.cpumask.test(cpu) && this.m.is_lazy[cpu] === 0;
  }

  may_hold_mask(mm: MmContext, bits: Uint32Array): void {
    running_cpus_mask(this.m, mm, bits);
  }

  /** One broadcast TLBI VALE1IS by `cpu`, in flight until its DSB. */
  private tlbi(cpu: number, mm: MmContext, vpn: number): void {
    this.events.sim_flush_broadcast++;
    (this.in_flight[cpu] as TlbiQueue).push(mm, vpn);
  }

  /** DSB ISH on `cpu`: every TLBI it issued completes on every CPU; returns when it retires. */
  private dsb_ish(cpu: number, t_ns: number): number {
    const queue = this.in_flight[cpu] as TlbiQueue;
    this.events.sim_flush_broadcast_sync++;
    const tlb = this.m.tlb;
    for (let i = 0; i < queue.length; i++) {
      const mm = queue.mm(i);
      const vpn = queue.vpn(i);
      const words = mm.cpumask.bits;
      for (let w = 0; w < words.length; w++) {
        let word = words[w] as number;
        while (word !== 0) {
          const bit = 31 - Math.clz32(word & -word);
          word = (word & (word - 1)) >>> 0;
          tlb.flush_one(w * 32 + bit, mm.id, vpn);
        }
      }
    }
    queue.clear();
    return t_ns + this.dsb_ns;
  }

  /** TLBI ASIDE1IS completed: every CPU that has the mm loaded loses all its translations. */
  private drop_mm(mm: MmContext, at_ns: number): void {
    for (let cpu = 0; cpu < this.m.nr_cpus; cpu++) if (mm.cpumask.test(cpu)) this.m.user_tlb_flushed(cpu, at_ns);
  }
}
