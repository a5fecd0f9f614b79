import { run_scenario, SimulationError } from '../run/run_scenario.js';
import type { GridExecutor } from '../sweep/sweep.js';
import type { StrategyRef } from './plan.js';

/**
 * Runs a review's grid in this thread: the sweep pool's workers resolve strategies by
 * built-in name only, so a review of a user module runs here, one run after another (the
 * outcome of each is what execute_run would give: a result, or the model's failure).
 */
export function in_process_executor(refs: readonly StrategyRef[]): GridExecutor {
  const by_arg = new Map(refs.map((ref) => [ref.arg, ref.strategy]));
  return async (pending, listener) => {
    for (const run of pending) {
      const strategy = by_arg.get(run.strategy);
      if (strategy === undefined) throw new RangeError(`no strategy ${run.strategy} in this review`);
      try {
        listener.done(run, { result: run_scenario(run.scenario, { strategy, seed: run.seed, command: run.command }) });
      } catch (error) {
        if (!(error instanceof SimulationError)) throw error;
        listener.done(run, { error: error.message });
      }
      // Let the progress bar draw between runs.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
}
