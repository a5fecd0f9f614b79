import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, parseDocument, type Document, type Node } from 'yaml';
import { MACHINE_PRESETS, type MachinePreset, type PresetName } from '../hw/presets.js';
import { scenario_fields_at } from './fields.js';
import { name_list, ScenarioError, type ScenarioIssue } from './scenario_error.js';
import { scenario_schema, type Scenario } from './schema.js';
import { check_map_document, parse_yaml, read_bounded, where_at, yaml_value, type YamlInput } from './yaml_input.js';

export { ScenarioError, type ScenarioIssue } from './scenario_error.js';

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

/** A scenario argument is a YAML file path or a built-in name; a directory is neither. */
export function resolve_scenario_path(name_or_path: string): string {
  if (existsSync(name_or_path)) {
    if (statSync(name_or_path).isDirectory()) throw new ScenarioError([{ where: name_or_path, path: '', message: 'is a directory, not a scenario file' }]);
    return name_or_path;
  }
  const builtin = join(builtin_scenario_dir(), `${name_or_path}.yaml`);
  if (existsSync(builtin)) return builtin;
  const names = list_builtin_scenarios().map((s) => s.name).join(', ');
  throw new ScenarioError([
    { where: name_or_path, path: '', message: `no such file, and not a built-in scenario (built-in: ${names})` },
  ]);
}

/** Reads a scenario file (bounded: /dev/zero is not a scenario). */
export function read_scenario_text(file: string): string {
  return read_bounded(file, 'a scenario file');
}

/**
 * Applies `path=value` overrides to the document. The value is read as YAML by the same
 * rules as a file (a syntax error or an alias in it is an issue); the path must name a field
 * through maps, not through a value (`machine.cpus.x`).
 */
function apply_sets(doc: YamlInput['doc'], sets: readonly string[]): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  for (const set of sets) {
    const where = `--set ${set}`;
    const eq = set.indexOf('=');
    const path = set.slice(0, Math.max(eq, 0)).split('.');
    if (eq <= 0 || path.some((part) => part === '')) {
      issues.push({ where, path: '', message: 'expected path=value, e.g. machine.cpus=8' });
      continue;
    }
    let value: unknown;
    try {
      const input = parse_yaml(set.slice(eq + 1), where);
      value = yaml_value(input);
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      issues.push(...error.issues.map((issue) => ({ ...issue, path: path.join('.') })));
      continue;
    }
    const through = path.findIndex((_, i) => i < path.length - 1 && doc.getIn(path.slice(0, i + 1), true) !== undefined && !isMap(doc.getIn(path.slice(0, i + 1), true)));
    if (through >= 0) {
      issues.push({ where, path: path.join('.'), message: `${path.slice(0, through + 1).join('.')} holds a value, not a section of fields` });
      continue;
    }
    if (path.includes('__proto__')) {
      issues.push({ where, path: path.join('.'), message: 'not a scenario field' });
      continue;
    }
    if (doc.contents === null) doc.contents = doc.createNode({});
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
  return parse_scenario(read_scenario_text(file), file, sets);
}

/** The key node of `name` in a map node, if it is there. */
function key_node(map: unknown, name: string): Node | undefined {
  if (!isMap(map)) return undefined;
  const pair = map.items.find((p) => isScalar(p.key) && (p.key.value === null ? '' : String(p.key.value as string | number | boolean)) === name);
  return pair?.key as Node | undefined;
}

/** Validates scenario text; `file` is only used in messages. */
export function parse_scenario(text: string, file: string, sets: readonly string[] = []): Scenario {
  const input = parse_yaml(text, file);
  check_map_document(input, 'a scenario');
  const { doc } = input;
  const file_paths = preset_paths().filter((path) => doc.hasIn(path)).map((path) => path.join('.'));
  const set_issues = apply_sets(doc, sets);
  if (set_issues.length > 0) throw new ScenarioError(set_issues);
  apply_preset(doc, sets, file_paths);
  const result = scenario_schema.safeParse(yaml_value(input) ?? {});
  if (result.success) return result.data;
  const set_paths = sets.map((set) => set.slice(0, set.indexOf('=')));
  const located = (node: unknown) => where_at(input, (node as { range?: [number, number, number] } | null | undefined)?.range?.[0]);
  throw new ScenarioError(
    result.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      // An unknown field is the --set's that wrote it.
      const fields = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => (path === '' ? key : `${path}.${key}`)) : [path];
      const from_set = set_paths.find((p) => fields.some((f) => f === p || f.startsWith(`${p}.`) || p.startsWith(`${f}.`)));
      const node = doc.getIn(issue.path as (string | number)[], true);
      const parent = issue.path.length === 0 ? doc.contents : doc.getIn(issue.path.slice(0, -1) as (string | number)[], true);
      let where = `${file}:1:1`;
      if (from_set !== undefined) where = `--set ${sets[set_paths.indexOf(from_set)] as string}`;
      else if (issue.code === 'unrecognized_keys') {
        const map = issue.path.length === 0 ? doc.contents : node;
        where = located(key_node(map, issue.keys[0] as string) ?? map);
      } else if (node !== undefined && node !== null && typeof node === 'object' && 'range' in node) where = located(node);
      // An unknown key or a missing field: point at the parent map.
      else if (parent !== undefined && parent !== null) where = located(parent);
      const value = isScalar(node) ? String(node.value) : undefined;
      let message = issue.message;
      if (issue.code === 'unrecognized_keys') {
        const fields = scenario_fields_at(issue.path as (string | number)[]);
        message = `unknown field(s) ${name_list(issue.keys)}${fields === null ? '' : ` (fields: ${fields.join(', ')})`}`;
      }
      return { where, path, message, ...(value === undefined ? {} : { value }) };
    }),
  );
}
