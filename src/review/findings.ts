import { swarm_scenario } from '../oracle/swarm.js';
import { VIOLATION_RULES } from '../oracle/violations.js';
import type { ReclaimStrategy } from '../reclaim/strategy.js';
import type { OracleFinding } from '../run/result.js';
import { run_scenario, SimulationError } from '../run/run_scenario.js';
import { MODEL_FAILURE, type SwarmSummary } from '../run/swarm_run.js';
import type { Scenario } from '../scenario/schema.js';
import type { ResultLine } from '../sweep/result_line.js';
import type { ResolvedEntry } from './suite.js';

/** One oracle finding on the candidate: where, what rule, its first occurrence. */
export interface Finding {
  code: string;
  rule: string;
  count: number;
  /** The suite entry it was found on, or null for a swarm scenario. */
  scenario: string | null;
  swarm_seed: number | null;
  seed: number;
  first: { folio: number; sim_time_ns: number; event_seq: number; detail: string } | null;
  /** The baseline shows the same code on the same scenario and seed: not the candidate's doing. */
  shared_with_baseline: boolean;
  /** The scenario it was found on, its seed set to the run's. */
  start: Scenario;
  reproduce: string;
}

const CODE_ORDER = Object.keys(VIOLATION_RULES);

/**
 * Codes in the oracle's own order (VIOLATION_RULES: the rule broken first, its consequences
 * such as FREE_PAGES_MISMATCH later), MODEL_FAILURE and unknown codes last: the order the
 * verdict names and shrinks them in.
 */
export function by_code_order(a: string, b: string): number {
  const rank = (code: string) => (CODE_ORDER.includes(code) ? CODE_ORDER.indexOf(code) : CODE_ORDER.length);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The codes a run's outcome shows: its violations, and MODEL_FAILURE for a failed run. */
function codes_of(line: ResultLine | undefined): Set<string> {
  if (line === undefined) return new Set();
  if (line.error !== undefined) return new Set([MODEL_FAILURE]);
  return new Set((line.result?.oracle.violations ?? []).map((v) => v.code));
}

function first_of(v: OracleFinding): Finding['first'] {
  return { folio: v.first.folio, sim_time_ns: v.first.sim_time_ns, event_seq: v.first.event_seq, detail: v.first.detail };
}

/** The candidate's findings on the suite's runs, each classified against the baseline's run of the same entry and seed. */
export function suite_findings(entries: readonly ResolvedEntry[], lines: readonly ResultLine[], against: string, candidate: string): Finding[] {
  const by_key = new Map(lines.map((line) => [`${String(line.point.entry)}\0${line.strategy}\0${line.seed}`, line]));
  const out: Finding[] = [];
  for (const { entry, scenario } of entries) {
    if (scenario === null) continue;
    for (const line of lines) {
      if (line.point.entry !== entry.id || line.strategy !== candidate) continue;
      const base = codes_of(by_key.get(`${entry.id}\0${against}\0${line.seed}`));
      const start = { ...scenario, seed: line.seed };
      if (line.error !== undefined) {
        out.push({ code: MODEL_FAILURE, rule: 'the simulator\'s own assertion failed', count: 1, scenario: entry.id, swarm_seed: null, seed: line.seed, first: { folio: -1, sim_time_ns: 0, event_seq: 0, detail: line.error.message }, shared_with_baseline: base.has(MODEL_FAILURE), start, reproduce: `npx ${line.error.command}` });
        continue;
      }
      for (const v of line.result?.oracle.violations ?? []) {
        out.push({ code: v.code, rule: v.rule, count: v.count, scenario: entry.id, swarm_seed: null, seed: line.seed, first: first_of(v), shared_with_baseline: base.has(v.code), start, reproduce: `npx ${v.first.reproduce} --fail-on-violation` });
      }
    }
  }
  return out;
}

/** Whether a run of `strategy` on `s` (at the scenario's seed) shows `code`, the events it took, and the first occurrence. */
export function fires(s: Scenario, strategy: ReclaimStrategy, code: string): { fires: boolean; events: number; first: Finding['first'] } {
  try {
    const r = run_scenario(s, { strategy, seed: s.seed });
    const v = r.oracle.violations.find((x) => x.code === code);
    return { fires: v !== undefined, events: r.events, first: v === undefined ? null : first_of(v) };
  } catch (error) {
    if (!(error instanceof SimulationError)) throw error;
    const v = error.findings.find((x) => x.code === code);
    const failure = { folio: -1, sim_time_ns: 0, event_seq: 0, detail: error.message };
    return { fires: code === MODEL_FAILURE || v !== undefined, events: 0, first: v === undefined ? (code === MODEL_FAILURE ? failure : null) : first_of(v) };
  }
}

/**
 * The swarm's findings on the candidate; each code is checked once against the baseline on
 * the first swarm scenario that showed it (the same scenario and seed).
 */
export function swarm_findings(summary: SwarmSummary, against: ReclaimStrategy): Finding[] {
  const shared = new Map<string, boolean>();
  return summary.findings.map((f) => {
    if (!shared.has(f.code)) shared.set(f.code, fires(swarm_scenario(f.seed), against, f.code).fires);
    return {
      code: f.code,
      rule: f.rule,
      count: f.count,
      scenario: null,
      swarm_seed: f.seed,
      seed: f.seed,
      first: { folio: -1, sim_time_ns: 0, event_seq: 0, detail: f.detail },
      shared_with_baseline: shared.get(f.code) === true,
      start: f.scenario,
      reproduce: f.reproduce,
    };
  });
}

/** How big a scenario is to run: CPUs times pages touched. The cheapest start shrinks fastest. */
export function scenario_cost(s: Scenario): number {
  const pages = s.workload.kind === 'stress' ? ((s.stress?.bytes ?? 0) / 4096) * (s.stress?.workers ?? 1) * (s.stress?.passes ?? 1) : s.pageout.size / 4096;
  return s.machine.cpus * Math.max(1, pages);
}

/** Per code the candidate alone shows, the finding to shrink: the cheapest scenario (ties: the first found). At most `limit` codes, in order of first appearance. */
export function to_shrink(findings: readonly Finding[], limit: number): Finding[] {
  const best = new Map<string, Finding>();
  for (const f of findings) {
    if (f.shared_with_baseline) continue;
    const seen = best.get(f.code);
    if (seen === undefined || scenario_cost(f.start) < scenario_cost(seen.start)) best.set(f.code, f);
  }
  return [...best.values()].sort((a, b) => by_code_order(a.code, b.code)).slice(0, limit);
}
