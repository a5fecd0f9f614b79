/**
 * reclaimsim's library API: load a scenario, run it with a strategy and seed, get the result
 * contract of DESIGN.md section 6. The CLI is a thin shell over these functions.
 *
 * @example
 * ```ts
 * import { loadScenario, runScenario } from 'reclaimsim';
 * const result = runScenario(loadScenario('dirty-16m'), { strategy: 'upstream', seed: 1 });
 * console.log(result.interrupts.TLB); // TLB shootdowns received per CPU
 * ```
 */
import { load_scenario, list_builtin_scenarios, parse_scenario } from './scenario/load.js';
import type { Scenario } from './scenario/schema.js';
import { run_scenario, type RunOptions } from './run/run_scenario.js';
import { BUILTIN_STRATEGIES } from './reclaim/strategies/index.js';
import { RESULT_SCHEMA, stable_json, type ResultFile, type RunResult } from './run/result.js';

export { ScenarioError, type ScenarioIssue } from './scenario/load.js';
export { SimulationError } from './run/run_scenario.js';
export { COST_PARAMS } from './hw/cost_model.js';
export { SWAP_DEVICE_PRESETS } from './block/device.js';
export type { Scenario, ScenarioInput } from './scenario/schema.js';
export type { RunResult, ResultFile, TaskResult, PhaseResult, Interrupts } from './run/result.js';
export type { RunOptions } from './run/run_scenario.js';
export { RESULT_SCHEMA, stable_json };

/** Loads and validates a scenario from a YAML file or a built-in name, with `path=value` overrides. */
export function loadScenario(nameOrPath: string, sets: readonly string[] = []): Scenario {
  return load_scenario(nameOrPath, sets);
}

/** Validates scenario YAML text; `file` names it in error messages. */
export function parseScenario(text: string, file = '<scenario>', sets: readonly string[] = []): Scenario {
  return parse_scenario(text, file, sets);
}

/** Runs one scenario with one strategy and seed. */
export function runScenario(scenario: Scenario, options: RunOptions = {}): RunResult {
  return run_scenario(scenario, options);
}

/** The result file of DESIGN.md section 6 for some runs, as stable JSON text. */
export function resultJson(runs: RunResult[]): string {
  const file: ResultFile = { schema: RESULT_SCHEMA, runs };
  return `${stable_json(file)}\n`;
}

/** Built-in scenarios, by name. */
export function listScenarios(): { name: string; description: string }[] {
  return list_builtin_scenarios();
}

/** Built-in strategies. */
export function listStrategies(): string[] {
  return BUILTIN_STRATEGIES.map((s) => s.name);
}
