import type { ArchName, ArchTlb } from './arch_tlb.js';
import { Arm64Tlb, type Arm64BatchedPending } from './arm64/tlb.js';
import type { Machine } from './machine.js';
import { X86Tlb } from './x86/tlb.js';
import { X86InvlpgbTlb } from './x86/invlpgb.js';
import { X86KvmGuestTlb } from './x86/kvm_guest.js';

/** Architecture options of a machine (scenario machine.*). */
export interface ArchOptions {
  /** machine.arm64_batched_flush: arm64 defers reclaim flushes (6.5+); default true. */
  arm64_batched_flush?: boolean | undefined;
  /** machine.arm64_batched_pending: flush_mm (6.16+, default) or dsb (6.5-6.15). */
  arm64_batched_pending?: Arm64BatchedPending | undefined;
  /** machine.kvm_preempt_pct: x86-kvm-guest, percent of time the host has a vCPU preempted. */
  kvm_preempt_pct?: number | undefined;
  /** Test-only defect (mm/mutants.ts flush_tlb_multi_no_wait): x86 does not wait for its IPIs' calls. */
  flush_tlb_multi_no_wait?: boolean | undefined;
  /** The run's seed (the host's preemption schedule is drawn from it). */
  seed?: number | undefined;
}

/** The architecture implementation a machine.arch names, built for machine `m`. */
export function make_arch_tlb(name: ArchName, m: Machine, options: ArchOptions): ArchTlb {
  const x86 = (tlb: X86Tlb): X86Tlb => {
    tlb.wait = options.flush_tlb_multi_no_wait !== true;
    return tlb;
  };
  switch (name) {
    case 'x86':
      return x86(new X86Tlb(m));
    case 'x86-invlpgb':
      return x86(new X86InvlpgbTlb(m));
    case 'x86-kvm-guest':
      return x86(new X86KvmGuestTlb(m, options.kvm_preempt_pct ?? 0, options.seed ?? 1));
    case 'arm64':
      return new Arm64Tlb(m, options.arm64_batched_flush ?? true, options.arm64_batched_pending ?? 'flush_mm');
  }
}
