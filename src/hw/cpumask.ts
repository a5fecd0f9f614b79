import { assert } from '../engine/assert.js';

/** Largest machine modelled; cpumasks are fixed-size bitmaps of this many bits. */
export const NR_CPUS_MAX = 256;
const WORDS = NR_CPUS_MAX / 32;

/**
 * A `struct cpumask`: a fixed bitmap of CPUs (include/linux/cpumask.h), stored in eight
 * 32-bit words so that OR-ing masks (arch_tlbbatch_add_pending) costs a few word operations.
 */
export class Cpumask {
  readonly bits = new Uint32Array(WORDS);

  set(cpu: number): void {
    assert(cpu >= 0 && cpu < NR_CPUS_MAX, () => `cpu ${cpu} out of range`);
    this.bits[cpu >>> 5] = ((this.bits[cpu >>> 5] as number) | (1 << (cpu & 31))) >>> 0;
  }

  clear(cpu: number): void {
    this.bits[cpu >>> 5] = ((this.bits[cpu >>> 5] as number) & ~(1 << (cpu & 31))) >>> 0;
  }

  test(cpu: number): boolean {
    return (((this.bits[cpu >>> 5] as number) >>> (cpu & 31)) & 1) === 1;
  }

  clear_all(): void {
    this.bits.fill(0);
  }

  /** this |= other */
  or(other: Cpumask): void {
    const a = this.bits;
    const b = other.bits;
    for (let i = 0; i < WORDS; i++) a[i] = ((a[i] as number) | (b[i] as number)) >>> 0;
  }

  copy_from(other: Cpumask): void {
    this.bits.set(other.bits);
  }

  /** True if any CPU other than `cpu` is set (cpumask_any_but(mask, cpu) < nr_cpu_ids). */
  any_but(cpu: number): boolean {
    for (let i = 0; i < WORDS; i++) {
      let word = this.bits[i] as number;
      if (i === cpu >>> 5) word = (word & ~(1 << (cpu & 31))) >>> 0;
      if (word !== 0) return true;
    }
    return false;
  }

  weight(): number {
    let n = 0;
    for (let i = 0; i < WORDS; i++) {
      let w = this.bits[i] as number;
      while (w !== 0) {
        w &= w - 1;
        n++;
      }
    }
    return n;
  }

  /** CPUs set, ascending. Allocates: for tests and reports, not the hot path. */
  to_array(): number[] {
    const cpus: number[] = [];
    for (let cpu = 0; cpu < NR_CPUS_MAX; cpu++) if (this.test(cpu)) cpus.push(cpu);
    return cpus;
  }
}
