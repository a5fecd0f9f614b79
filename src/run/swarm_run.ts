import { swarm_scenario } from '../oracle/swarm.js';
import { run_scenario } from './run_scenario.js';

export interface SwarmFinding {
  seed: number;
  strategy: string;
  code: string;
  count: number;
  detail: string;
}

export interface SwarmSummary {
  runs: number;
  strategies: string[];
  first_seed: number;
  findings: SwarmFinding[];
  /** Violations per strategy and code. */
  by_strategy: Record<string, Record<string, number>>;
}

/**
 * Runs the oracle over `runs` random scenarios (seeds first_seed, first_seed+1, …) for each
 * strategy and collects every violation. `on_progress` is called after each seed.
 */
export function run_swarm(
  strategies: readonly string[],
  runs: number,
  first_seed: number,
  on_progress: (done: number) => void = () => {},
): SwarmSummary {
  const findings: SwarmFinding[] = [];
  const by_strategy: Record<string, Record<string, number>> = Object.fromEntries(strategies.map((s) => [s, {}]));
  for (let i = 0; i < runs; i++) {
    const seed = first_seed + i;
    const scenario = swarm_scenario(seed);
    for (const strategy of strategies) {
      const result = run_scenario(scenario, { strategy, command: `reclaimsim swarm --first-seed ${seed} --runs 1 --strategies ${strategy}` });
      for (const v of result.oracle.violations) {
        findings.push({ seed, strategy, code: v.code, count: v.count, detail: v.first.detail });
        const counts = by_strategy[strategy] as Record<string, number>;
        counts[v.code] = (counts[v.code] ?? 0) + 1;
      }
    }
    on_progress(i + 1);
  }
  return { runs, strategies: [...strategies], first_seed, findings, by_strategy };
}
