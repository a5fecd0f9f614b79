import type { ReclaimStrategy } from '../strategy.js';
import { batched } from './batched.js';
import { seed_v1, seed_v2 } from './seed_v1.js';
import { upstream } from './upstream.js';
import { zhang_v4 } from './zhang_v4.js';

/** The built-in strategies, by name (DESIGN.md section 4); upstream first, the baseline. */
export const BUILTIN_STRATEGIES: readonly ReclaimStrategy[] = [upstream, seed_v1, seed_v2, zhang_v4, batched];

export function builtin_strategy(name: string): ReclaimStrategy | undefined {
  return BUILTIN_STRATEGIES.find((s) => s.name === name);
}
