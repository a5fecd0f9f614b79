import type { ArchName, ArchTlb } from './arch_tlb.js';
import { Arm64Tlb } from './arm64/tlb.js';
import type { Machine } from './machine.js';
import { X86Tlb } from './x86/tlb.js';
import { X86InvlpgbTlb } from './x86/invlpgb.js';

/** Architecture options of a machine (scenario machine.*). */
export interface ArchOptions {
  /** machine.arm64_batched_flush: arm64 defers reclaim flushes (6.5+); default true. */
  arm64_batched_flush?: boolean | undefined;
}

/** The architecture implementation a machine.arch names, built for machine `m`. */
export function make_arch_tlb(name: ArchName, m: Machine, options: ArchOptions): ArchTlb {
  switch (name) {
    case 'x86':
      return new X86Tlb(m);
    case 'x86-invlpgb':
      return new X86InvlpgbTlb(m);
    case 'arm64':
      return new Arm64Tlb(m, options.arm64_batched_flush ?? true);
  }
}
