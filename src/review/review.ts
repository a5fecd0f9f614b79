import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { RunResult } from '../run/result.js';
import { run_swarm, type SwarmCoverage } from '../run/swarm_run.js';
import type { Scenario } from '../scenario/schema.js';
import { scenario_yaml } from '../scenario/scenario_yaml.js';
import { MODEL_VERSION } from '../sweep/model_version.js';
import type { ProgressSink } from '../sweep/progress.js';
import type { ResultLine } from '../sweep/result_line.js';
import { run_grid } from '../sweep/sweep.js';
import { fires, suite_findings, swarm_findings, to_shrink, type Finding } from './findings.js';
import { METRICS } from './metrics.js';
import { entry_seeds, load_strategy_ref, plan_runs, type StrategyRef } from './plan.js';
import { DEFAULT_SHRINK_BUDGET, shrink } from './shrink.js';
import { compare_cell, type Cell } from './statistics.js';
import { resolve_entry, suite_entries, SUITE_VERSIONS, type ResolvedEntry, type SuiteName } from './suite.js';
import { verdict, type ScenarioComparison, type VerdictSummary } from './verdict.js';

export const REVIEW_SCHEMA = 'reclaimsim/review@1';

/** Some runs failed outside the model (a worker died, the queue went away): nothing to judge yet; run again to resume. Exit 3, as sweep's. */
export class ReviewIncompleteError extends Error {
  readonly exit_code = 3;
}

export interface ReviewOptions {
  /** Baseline: a built-in name or a module path (default upstream). */
  against?: string;
  suite?: SuiteName;
  /** Seeds per seeded entry (default 5). */
  seeds?: number;
  /** Swarm scenarios run with the candidate (default: quick 100, standard 1000, full 10000; 0: none). */
  swarm?: number;
  /** Percent: a gated metric worse by more than this (significantly) exits 5 (default 5). */
  max_regression?: number;
  /** Percent (pp for percentages): smaller changes are "same" (default 1). */
  min_effect?: number;
  /** Directory of runs.jsonl, findings/ (default ./review-<candidate>-<suite>). */
  out?: string;
  /** Local worker threads (default one per core). */
  workers?: number;
  /** `redis://host:port`: run the suite on `reclaimsim worker`s (a strategy module must be at the same path there: its sha256 is checked). */
  queue?: string;
  queue_name?: string;
  /** Run only these entries of the suite (debugging and tests; the verdict says so). */
  only?: readonly string[];
  /** Told how many of the suite's runs came from an earlier review's runs.jsonl (resumed, not run again). */
  on_reused?: (reused: number, total: number, file: string) => void;
  /** Shrink findings (default true). */
  shrink?: boolean;
  progress?: ProgressSink | false;
  /** The command line shown as the review's reproducer (default built from the options). */
  command?: string;
}

export interface ShrunkFinding {
  scenario: Scenario;
  yaml: string;
  file: string;
  moves: string[];
  runs: number;
  exhausted: boolean;
  reproduce: string;
  /** The baseline shows the same rule on the shrunk scenario too (the model or the scenario is suspect). */
  baseline_fires: boolean;
  /** The rule's first occurrence on the shrunk scenario. */
  first: Finding['first'];
}

export interface ReviewFinding extends Omit<Finding, 'start'> {
  shrunk: ShrunkFinding | null;
}

/** The review, as review.json holds it (schema reclaimsim/review@1; fields may be added, never renamed). */
export interface ReviewResult {
  schema: typeof REVIEW_SCHEMA;
  command: string;
  model_version: string;
  suite: { name: SuiteName; version: number; only: string[] | null; entries: { id: string; base: string; set: string[]; seeded: boolean; reason: string }[] };
  strategy: string;
  against: string;
  seeds: number;
  alpha: number;
  test: string;
  min_effect_pct: number;
  max_regression_pct: number;
  out: string;
  runs: number;
  swarm: { runs: number; by_code: Record<string, number>; coverage: SwarmCoverage | null };
  baseline_failures: { scenario: string; seed: number; message: string; command: string }[];
  findings: ReviewFinding[];
  scenarios: ScenarioComparison[];
  verdict: VerdictSummary;
}

const SWARM_DEFAULT: Record<SuiteName, number> = { quick: 100, standard: 1000, full: 10000 };
const SHRINK_CODES: Record<SuiteName, number> = { quick: 3, standard: 5, full: Number.POSITIVE_INFINITY };

