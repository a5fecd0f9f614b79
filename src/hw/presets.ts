import type { ArchName } from './arch_tlb.js';
import type { CostName } from './cost_model.js';

/** The machine fields a preset sets (scenario `machine.*`). */
export interface PresetMachine {
  cpus: number;
  sockets: number;
  arch: ArchName;
  tlb_entries: number;
  cost: { readonly [K in CostName]?: number };
  kvm_preempt_pct?: number;
}

/** A machine people own, with where each of its values comes from. */
export interface MachinePreset {
  readonly description: string;
  readonly machine: PresetMachine;
  /** Field -> its source, or "estimate: why". Costs not named keep the cost model's defaults and sources. */
  readonly sources: Readonly<Record<string, string>>;
}

const CORE_TO_CORE = 'nviennot/core-to-core-latency README tables (research memo issue-11 4.1)';

/**
 * `machine.preset` names (issue 11). Sources are the research memo's (docs/research is not
 * shipped; the memo cites each primary source). Values without a primary source are marked
 * estimates; nothing here was tuned to a published result.
 */
export const MACHINE_PRESETS = {
  'milan-2s': {
    description: 'AMD EPYC 7763-class (Zen 3 Milan), 2 sockets x 64 cores, Linux 6.15+ with INVLPGB',
    machine: { cpus: 128, sockets: 2, arch: 'x86-invlpgb', tlb_entries: 2048, cost: { cross_socket_ns: 87 } },
    sources: {
      cpus: 'EPYC 7003: up to 64 cores per socket, 1S or 2S (itworldcanada Milan overview, Mar 2021; memo 5); SMT off',
      sockets: 'EPYC 7763: 2P-capable (memo 5)',
      arch: 'INVLPGB/TLBSYNC since Zen 3, used by Linux from 6.15 (X86_FEATURE_INVLPGB; Rik van Riel series; memo 1)',
      tlb_entries: 'estimate: Zen 3 L2 DTLB size not found; Zen 2 has 2048 entries (WikiChip zen_2; memo 5)',
      cross_socket_ns: `EPYC 7R13 2S: ~110 ns across CCXs in a socket vs 197 ns across sockets, difference 87 ns (${CORE_TO_CORE})`,
      invlpgb_ns: 'estimate: no published INVLPGB latency (memo 7)',
      tlbsync_ns: 'estimate: no published TLBSYNC latency (memo 7)',
    },
  },
  'xeon-2s': {
    description: 'Intel Xeon Platinum 8380-class (Ice Lake-SP), 2 sockets x 40 cores, IPIs (x2APIC)',
    machine: { cpus: 80, sockets: 2, arch: 'x86', tlb_entries: 1536, cost: { cross_socket_ns: 57 } },
    sources: {
      cpus: 'Ice Lake-SP: up to 40 cores per socket (hexus.net Xeon Platinum 8380 2P review, Apr 2021; memo 5); SMT off',
      sockets: '8380 2P system of the review (memo 5)',
      arch: 'no INVLPGB on Intel; Intel RAR not in Linux (memo 5)',
      tlb_entries: 'estimate: Sunny Cove STLB size not found (memo 7); the model default',
      cross_socket_ns: `Xeon Platinum 8375C (Ice Lake) 2S: 51 ns same socket vs 108 ns across, difference 57 ns (${CORE_TO_CORE})`,
    },
  },
  'kunpeng920-2s': {
    description: 'HiSilicon Kunpeng 920-class (TaiShan v110) arm64 server, 2 sockets x 64 cores, batched reclaim flush (6.5+)',
    machine: { cpus: 128, sockets: 2, arch: 'arm64', tlb_entries: 1280, cost: { cross_socket_ns: 50 } },
    sources: {
      cpus: 'Kunpeng 920: 32/48/64 cores per socket, 2S gives the "128 CPU platform" of the arm64 batching commit 43b3dfdd0455 (WikiChip taishan_v110; memo 2.3, 5)',
      sockets: 'TaiShan 2S servers; the 128-CPU machine of 43b3dfdd0455 (memo 5)',
      arch: 'broadcast TLBI + DSB, batched in reclaim since Linux 6.5 (43b3dfdd0455; memo 2)',
      tlb_entries: 'estimate: Kunpeng 920 TLB sizes not found (memo 7); Cortex-A76-class L2 TLB of 1280 entries (Arm A76 TRM) taken instead',
      cross_socket_ns: `estimate: no 2-socket Kunpeng figure (memo 7); the in-package cross-die difference (30-38 ns in-die vs 72-87 ns cross-die, ${CORE_TO_CORE}) is ~45-50 ns`,
      tlbi_ns: 'estimate: no published TLBI VALE1IS latency (memo 2.6)',
      dsb_ish_ns: 'estimate: no published DSB ISH latency (memo 2.6)',
    },
  },
  'sd888-phone': {
    description: 'Qualcomm Snapdragon 888-class phone SoC, 8 arm64 cores (1 X1 + 3 A78 + 4 A55), batched reclaim flush (6.5+)',
    machine: { cpus: 8, sockets: 1, arch: 'arm64', tlb_entries: 1024, cost: {} },
    sources: {
      cpus: '1x Cortex-X1 + 3x Cortex-A78 + 4x Cortex-A55 (financialexpress.com, Dec 2020; memo 5); the SoC of the arm64 batching commit\'s benchmark',
      sockets: 'one SoC',
      arch: 'broadcast TLBI + DSB; whether a given phone kernel has the 6.5 batching is device-specific (memo 5)',
      tlb_entries: 'Cortex-A55 L2 TLB: 1024 entries (Intel Agilex 5 HPS TRM; memo 5); X1/A78 sizes not found',
      tlbi_ns: 'estimate: no published TLBI VALE1IS latency (memo 2.6)',
      dsb_ish_ns: 'estimate: no published DSB ISH latency (memo 2.6)',
    },
  },
  'kvm-guest': {
    description: 'a 16-vCPU Linux KVM guest on a 2-socket Xeon host, paravirtual TLB flush, vCPUs preempted 10 % of the time',
    machine: { cpus: 16, sockets: 1, arch: 'x86-kvm-guest', tlb_entries: 1536, kvm_preempt_pct: 10, cost: {} },
    sources: {
      cpus: 'estimate: a common VM size; the PV flush commit measured 64-vCPU VMs on a 2S Xeon Gold 6142 (memo 3.5)',
      sockets: 'estimate: the guest sees one virtual socket; the vCPUs\' host placement is not modelled',
      arch: 'kvm_flush_tlb_multi (858a43aae236, Linux 4.16): active with KVM_FEATURE_PV_TLB_FLUSH and steal time, no KVM_HINTS_REALTIME (memo 3.2)',
      tlb_entries: 'estimate: as the host (xeon-2s), the model default',
      kvm_preempt_pct: 'estimate: no published preemption rate; 10 % stands for a lightly overcommitted host (the PV commit\'s +78 % was at 2x overcommit)',
      vmexit_ns: 'estimate: absolute VM-exit cost of an ICR write not found (memo 3.5, 7)',
    },
  },
} as const satisfies Record<string, MachinePreset>;

export type PresetName = keyof typeof MACHINE_PRESETS;
export const PRESET_NAMES = Object.keys(MACHINE_PRESETS) as [PresetName, ...PresetName[]];
