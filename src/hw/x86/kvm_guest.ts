import type { ArchName } from '../arch_tlb.js';
import type { Machine } from '../machine.js';
import { X86Tlb } from './tlb.js';

/** Length of one host scheduling decision about a vCPU (estimate: a few CFS/EEVDF slices of ~0.75-3 ms). */
const HOST_SLOT_NS = 1_000_000;

/**
 * A Linux guest on KVM (arch/x86/kernel/kvm.c, 858a43aae236 "KVM: X86: use paravirtualized TLB
 * Shootdown", Linux 4.16): flush_tlb_multi is kvm_flush_tlb_multi. A target vCPU whose
 * steal-time `preempted` byte says KVM_VCPU_PREEMPTED (the host descheduled it while it was
 * runnable) gets KVM_VCPU_FLUSH_TLB set instead of an IPI: no interrupt, no TLB row, no wait;
 * the host flushes its whole guest TLB in record_steal_time() before it runs guest code again.
 * The preempted test comes before, and regardless of, the lazy test. Every IPI still sent is
 * an ICR write, a VM exit on the sender (x2APIC physical mode: one per destination).
 *
 * Host preemption is a seeded schedule: in each HOST_SLOT_NS slot a vCPU is preempted with
 * probability machine.kvm_preempt_pct percent, drawn by hashing (seed, vCPU, slot). The flagged
 * vCPU's full flush is applied at once: it can execute nothing before its next entry, and the
 * host flushes before that entry, so no guest access can use the old translation meanwhile —
 * unlike a running vCPU's IPI, whose flush_tlb_func runs at its delivery (X86Tlb.flush_tlb_multi).
 */
export class X86KvmGuestTlb extends X86Tlb {
  override readonly name: ArchName = 'x86-kvm-guest';
  /** Flushes left to the host at a preempted vCPU's next entry (kvm:kvm_pv_tlb_flush on the host). */
  pv_flush_on_entry = 0;

  constructor(
    m: Machine,
    private readonly preempt_pct: number,
    private readonly seed: number,
  ) {
    super(m);
  }

  override vm_events(): Record<string, number> {
    return { ...this.events, sim_pv_tlb_flush_on_entry: this.pv_flush_on_entry };
  }

  /** kvm_flush_tlb_multi's per-CPU step, then the VM exit of the ICR write for an IPI actually sent. */
  protected override readonly paravirt = true;

  protected override guest_ipi_ns(target: number, t_ns: number): number {
    if (this.preempted(target, t_ns)) {
      this.pv_flush_on_entry++;
      this.m.user_tlb_flushed(target, t_ns);
      return -1;
    }
    return this.m.cost.vmexit_ns;
  }

  /** Whether the host has vCPU `cpu` preempted at `t_ns`: a stateless hash of (seed, vCPU, slot). */
  private preempted(cpu: number, t_ns: number): boolean {
    if (this.preempt_pct === 0) return false;
    let h = Math.imul(this.seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(cpu + 1, 0xc2b2ae35) ^ Math.floor(t_ns / HOST_SLOT_NS);
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    h ^= h >>> 16;
    return (h >>> 0) % 100 < this.preempt_pct;
  }
}
