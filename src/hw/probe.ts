/**
 * What the hardware tells an observer (the oracle) about TLB contents changing. The model
 * calls a probe only when one is installed, and behaves the same either way.
 */
export interface TlbProbe {
  /** The CPU dropped every user translation of its loaded mm (full flush or mm switch). */
  tlb_flush_all(cpu: number): void;
  /** The CPU dropped one translation (INVLPG). */
  tlb_flush_one(cpu: number, mm_id: number, vpn: number): void;
}