function default_command(candidate: string, o: Required<Pick<ReviewOptions, 'against' | 'suite' | 'seeds'>> & ReviewOptions): string {
  const words = ['npx', 'reclaimsim', 'review', candidate];
  if (o.against !== 'upstream') words.push('--against', o.against);
  words.push('--suite', o.suite, '--seeds', String(o.seeds));
  if (o.swarm !== undefined) words.push('--swarm', String(o.swarm));
  if (o.only !== undefined) words.push('--only', o.only.join(','));
  return words.join(' ');
}

/** A path as short as it can be said from here. */
function short_path(path: string): string {
  const rel = relative(process.cwd(), path);
  return isAbsolute(path) && rel.length < path.length && !rel.startsWith('..') ? rel : path;
}

/** Per entry, the metric cells of candidate against baseline over the entry's seeds. */
function compare_entries(entries: readonly ResolvedEntry[], lines: readonly ResultLine[], against: string, candidate: string, k: number, min_effect: number): ScenarioComparison[] {
  const out: ScenarioComparison[] = [];
  for (const { entry, scenario } of entries) {
    if (scenario === null) continue;
    const seeds = entry_seeds(entry.seeded, k);
    const run_of = (strategy: string, seed: number) => lines.find((l) => l.point.entry === entry.id && l.strategy === strategy && l.seed === seed)?.result ?? null;
    const pairs = seeds.map((seed) => [run_of(against, seed), run_of(candidate, seed)] as const);
    const cells: Cell[] = [];
    for (const metric of METRICS) {
      const value = (run: RunResult | null) => {
        const v = run === null ? null : metric.value(run);
        return v === null || !Number.isFinite(v) ? null : v;
      };
      const b = pairs.map(([run]) => value(run));
      const c = pairs.map(([, run]) => value(run));
      const present = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
      if (present(b).length === 0 || present(c).length === 0) continue;
      // Seeds pair up only when both sides have every value (an OOM kill or a model failure leaves a gap).
      const paired = b.every((x) => x !== null) && c.every((x) => x !== null);
      cells.push(compare_cell(metric, present(b), present(c), min_effect, paired));
    }
    out.push({ id: entry.id, seeded: entry.seeded, seeds, cells, class: 'inconclusive' });
  }
  return out;
}

/**
 * Reviews a reclaim strategy against a baseline (issue 17): runs the suite's scenarios for
 * both on the sweep engine (the local pool or a queue), the oracle on
 * every run; a swarm of random scenarios on the candidate; shrinks each rule the candidate
 * alone breaks to a small scenario with the command that reproduces it; compares every
 * metric with Welch's test; and gives the verdict with its exit code. A strategy module is
 * loaded by each worker thread from its path, checked against the sha256 planned with. Writes runs.jsonl and
 * findings/ into `out`; the caller writes the verdict text, review.json and the HTML report.
 */
