import type { RunResult } from '../run/result.js';
import { run_scenario, SimulationError } from '../run/run_scenario.js';
import type { Scenario } from '../scenario/schema.js';
import type { RunSpec } from './grid.js';

/** What a worker gets: a resolved scenario, a strategy and a seed (plain data, cloneable, JSON-safe). */
export interface RunTask {
  id: string;
  scenario: Scenario;
  strategy: string;
  seed: number;
  /** The command that reproduces the run alone, quoted in oracle findings. */
  command: string;
}

export function task_of(run: RunSpec): RunTask {
  return { id: run.id, scenario: run.scenario, strategy: run.strategy, seed: run.seed, command: run.command };
}

/** What a worker returns: the run record, or the model's failure, which is as deterministic as a result. */
export type RunOutcome = { result: RunResult } | { error: string };

/**
 * The pure worker function of every executor (thread pool and queue worker alike): the
 * outcome depends on the task alone. A model failure is an outcome and is recorded; any other
 * error is the executor's and is thrown, so the run is retried rather than recorded.
 */
export function execute_run(task: RunTask): RunOutcome {
  try {
    return { result: run_scenario(task.scenario, { strategy: task.strategy, seed: task.seed, command: task.command }) };
  } catch (error) {
    if (error instanceof SimulationError) return { error: error.message };
    throw error;
  }
}
