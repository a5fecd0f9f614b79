import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ReclaimStrategy } from '../reclaim/strategy.js';
import type { RunResult } from '../run/result.js';
import { run_scenario, SimulationError } from '../run/run_scenario.js';
import { load_strategy_module } from '../run/strategy_module.js';
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
  /** A user strategy module to run instead of a built-in: its absolute path and the sha256 of its source. */
  strategy_module?: StrategyModuleRef;
}

/** A strategy module as a worker finds it: the same file at the same path, checked by its content's hash. */
export interface StrategyModuleRef {
  path: string;
  sha256: string;
}

export function task_of(run: RunSpec): RunTask {
  const task: RunTask = { id: run.id, scenario: run.scenario, strategy: run.strategy, seed: run.seed, command: run.command };
  return run.strategy_module === undefined ? task : { ...task, strategy_module: run.strategy_module };
}

/** Modules this thread loaded, by path and hash: each is imported once per thread. */
const loaded = new Map<string, Promise<ReclaimStrategy>>();

/**
 * The module's strategy, loaded once per thread. A file whose content is not the one the run
 * was planned with (edited since, or another file on a queue worker's machine) is refused:
 * the run fails outside the model and is retried, never recorded under the wrong id.
 */
function module_strategy(ref: StrategyModuleRef): Promise<ReclaimStrategy> {
  const key = `${ref.path}#${ref.sha256}`;
  let strategy = loaded.get(key);
  if (strategy === undefined) {
    const sha256 = createHash('sha256').update(readFileSync(ref.path)).digest('hex');
    if (sha256 !== ref.sha256) throw new Error(`${ref.path}: the strategy module changed since the runs were planned (sha256 ${sha256.slice(0, 12)}, planned ${ref.sha256.slice(0, 12)})`);
    strategy = load_strategy_module(ref.path);
    loaded.set(key, strategy);
  }
  return strategy;
}

/** What a worker returns: the run record, or the model's failure, which is as deterministic as a result. */
export type RunOutcome = { result: RunResult } | { error: string };

/**
 * The pure worker function of every executor (thread pool and queue worker alike): the
 * outcome depends on the task alone. A model failure is an outcome and is recorded; any other
 * error is the executor's and is thrown, so the run is retried rather than recorded.
 */
export async function execute_run(task: RunTask): Promise<RunOutcome> {
  const strategy = task.strategy_module === undefined ? task.strategy : await module_strategy(task.strategy_module);
  try {
    return { result: run_scenario(task.scenario, { strategy, seed: task.seed, command: task.command }) };
  } catch (error) {
    if (error instanceof SimulationError) return { error: error.message };
    throw error;
  }
}
