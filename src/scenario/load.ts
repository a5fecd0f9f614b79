import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { MACHINE_PRESETS, type MachinePreset, type PresetName } from '../hw/presets.js';
import { scenario_schema, type Scenario } from './schema.js';

/** One problem with a scenario, located in its file (or in a --set override). */
export interface ScenarioIssue {
  /** "file:line:col" or "--set path=value". */
  where: string;
  /** Dotted field path, e.g. machine.cpus. */
  path: string;
  message: string;
  /** The offending value, as written. */
  value?: string;
}

/** Thrown for a scenario that cannot be used; its message lists every issue, one per line. */
export class ScenarioError extends Error {
  readonly code = 'SIM_SCENARIO_INVALID';

  constructor(readonly issues: ScenarioIssue[]) {
    super(issues.map(format_issue).join('\n'));
    this.name = 'ScenarioError';
  }
}

function format_issue(issue: ScenarioIssue): string {
  const value = issue.value === undefined ? '' : ` (got ${issue.value})`;
  return `${issue.where} ${issue.path || '(scenario)'}: ${issue.message}${value}`;
}

/** The folder of built-in scenarios shipped with the package. */
export function builtin_scenario_dir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // src/scenario or dist/scenario → package root/scenarios
  return resolve(here, '..', '..', 'scenarios');
}

/** Names of the built-in scenarios with their descriptions. */
export function list_builtin_scenarios(): { name: string; description: string }[] {
  const dir = builtin_scenario_dir();
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => {
      const name = file.slice(0, -'.yaml'.length);
      const doc = parseDocument(readFileSync(join(dir, file), 'utf8'));
      const description = doc.get('description');
      return { name, description: typeof description === 'string' ? description : '' };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A scenario argument is a YAML file path or a built-in name. */
export function resolve_scenario_path(name_or_path: string): string {
  if (existsSync(name_or_path)) return name_or_path;
  const builtin = join(builtin_scenario_dir(), `${name_or_path}.yaml`);
  if (existsSync(builtin)) return builtin;
  const names = list_builtin_scenarios().map((s) => s.name).join(', ');
  throw new ScenarioError([
    { where: name_or_path, path: '', message: `no such file, and not a built-in scenario (built-in: ${names})` },
  ]);
}

/** Applies `path=value` overrides (value parsed as YAML) to the document. */
function apply_sets(doc: Document, sets: readonly string[]): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  for (const set of sets) {
    const eq = set.indexOf('=');
    if (eq <= 0) {
      issues.push({ where: `--set ${set}`, path: '', message: 'expected path=value, e.g. machine.cpus=8' });
      continue;
    }
    const path = set.slice(0, eq).split('.');
    const value = parseDocument(set.slice(eq + 1)).toJS() as unknown;
    if (!isMap(doc.contents)) doc.contents = doc.createNode({});
    doc.setIn(path, doc.createNode(value));
  }
  return issues;
}

/** The machine fields any preset may set, as document paths. */
function preset_paths(): string[][] {
  const paths = new Set<string>();
  for (const preset of Object.values(MACHINE_PRESETS) as MachinePreset[]) {
    for (const [key, value] of Object.entries(preset.machine)) {
      if (key === 'cost') for (const name of Object.keys(value as object)) paths.add(`machine.cost.${name}`);
      else paths.add(`machine.${key}`);
    }
  }
  return [...paths].map((path) => path.split('.'));
}

/**
 * machine.preset: fills the machine fields the preset defines. The more specific source wins:
 * a --set of the field, else the preset if it came from --set (or --preset), else the file's
 * own value, else the preset's. An unknown name is left for the schema to reject.
 */
function apply_preset(doc: Document, sets: readonly string[], file_paths: readonly string[]): void {
  const name = doc.getIn(['machine', 'preset']);
  if (typeof name !== 'string' || !Object.hasOwn(MACHINE_PRESETS, name)) return;
  const preset = MACHINE_PRESETS[name as PresetName] as MachinePreset;
  const set_paths = sets.map((set) => set.slice(0, set.indexOf('=')));
  const from_set = set_paths.includes('machine.preset');
  const given = (path: string): boolean => set_paths.some((p) => path === p || path.startsWith(`${p}.`)) || (!from_set && file_paths.includes(path));
  for (const [key, value] of Object.entries(preset.machine)) {
    if (key !== 'cost') {
      if (!given(`machine.${key}`)) doc.setIn(['machine', key], value);
      continue;
    }
    for (const [cost, ns] of Object.entries(value as Record<string, number>)) {
      if (!given(`machine.cost.${cost}`)) doc.setIn(['machine', 'cost', cost], ns);
    }
  }
}

/**
 * Reads, overrides and validates a scenario. Every issue names the file, line and column of
 * the field (or the --set that introduced it), the field path, the value and what is allowed.
 */
export function load_scenario(name_or_path: string, sets: readonly string[] = []): Scenario {
  const file = resolve_scenario_path(name_or_path);
  const text = readFileSync(file, 'utf8');
  return parse_scenario(text, file, sets);
}

/** Validates scenario text; `file` is only used in messages. */
export function parse_scenario(text: string, file: string, sets: readonly string[] = []): Scenario {
  const line_counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: line_counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      doc.errors.map((error) => {
        const pos = error.linePos?.[0];
        return { where: `${file}:${pos?.line ?? 1}:${pos?.col ?? 1}`, path: '', message: `YAML: ${error.message.split('\n')[0]}` };
      }),
    );
  }
  const file_has = (path: readonly string[]): boolean => doc.hasIn(path);
  const file_paths = preset_paths().filter(file_has).map((path) => path.join('.'));
  const set_issues = apply_sets(doc, sets);
  if (set_issues.length > 0) throw new ScenarioError(set_issues);
  apply_preset(doc, sets, file_paths);
  const result = scenario_schema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  const set_paths = sets.map((set) => set.slice(0, set.indexOf('=')));
  throw new ScenarioError(
    result.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      const from_set = set_paths.find((p) => path === p || path.startsWith(`${p}.`));
      const node = doc.getIn(issue.path as (string | number)[], true);
      let where = `${file}:1:1`;
      if (from_set !== undefined) where = `--set ${sets[set_paths.indexOf(from_set)] as string}`;
      else if (node !== undefined && node !== null && typeof node === 'object' && 'range' in node) {
        const range = (node as { range?: [number, number, number] }).range;
        if (range !== undefined) {
          const pos = line_counter.linePos(range[0]);
          where = `${file}:${pos.line}:${pos.col}`;
        }
      } else {
        // An unknown key or a missing field: point at the parent map.
        const parent = doc.getIn(issue.path.slice(0, -1) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
        if (parent?.range !== undefined) {
          const pos = line_counter.linePos(parent.range[0]);
          where = `${file}:${pos.line}:${pos.col}`;
        }
      }
      const value = isScalar(node) ? String(node.value) : undefined;
      let message = issue.message;
      if (issue.code === 'unrecognized_keys') message = `unknown field(s) ${issue.keys.join(', ')}`;
      return { where, path, message, ...(value === undefined ? {} : { value }) };
    }),
  );
}
