import type { ReclaimStrategy } from '../strategy.js';
import { batched } from './batched.js';
import { upstream } from './upstream.js';

/** The built-in strategies, by name (DESIGN.md section 4). */
export const BUILTIN_STRATEGIES: readonly ReclaimStrategy[] = [upstream, batched];

export function builtin_strategy(name: string): ReclaimStrategy | undefined {
  return BUILTIN_STRATEGIES.find((s) => s.name === name);
}
