import { COVERAGE_KEYS, empty_coverage, type OracleCoverage } from '../oracle/coverage.js';
import { describe_swarm_scenario, swarm_scenario } from '../oracle/swarm.js';
import type { ReclaimStrategy } from '../reclaim/strategy.js';
import type { Scenario } from '../scenario/schema.js';
import { resolve_strategy, run_scenario, SimulationError } from './run_scenario.js';

/** The finding code of a run in which the model itself failed (an assertion of the simulator). */
export const MODEL_FAILURE = 'MODEL_FAILURE';

export interface SwarmFinding {
  seed: number;
  strategy: string;
  code: string;
  /** The kernel rule broken (for MODEL_FAILURE: what failing means). */
  rule: string;
  count: number;
  detail: string;
  /** The command that reruns exactly this scenario and strategy. */
  reproduce: string;
  /** The drawn scenario, in one line. */
  scenario_summary: string;
  /** The drawn scenario, resolved. */
  scenario: Scenario;
}

/** What one strategy's runs exercised: totals, and how many runs exercised each item at all. */
export interface SwarmCoverage {
  runs: number;
  totals: OracleCoverage;
  runs_with: OracleCoverage;
}

export interface SwarmSummary {
  runs: number;
  strategies: string[];
  first_seed: number;
  findings: SwarmFinding[];
  /** Scenarios with a finding, per strategy and code. */
  by_strategy: Record<string, Record<string, number>>;
  /** Per strategy: what its runs exercised (runs that failed count up to their failure only in `runs`). */
  coverage: Record<string, SwarmCoverage>;
}

export interface SwarmOptions {
  /** How each strategy is named on a reproducing command line (a module's path), by position; default its name. */
  strategy_args?: readonly string[];
}

const MODEL_FAILURE_RULE = 'the simulator\'s own assertion failed: the model (or the strategy) broke an invariant the oracle does not check; the findings before it often explain it';

/**
 * Runs the oracle over `runs` random scenarios (seeds first_seed, first_seed+1, …) for each
 * strategy (a built-in name or a strategy object) and collects every violation, each with its
 * reproducing command and scenario. A run in which the model fails is a finding of its own
 * (MODEL_FAILURE), with the oracle's findings up to the failure; the swarm goes on.
 * `on_progress` is called after each seed.
 */
export function run_swarm(
  strategies: readonly (string | ReclaimStrategy)[],
  runs: number,
  first_seed: number,
  on_progress: (done: number) => void = () => {},
  options: SwarmOptions = {},
): SwarmSummary {
  const resolved = strategies.map(resolve_strategy);
  const names = resolved.map((s) => s.name);
  const findings: SwarmFinding[] = [];
  const by_strategy: Record<string, Record<string, number>> = Object.fromEntries(names.map((s) => [s, {}]));
  const coverage: Record<string, SwarmCoverage> = Object.fromEntries(names.map((s) => [s, { runs: 0, totals: empty_coverage(), runs_with: empty_coverage() }]));
  for (let i = 0; i < runs; i++) {
    const seed = first_seed + i;
    const scenario = swarm_scenario(seed);
    resolved.forEach((strategy, s) => {
      const name = strategy.name;
      const command = `reclaimsim swarm --first-seed ${seed} --runs 1 --strategies ${options.strategy_args?.[s] ?? name}`;
      const found = (code: string, rule: string, count: number, detail: string) => {
        findings.push({ seed, strategy: name, code, rule, count, detail, reproduce: command, scenario_summary: describe_swarm_scenario(scenario), scenario });
        const counts = by_strategy[name] as Record<string, number>;
        counts[code] = (counts[code] ?? 0) + 1;
      };
      const cov = coverage[name] as SwarmCoverage;
      cov.runs++;
      try {
        const result = run_scenario(scenario, { strategy, command, coverage: true });
        for (const v of result.oracle.violations) found(v.code, v.rule, v.count, v.first.detail);
        add_coverage(cov, result.oracle.coverage ?? empty_coverage());
      } catch (error) {
        // Nothing but the model and the strategy runs here: whatever they throw is their failure.
        if (!(error instanceof Error)) throw error;
        if (error instanceof SimulationError) for (const v of error.findings) found(v.code, v.rule, v.count, v.first.detail);
        found(MODEL_FAILURE, MODEL_FAILURE_RULE, 1, error instanceof SimulationError ? error.message : `${error.name}: ${error.message}`);
      }
    });
    on_progress(i + 1);
  }
  return { runs, strategies: names, first_seed, findings, by_strategy, coverage };
}

function add_coverage(into: SwarmCoverage, run: OracleCoverage): void {
  for (const key of COVERAGE_KEYS) {
    into.totals[key] += run[key];
    if (run[key] > 0) into.runs_with[key]++;
  }
}
