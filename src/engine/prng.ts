import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import { assert } from './assert.js';

/**
 * Seeded randomness, the only source of it in the model. One root seed
 * gives independent streams by jumping the generator, so adding a consumer of randomness
 * does not shift the numbers another consumer sees. Decisions use integers and ratios, never
 * floating-point probabilities (TigerBeetle's rule, reference/style-anchors.md section 1).
 */
export class Prng {
  private constructor(private readonly generator: JumpableRandomGenerator) {}

  /** Stream `index` of the root `seed`: the generator jumped `index + 1` times. */
  static stream(seed: number, index: number): Prng {
    assert(Number.isSafeInteger(seed) && seed >= 0, () => `seed must be a non-negative integer, got ${seed}`);
    const generator = xoroshiro128plus(seed % 0x1_0000_0000 ^ Math.floor(seed / 0x1_0000_0000));
    for (let i = 0; i <= index; i++) generator.jump();
    return new Prng(generator);
  }

  /** Uniform integer in [from, to], both included. */
  range_inclusive(from: number, to: number): number {
    return uniformInt(this.generator, from, to);
  }

  /** True with probability numerator/denominator. */
  chance(numerator: number, denominator: number): boolean {
    assert(denominator > 0 && numerator >= 0 && numerator <= denominator, 'bad ratio');
    return this.range_inclusive(0, denominator - 1) < numerator;
  }
}
