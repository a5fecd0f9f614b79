import type { MmContext } from '../machine.js';

/**
 * The broadcast TLBIs one CPU issued and has not yet completed with a DSB: (mm, page) pairs
 * in issue order. Grows by doubling and is reused, so the reclaim hot path does not allocate.
 */
export class TlbiQueue {
  private mms: (MmContext | null)[] = new Array<MmContext | null>(64).fill(null);
  private vpns = new Float64Array(64);
  length = 0;

  push(mm: MmContext, vpn: number): void {
    if (this.length === this.vpns.length) {
      const vpns = new Float64Array(this.length * 2);
      vpns.set(this.vpns);
      this.vpns = vpns;
      this.mms.length = this.length * 2;
      this.mms.fill(null, this.length);
    }
    this.mms[this.length] = mm;
    this.vpns[this.length] = vpn;
    this.length++;
  }

  mm(i: number): MmContext {
    return this.mms[i] as MmContext;
  }

  vpn(i: number): number {
    return this.vpns[i] as number;
  }

  /** Forgets the TLBIs (keeping the storage); drops the mm references so they do not pin old runs. */
  clear(): void {
    this.mms.fill(null, 0, this.length);
    this.length = 0;
  }
}
