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
import { compare_strategies, comparison_summary, type Comparison } from './run/compare.js';
import type { ReclaimStrategy } from './reclaim/strategy.js';
import { load_strategy_module } from './run/strategy_module.js';

export { ScenarioError, type ScenarioIssue } from './scenario/load.js';
export { SimulationError, SimulationLimitError } from './run/run_scenario.js';
export { COST_PARAMS } from './hw/cost_model.js';
export { MACHINE_PRESETS, PRESET_NAMES, type MachinePreset } from './hw/presets.js';
export { ARCH_NAMES, type ArchName } from './hw/arch_tlb.js';
export { SWAP_DEVICE_PRESETS } from './block/device.js';
export type { Scenario, ScenarioInput } from './scenario/schema.js';
export type { RunResult, ResultFile, TaskResult, PhaseResult, Interrupts, ReclaimResult, MemcgResult, OracleFinding } from './run/result.js';
export { MODEL_MUTANT_NAMES, type ModelMutantName } from './mm/mutants.js';
export type { RunOptions } from './run/run_scenario.js';
export type { Comparison, ComparedCell, ComparedFigure } from './run/compare.js';
export { SIGNIFICANCE_ALPHA } from './run/significance.js';
export type { ReclaimStrategy } from './reclaim/strategy.js';
export { ShrinkContext, PAGE_KEEP, PAGE_ACTIVATE, PAGE_SUCCESS, PAGE_CLEAN } from './reclaim/shrink_context.js';
export { RESULT_SCHEMA, stable_json };
export { swarm_scenario } from './oracle/swarm.js';
export { run_swarm as runSwarm, MODEL_FAILURE, type SwarmSummary, type SwarmFinding, type SwarmCoverage, type SwarmOptions } from './run/swarm_run.js';
export { COVERAGE_KEYS, type OracleCoverage } from './oracle/coverage.js';
export { VIOLATION_RULES } from './oracle/violations.js';

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

/**
 * Runs each strategy on the same scenario and seeds; per figure, the mean and spread over the
 * seeds and the change against the first strategy.
 */
export function compareStrategies(
  scenario: Scenario,
  strategies: readonly (string | ReclaimStrategy)[],
  seeds: readonly number[],
  options: { oracle?: boolean } = {},
): Comparison {
  return compare_strategies(scenario, strategies, seeds, options);
}

/**
 * The result file of DESIGN.md section 6 for some runs, as stable JSON text; from `compare`,
 * with the comparison's figures and their statistics beside the runs.
 */
export function resultJson(runs: RunResult[], comparison?: Comparison): string {
  const file: ResultFile = { schema: RESULT_SCHEMA, runs, ...(comparison === undefined ? {} : { comparison: comparison_summary(comparison) }) };
  return `${stable_json(file)}\n`;
}

/** Built-in scenarios, by name. */
export function listScenarios(): { name: string; description: string }[] {
  return list_builtin_scenarios();
}

/**
 * Loads a user strategy from a JavaScript module (or a TypeScript one, when the `typescript`
 * package is installed) whose default export implements ReclaimStrategy.
 */
export async function loadStrategy(path: string): Promise<ReclaimStrategy> {
  return load_strategy_module(path);
}

/** Built-in strategies. */
export function listStrategies(): string[] {
  return BUILTIN_STRATEGIES.map((s) => s.name);
}
export * from './sweep/index.js';
export * from './kernel_check/index.js';
export * from './report/index.js';

/**
 * Reviews a reclaim strategy against a baseline (`reclaimsim review`): the suite's scenarios
 * with the oracle on every run, a swarm, shrunk reproducers, Welch statistics and a verdict
 * with its exit code.
 */
export { review, REVIEW_SCHEMA, type ReviewOptions, type ReviewResult, type ReviewFinding } from './review/review.js';
export { suite_entries as suiteEntries, resolve_entry as resolveSuiteEntry, SUITE_NAMES, SUITE_VERSIONS, type SuiteEntry, type SuiteName } from './review/suite.js';
export { scenario_yaml as scenarioYaml } from './scenario/scenario_yaml.js';
