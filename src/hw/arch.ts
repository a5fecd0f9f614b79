import type { ArchName, ArchTlb } from './arch_tlb.js';
import type { Machine } from './machine.js';
import { X86Tlb } from './x86/tlb.js';

/** The architecture implementation a machine.arch names, built for machine `m`. */
export function make_arch_tlb(name: ArchName, m: Machine): ArchTlb {
  switch (name) {
    case 'x86':
      return new X86Tlb(m);
    case 'arm64':
    case 'x86-invlpgb':
      throw new Error(`machine.arch ${name} is not implemented yet`);
  }
}
