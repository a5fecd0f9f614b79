import { accessSync, constants, existsSync } from 'node:fs';
import { KernelCheckError } from './errors.js';

/** --kvm: use KVM when it can run the guest (auto), insist on it (on), or emulate (off). */
export type KvmMode = 'auto' | 'on' | 'off';
export const KVM_MODES: readonly KvmMode[] = ['auto', 'on', 'off'];

/** How qemu runs the guest: KVM, or TCG (software emulation: counts hold, times mean nothing). */
export interface AcceleratorChoice {
  accel: 'kvm' | 'tcg';
  /** Why KVM was not used under --kvm auto; null when it was, or was not asked for. */
  note: string | null;
}

/** Why this host's KVM cannot run a stock kernel, or null when it looks usable. */
export function kvm_problem(): string | null {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return '/dev/kvm is missing or not accessible';
  }
  // kvm_pvm (a software "pagetable-based" KVM without VT-x/AMD-V) emulates an unmodified guest
  // kernel instruction by instruction and stops at the first one its emulator lacks.
  const hardware = ['kvm_intel', 'kvm_amd'].some((m) => existsSync(`/sys/module/${m}`));
  if (!hardware && existsSync('/sys/module/kvm_pvm')) return '/dev/kvm is kvm_pvm (no hardware virtualization), which cannot run a stock kernel';
  return null;
}

/** The accelerator for --kvm `mode` on this host. */
export function choose_accelerator(mode: KvmMode, problem: string | null = mode === 'off' ? null : kvm_problem()): AcceleratorChoice {
  if (mode === 'off') return { accel: 'tcg', note: null };
  if (problem === null) return { accel: 'kvm', note: null };
  if (mode === 'auto') return { accel: 'tcg', note: problem };
  if (!existsSync('/dev/kvm')) throw new KernelCheckError(`--kvm on: ${problem}; use --kvm auto or off`);
  return { accel: 'kvm', note: null }; // tried as asked: qemu's failure is reported
}
