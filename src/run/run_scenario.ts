import { SimAssertionError, SimBoundError } from '../engine/assert.js';
import { with_recycled_tables } from '../engine/tables.js';
import type { ReclaimStrategy } from '../reclaim/strategy.js';
import { BUILTIN_STRATEGIES, builtin_strategy } from '../reclaim/strategies/index.js';
import { workload_kind, type Scenario } from '../scenario/schema.js';
import { simulate_madvise } from './madvise_run.js';
import type { OracleFinding, RunResult } from './result.js';
import { oracle_result, type RunOptions, type RunState } from './run_common.js';
import { simulate_stress } from './stress_run.js';
import { wall_now } from './wall_clock.js';

export type { RunOptions } from './run_common.js';

/**
 * Thrown when the model itself fails: carries the seed, the command that reproduces it, and
 * the oracle's findings up to the failure (often its explanation).
 */
export class SimulationError extends Error {
  readonly code: string = 'SIM_CRASH';

  constructor(
    message: string,
    readonly seed: number,
    readonly strategy: string,
    readonly scenario_name: string,
    readonly cause_error: unknown,
    readonly findings: OracleFinding[] = [],
    readonly reproduce = '',
  ) {
    super(message);
    this.name = 'SimulationError';
  }
}

/**
 * Thrown when a run passes the model's bounds (one hour of simulated time, the scenario's
 * event bound): the scenario asks for more than the model simulates. Still a SimulationError,
 * so a sweep records it as the run's outcome; the CLI reports it as a usage error.
 */
export class SimulationLimitError extends SimulationError {
  override readonly code = 'SIM_LIMIT';
}

/**
 * Runs a validated scenario with one strategy and seed: builds the machine and the workload
 * of the scenario's kind (madvise_run.ts: the MADV_PAGEOUT experiment; stress_run.ts: the
 * stress-ng --vm workers under memory pressure), runs it to its end and returns the result
 * contract's run record. The run's tables are recycled for the next run in this thread
 * (engine/tables.ts).
 */
export function run_scenario(scenario: Scenario, options: RunOptions = {}): RunResult {
  const strategy = resolve_strategy(options.strategy ?? 'upstream');
  const seed = options.seed ?? scenario.seed;
  const wall_start = wall_now();
  const command = options.command ?? `reclaimsim run ${scenario.name} --strategy ${strategy.name} --seed ${seed}`;
  const state: RunState = { oracle: null };
  try {
    const simulate = workload_kind(scenario) === 'stress' ? simulate_stress : simulate_madvise;
    const run = (): RunResult => simulate(scenario, strategy, seed, wall_start, options, command, state);
    // A caller that inspects the kernel may keep it: its tables are then its own.
    return options.inspect === undefined ? with_recycled_tables(run) : run();
  } catch (error) {
    if (error instanceof SimAssertionError || error instanceof RangeError || error instanceof TypeError) {
      const where = error instanceof SimAssertionError && error.position !== undefined
        ? ` at sim time ${error.position.sim_time_ns} ns, event ${error.position.seq}`
        : '';
      const findings = state.oracle === null ? [] : oracle_result(state.oracle, seed, command).violations;
      const Class = error instanceof SimBoundError ? SimulationLimitError : SimulationError;
      throw new Class(`${error.message}${where}`, seed, strategy.name, scenario.name, error, findings, command);
    }
    throw error;
  }
}

/** A strategy by built-in name, or a strategy object as given. */
export function resolve_strategy(strategy: string | ReclaimStrategy): ReclaimStrategy {
  if (typeof strategy !== 'string') return strategy;
  const found = builtin_strategy(strategy);
  if (found === undefined) {
    throw new RangeError(`unknown strategy "${strategy}" (built in: ${BUILTIN_STRATEGIES.map((s) => s.name).join(', ')})`);
  }
  return found;
}