export async function review(candidate_arg: string, options: ReviewOptions = {}): Promise<ReviewResult> {
  const suite = options.suite ?? 'standard';
  const against_arg = options.against ?? 'upstream';
  const k = options.seeds ?? 5;
  const min_effect = options.min_effect ?? 1;
  const max_regression = options.max_regression ?? 5;
  const swarm_runs = options.swarm ?? SWARM_DEFAULT[suite];
  if (!Number.isSafeInteger(k) || k < 2 || k > 100) throw new RangeError(`--seeds: 2..100 (got ${k})`);
  if (!Number.isSafeInteger(swarm_runs) || swarm_runs < 0) throw new RangeError(`--swarm: a non-negative integer (got ${swarm_runs})`);
  if (!(min_effect >= 0) || !(max_regression >= 0)) throw new RangeError('--min-effect and --max-regression: non-negative percentages');
  const all = suite_entries(suite);
  if (options.only !== undefined) {
    if (options.only.length === 0) throw new RangeError(`--only: no entry ids given (see reclaimsim review --list --suite ${suite})`);
    const unknown = options.only.filter((id) => !all.some((e) => e.id === id));
    if (unknown.length > 0) throw new RangeError(`--only: no entry ${unknown.join(', ')} in suite ${suite} (see reclaimsim review --list --suite ${suite})`);
  }
  const chosen = options.only === undefined ? all : all.filter((e) => options.only?.includes(e.id));
  const candidate = await load_strategy_ref(candidate_arg);
  const against = await load_strategy_ref(against_arg);
  if (candidate.arg === against.arg) throw new RangeError(`the candidate and --against are both ${candidate.arg}`);
  const out = options.out ?? `review-${candidate_arg.replace(/[^\w.-]+/g, '_')}-${suite}`;
  mkdirSync(out, { recursive: true });
  const command = options.command ?? default_command(candidate_arg, { ...options, against: against_arg, suite, seeds: k });

  // The suite's runs, on the sweep engine.
  const resolved = chosen.map(resolve_entry);
  const refs: StrategyRef[] = [against, candidate];
  const grid = plan_runs(resolved, refs, k);
  const { summary, lines } = await run_grid('review', grid, {
    out: join(out, 'runs.jsonl'),
    report: false,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    ...(options.queue_name === undefined ? {} : { queue_name: options.queue_name }),
    ...(options.progress === undefined ? {} : { progress: options.progress }),
  });
  const baseline_failures = lines.filter((l) => l.strategy === against.arg && l.error !== undefined).map((l) => ({ scenario: String(l.point.entry), seed: l.seed, message: l.error?.message ?? '', command: l.error?.command ?? '' }));
  // A baseline the model fails on already rules out a judgement (exit 4 outranks 3, memo §1.2):
  // runs still missing would not change that.
  if (summary.failed.length > 0 && baseline_failures.length === 0) {
    const first = summary.failed[0] as { id: string; reason: string };
    throw new ReviewIncompleteError(`${summary.failed.length} runs failed outside the model (first: ${first.reason}); run the review again to resume from ${summary.out}`);
  }
  if (summary.skipped > 0) options.on_reused?.(summary.skipped, summary.total, summary.out);

  // Correctness: the suite's runs, then the swarm.
  const found = suite_findings(resolved, lines, against.arg, candidate.arg);
  const swarm = swarm_runs > 0 ? run_swarm([candidate.strategy], swarm_runs, 1, () => {}, { strategy_args: [candidate.arg] }) : null;
  if (swarm !== null) found.push(...swarm_findings(swarm, against.strategy));

  // Shrink each rule the candidate alone breaks.
  const shrunk = new Map<Finding, ShrunkFinding>();
  if (options.shrink !== false) {
    let n = 0;
    for (const f of to_shrink(found, SHRINK_CODES[suite])) {
      const start = { ...f.start, name: `${f.scenario ?? `swarm-${f.swarm_seed}`}-${f.code.toLowerCase()}` };
      const result = shrink(start, (s) => fires(s, candidate.strategy, f.code), DEFAULT_SHRINK_BUDGET);
      const file = join(out, 'findings', `${++n}-${f.code}.yaml`);
      mkdirSync(join(out, 'findings'), { recursive: true });
      const yaml = scenario_yaml(result.scenario);
      writeFileSync(file, yaml);
      shrunk.set(f, {
        scenario: result.scenario,
        yaml,
        file,
        moves: result.moves,
        runs: result.runs,
        exhausted: result.exhausted,
        reproduce: `npx reclaimsim run ${short_path(file)} --strategy ${candidate.arg} --seed ${result.scenario.seed} --fail-on-violation`,
        baseline_fires: fires(result.scenario, against.strategy, f.code).fires,
        first: fires(result.scenario, candidate.strategy, f.code).first,
      });
    }
  }
  const findings: ReviewFinding[] = found.map(({ start: _start, ...f }, i) => ({ ...f, shrunk: shrunk.get(found[i] as Finding) ?? null }));

  // Benefit and cost.
  const scenarios = compare_entries(resolved, lines, against.arg, candidate.arg, k, min_effect);
  const summary_verdict = verdict(scenarios, found, baseline_failures.length > 0, max_regression);
  return {
    schema: REVIEW_SCHEMA,
    command,
    model_version: MODEL_VERSION,
    suite: {
      name: suite,
      version: SUITE_VERSIONS[suite],
      only: options.only === undefined ? null : [...options.only],
      entries: resolved.map(({ entry }) => ({ id: entry.id, base: entry.base, set: [...entry.set], seeded: entry.seeded, reason: entry.reason })),
    },
    strategy: candidate.arg,
    against: against.arg,
    seeds: k,
    alpha: 0.05,
    test: "Welch's t-test, two-sided; 95 % Welch-Satterthwaite interval; exact where no side varies; Holm over seeded regressions",
    min_effect_pct: min_effect,
    max_regression_pct: max_regression,
    out,
    runs: grid.length,
    swarm: { runs: swarm?.runs ?? 0, by_code: swarm?.by_strategy[candidate.strategy.name] ?? {}, coverage: swarm?.coverage[candidate.strategy.name] ?? null },
    baseline_failures,
    findings,
    scenarios,
    verdict: summary_verdict,
  };
}
