import { parseDocument } from 'yaml';
import { parse_scenario, read_scenario_text, ScenarioError, type ScenarioIssue } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { run_id } from './run_id.js';
import type { Setting, SweepSpec } from './sweep_file.js';
import type { StrategyModuleRef } from './execute.js';

/** One run of a sweep, fully resolved: what a worker needs and what its result line is keyed by. */
export interface RunSpec {
  id: string;
  /** Position in the grid: the canonical order of results. */
  index: number;
  sweep: string;
  /** The axis values of this run, as written in the sweep file. */
  point: Record<string, unknown>;
  strategy: string;
  seed: number;
  scenario: Scenario;
  /** The `reclaimsim run` command that reproduces this run alone. */
  command: string;
  /** Set when `strategy` is a user module's path (review): the file and its content's hash. */
  strategy_module?: StrategyModuleRef;
}

/** A grid larger than this is a typo, not a plan (and would not fit in memory expanded). */
const GRID_MAX = 1_000_000;

/** `path=value` as `--set` takes it; the value is written plainly when YAML reads it back the same. */
function set_text(path: string, value: unknown): string {
  const plain = typeof value === 'string' && reads_back(value);
  return `${path}=${plain ? value : JSON.stringify(value)}`;
}

/** Whether YAML reads the text back as this same string (not "*x", "1", "a: b" or "'q"). */
function reads_back(text: string): boolean {
  try {
    const doc = parseDocument(text);
    return doc.errors.length === 0 && doc.toJS({ maxAliasCount: 0 }) === text;
  } catch {
    return false;
  }
}

function shell_word(word: string): string {
  return /^[\w.,:=/@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** Cartesian product in file order: the first axis varies slowest. */
function combinations(spec: SweepSpec): Setting[][] {
  let combos: Setting[][] = [[]];
  for (const axis of spec.axes) {
    combos = combos.flatMap((combo) => axis.values.map(({ value, where }) => [...combo, { path: axis.path, value, where }]));
  }
  return combos;
}

/**
 * Expands a sweep into its runs in a fixed order (axes in file order, the first slowest, then
 * strategies, then seeds), resolving and validating every grid point's scenario before
 * anything runs. A value that makes a scenario invalid is reported at its line in the sweep
 * file; an issue that only a combination causes names the grid point.
 */
export function expand_grid(spec: SweepSpec): RunSpec[] {
  const size = spec.axes.reduce((n, axis) => n * axis.values.length, 1) * spec.strategies.length * (spec.seeds?.length ?? 1);
  if (size > GRID_MAX) {
    throw new ScenarioError([{ where: `${spec.file}:1:1`, path: 'axes', message: `the grid has ${size} runs, more than ${GRID_MAX}` }]);
  }
  const base_text = read_scenario_text(spec.base_file);
  const runs: RunSpec[] = [];
  /** Each distinct issue with the grid points it occurred at. */
  const issues = new Map<string, { issue: ScenarioIssue; points: string[]; setting: string | null }>();
  /** How many grid points use each axis value (by its location): an issue at all of them is the value's alone. */
  const uses = new Map<string, number>();
  const first_index = new Map<string, number>();
  for (const combo of combinations(spec)) {
    // An axis overrides a `set:` entry of the same path.
    const settings = [...spec.set.filter((s) => !combo.some((c) => c.path === s.path)), ...combo];
    const sets = settings.map((s) => set_text(s.path, s.value));
    const point = Object.fromEntries(combo.map((c) => [c.path, c.value]));
    const label = combo.map((c) => set_text(c.path, c.value)).join(', ');
    for (const c of combo) uses.set(c.where, (uses.get(c.where) ?? 0) + 1);
    let scenario: Scenario;
    try {
      scenario = parse_scenario(base_text, spec.base_file, sets);
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      for (const issue of error.issues) {
        const setting = settings[sets.findIndex((set) => issue.where === `--set ${set}`)];
        const located = setting === undefined ? issue : { ...issue, where: setting.where };
        const key = JSON.stringify(located);
        const entry = issues.get(key) ?? { issue: located, points: [], setting: setting?.where ?? null };
        entry.points.push(label);
        issues.set(key, entry);
      }
      continue;
    }
    const words = ['reclaimsim', 'run', spec.base, ...sets.flatMap((set) => ['--set', set])].map(shell_word);
    for (const strategy of spec.strategies) {
      for (const seed of spec.seeds ?? [scenario.seed]) {
        const id = run_id(scenario, strategy, seed);
        const index = runs.length;
        const twin = first_index.get(id);
        if (twin !== undefined) {
          const twin_point = JSON.stringify(runs[twin]?.point);
          const message = `grid points ${twin_point} and ${JSON.stringify(point)} resolve to the same scenario (strategy ${strategy}, seed ${seed})`;
          issues.set(message, { issue: { where: `${spec.file}:1:1`, path: 'axes', message }, points: [], setting: null });
          continue;
        }
        first_index.set(id, index);
        runs.push({ id, index, sweep: spec.name, point, strategy, seed, scenario, command: [...words, '--strategy', strategy, '--seed', String(seed)].join(' ') });
      }
    }
  }
  if (issues.size > 0) {
    const listed = [...issues.values()].map(({ issue, points, setting }) => {
      const everywhere = setting !== null && uses.get(setting) === points.length;
      if (everywhere || points.length === 0 || spec.axes.length === 0) return issue;
      const more = points.length > 1 ? ` (and ${points.length - 1} more)` : '';
      const { value, ...rest } = issue;
      const got = value === undefined ? '' : ` (got ${value})`;
      return { ...rest, message: `${issue.message}${got}, at grid point ${points[0] as string}${more}` };
    });
    // ScenarioError lists the first few and counts the rest.
    throw new ScenarioError(listed);
  }
  return runs;
}
