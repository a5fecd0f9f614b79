import { isDeepStrictEqual } from 'node:util';
import { stringify } from 'yaml';
import { parse_scenario, ScenarioError } from './load.js';
import type { Scenario } from './schema.js';
import { format_size } from './units.js';

type Obj = Record<string, unknown>;

function is_object(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Dotted paths of the leaves (non-object values, arrays included) of plain data. */
function leaves(o: Obj, prefix: string[] = []): string[][] {
  return Object.entries(o).flatMap(([k, v]) => (is_object(v) && Object.keys(v).length > 0 ? leaves(v, [...prefix, k]) : [[...prefix, k]]));
}

function without(o: Obj, path: readonly string[]): Obj {
  const next = structuredClone(o);
  let part: Obj = next;
  for (const k of path.slice(0, -1)) part = part[k] as Obj;
  delete part[path[path.length - 1] as string];
  // Sections left empty go too.
  for (let depth = path.length - 1; depth > 0; depth--) {
    let parent: Obj = next;
    for (const k of path.slice(0, depth - 1)) parent = parent[k] as Obj;
    const key = path[depth - 1] as string;
    if (is_object(parent[key]) && Object.keys(parent[key]).length === 0) delete parent[key];
  }
  return next;
}

function same_scenario(o: Obj, s: Scenario): boolean {
  try {
    return isDeepStrictEqual(parse_scenario(JSON.stringify(o), '<yaml>'), s);
  } catch (error) {
    if (error instanceof ScenarioError) return false;
    throw error;
  }
}

const SIZES = ['machine.memory', 'swap.size', 'pageout.size', 'pageout.chunk', 'workload.region', 'stress.bytes', 'memcg.max', 'file.size', 'file.disk_size'];
const DURATIONS = ['workload.baseline', 'workload.pageout_access_interval', 'workload.race_interval', 'workload.fork_at', 'stress.duration', 'stress.start_spread'];

function format_duration(ns: number): string {
  for (const [unit, scale] of [['s', 1e9], ['ms', 1e6], ['us', 1e3]] as const) if (ns >= scale && ns % scale === 0) return `${ns / scale}${unit}`;
  return `${ns}ns`;
}

/** Sizes and durations with their units (4KiB, 10us), as a person writes them. */
function with_units(o: Obj): Obj {
  const next = structuredClone(o);
  for (const [paths, format] of [[SIZES, format_size], [DURATIONS, format_duration]] as const) {
    for (const path of paths) {
      const [section, key] = path.split('.') as [string, string];
      const part = next[section];
      if (is_object(part) && typeof part[key] === 'number') part[key] = format(part[key]);
    }
  }
  return next;
}

/**
 * A resolved scenario as short YAML: only the fields the loader would not derive by itself
 * (each leaf is left out when the scenario loads the same without it), sizes and durations
 * with units. parse_scenario(scenario_yaml(s)) deep-equals s.
 */
export function scenario_yaml(s: Scenario): string {
  let o = JSON.parse(JSON.stringify(s)) as Obj;
  for (const path of leaves(o)) {
    if (path[0] === 'name') continue;
    const trimmed = without(o, path);
    if (same_scenario(trimmed, s)) o = trimmed;
  }
  const readable = with_units(o);
  return stringify(same_scenario(readable, s) ? readable : o);
}
