import type { Scenario } from '../scenario/schema.js';
import { smaller } from './shrink_moves.js';

/** Shrinking's budget: runs tried, and simulated events summed over them. Never wall time, so a finding always shrinks to the same scenario. */
export interface ShrinkBudget {
  runs: number;
  events: number;
}

export const DEFAULT_SHRINK_BUDGET: ShrinkBudget = { runs: 150, events: 1e8 };

export interface ShrinkResult {
  scenario: Scenario;
  /** The moves taken, in order. */
  moves: string[];
  /** Runs tried (taken or not). */
  runs: number;
  /** The budget ran out before no move applied any more. */
  exhausted: boolean;
}

/**
 * Shrinks a failing scenario the property-testing way (Hypothesis, QCheck's Shrink.filter):
 * try the moves in order on the current scenario, take the first whose scenario still fails
 * (`fires` says whether, and how many events the run took), and start again from it, until
 * no move applies or the budget is spent. Every move lowers the scenario's rank
 * (shrink_moves.ts), so the loop ends.
 */
export function shrink(start: Scenario, fires: (s: Scenario) => { fires: boolean; events: number }, budget: ShrinkBudget = DEFAULT_SHRINK_BUDGET): ShrinkResult {
  let current = start;
  const moves: string[] = [];
  let runs = 0;
  let events = 0;
  for (;;) {
    let taken = false;
    for (const candidate of smaller(current)) {
      if (runs >= budget.runs || events >= budget.events) return { scenario: current, moves, runs, exhausted: true };
      runs++;
      const outcome = fires(candidate.scenario);
      events += outcome.events;
      if (outcome.fires) {
        current = candidate.scenario;
        moves.push(candidate.move);
        taken = true;
        break;
      }
    }
    if (!taken) return { scenario: current, moves, runs, exhausted: false };
  }
}
