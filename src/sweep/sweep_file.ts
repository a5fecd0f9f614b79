import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { z } from 'zod';
import { stable_json } from '../run/result.js';
import { resolve_strategy } from '../run/run_scenario.js';
import { resolve_scenario_path, ScenarioError, type ScenarioIssue } from '../scenario/load.js';
import { name_list } from '../scenario/scenario_error.js';
import { check_map_document, parse_yaml, read_bounded, yaml_value } from '../scenario/yaml_input.js';
import { is_scenario_field } from './scenario_field.js';
import { SweepError } from './sweep_error.js';
import { yaml_where } from './yaml_where.js';

/** A scenario field and the value the sweep gives it, with where that value is written. */
export interface Setting {
  path: string;
  value: unknown;
  where: string;
}

/** One axis of the grid: a scenario field and the values it takes, in file order. */
export interface Axis {
  path: string;
  values: { value: unknown; where: string }[];
}

/** A validated sweep file. */
export interface SweepSpec {
  file: string;
  name: string;
  description: string;
  /** The base scenario as written, and the file it resolved to. */
  base: string;
  base_file: string;
  set: Setting[];
  axes: Axis[];
  strategies: string[];
  /** null: each run takes its scenario's own `seed`. */
  seeds: number[] | null;
}

const SEEDS_MAX = 100_000;
const NAME_PATTERN = /^[A-Za-z0-9][\w.-]*$/;

const present = z.unknown().refine((v) => v !== null && v !== undefined, 'a value');

const sweep_schema = z
  .object({
    name: z.string().regex(NAME_PATTERN, 'letters, digits, ".", "_" or "-" (it names the output files)').optional(),
    description: z.string().default(''),
    base: z.string().min(1, 'a built-in scenario name or a scenario file'),
    set: z.record(z.string(), present).default({}),
    axes: z.record(z.string(), z.array(present).min(1, 'at least one value')).default({}),
    strategies: z.array(z.string()).min(1, 'at least one strategy').default(['upstream']),
    seeds: z
      .union([z.number().int().min(1).max(SEEDS_MAX), z.array(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)).min(1)], {
        error: `a number of seeds (1..${SEEDS_MAX}, meaning seeds 1..N) or a list of seeds`,
      })
      .optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const field = (group: 'set' | 'axes') => (path: string) => {
      if (!is_scenario_field(path)) ctx.addIssue({ code: 'custom', path: [group, path], message: `${path} is not a scenario field (see the scenario table in the README)` });
    };
    Object.keys(s.set).forEach(field('set'));
    Object.keys(s.axes).forEach(field('axes'));
    for (const [path, values] of Object.entries(s.axes)) duplicates(values, ['axes', path], ctx);
    s.strategies.forEach((name, i) => {
      const unknown = strategy_issue(name);
      if (unknown !== null) ctx.addIssue({ code: 'custom', path: ['strategies', i], message: unknown });
    });
    duplicates(s.strategies, ['strategies'], ctx);
    if (Array.isArray(s.seeds)) duplicates(s.seeds, ['seeds'], ctx);
  });

/** Why a strategy name is not a built-in one (the run layer's message lists them), or null. */
function strategy_issue(name: string): string | null {
  try {
    resolve_strategy(name);
    return null;
  } catch (error) {
    if (error instanceof RangeError) return error.message;
    throw error;
  }
}

/** Each repeated value is an issue at its position: a repeated value would repeat its runs. */
function duplicates(values: readonly unknown[], path: (string | number)[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    const key = stable_json(value, 0);
    if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [...path, i], message: `repeats ${key}` });
    seen.add(key);
  });
}

/** Reads and validates a sweep file. */
export function read_sweep_file(file: string): SweepSpec {
  if (!existsSync(file)) throw new SweepError(`${file}: no such sweep file`);
  return parse_sweep(of_sweep(() => read_bounded(file, 'a sweep file')), file);
}

/** Issues about the whole file (its reading, its YAML) are the sweep's, not a scenario's. */
function of_sweep<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof ScenarioError) throw new ScenarioError(error.issues.map((issue) => ({ ...issue, path: issue.path || '(sweep)' })));
    throw error;
  }
}

/**
 * Validates sweep text; `file` names it in messages and anchors a relative `base`. Every
 * issue names file:line:col, the field and what is allowed, as the scenario loader does.
 */
export function parse_sweep(text: string, file: string): SweepSpec {
  const input = of_sweep(() => parse_yaml(text, file));
  of_sweep(() => check_map_document(input, 'a sweep file'));
  const { doc, lines } = input;
  const where = (path: readonly (string | number)[]) => yaml_where(doc, lines, file, path);
  const parsed = sweep_schema.safeParse(yaml_value(input) ?? {});
  if (!parsed.success) {
    throw new ScenarioError(
      parsed.error.issues.map((issue): ScenarioIssue => {
        const path = issue.path.map(String);
        const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${name_list(issue.keys)} (fields: ${Object.keys(sweep_schema.shape).join(', ')})` : issue.message;
        return { where: where(issue.path as (string | number)[]), path: path.join('.') || '(sweep)', message };
      }),
    );
  }
  const s = parsed.data;
  return {
    file,
    name: s.name ?? basename(file, extname(file)),
    description: s.description,
    base: s.base,
    base_file: resolve_base(s.base, file, where(['base'])),
    set: Object.entries(s.set).map(([path, value]) => ({ path, value, where: where(['set', path]) })),
    axes: Object.entries(s.axes).map(([path, values]) => ({
      path,
      values: values.map((value, i) => ({ value, where: where(['axes', path, i]) })),
    })),
    strategies: s.strategies,
    seeds: s.seeds === undefined ? null : typeof s.seeds === 'number' ? Array.from({ length: s.seeds }, (_, i) => i + 1) : s.seeds,
  };
}

/** A base scenario file is looked up beside the sweep file first, then as `reclaimsim run` would. */
function resolve_base(base: string, file: string, where: string): string {
  const beside = resolve(dirname(file), base);
  if (existsSync(beside)) {
    if (statSync(beside).isDirectory()) throw new ScenarioError([{ where, path: 'base', message: `${beside} is a directory, not a scenario file` }]);
    return beside;
  }
  try {
    return resolve_scenario_path(base);
  } catch (error) {
    if (error instanceof ScenarioError) {
      throw new ScenarioError(error.issues.map((issue) => ({ ...issue, where, path: 'base' })));
    }
    throw error;
  }
}
