import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ReclaimStrategy } from '../reclaim/strategy.js';
import { resolve_strategy } from '../run/run_scenario.js';
import { load_strategy_module } from '../run/strategy_module.js';
import type { RunSpec } from '../sweep/grid.js';
import { run_id } from '../sweep/run_id.js';
import type { ResolvedEntry } from './suite.js';

/** The result file's sweep name: one for every suite, so a standard review reuses a quick one's baseline runs. */
export const REVIEW_SWEEP = 'review';

/** A strategy as the user named it: a built-in name, or a module's path with its content's hash. */
export interface StrategyRef {
  /** As typed: what reproducing commands show. */
  arg: string;
  strategy: ReclaimStrategy;
  /** sha256 of a module's source (null for a built-in): an edited module never reuses old results. */
  sha256: string | null;
}

/** A path (has a slash, or ends in .js/.mjs/.ts) is a module; anything else is a built-in's name. */
export function is_module_arg(arg: string): boolean {
  return /[/\\]|\.(m?js|ts)$/.test(arg);
}

export async function load_strategy_ref(arg: string): Promise<StrategyRef> {
  if (!is_module_arg(arg)) return { arg, strategy: resolve_strategy(arg), sha256: null };
  const strategy = await load_strategy_module(arg);
  const sha256 = createHash('sha256').update(readFileSync(resolve(arg))).digest('hex');
  return { arg, strategy, sha256 };
}

/** What a run's id hashes for its strategy. */
function id_label(ref: StrategyRef): string {
  return ref.sha256 === null ? ref.arg : `${ref.arg}#sha256:${ref.sha256}`;
}

function shell_word(word: string): string {
  return /^[\w.,:=/@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** The `reclaimsim run` command that reproduces one run of an entry. */
export function run_command(entry: ResolvedEntry['entry'], strategy: string, seed: number): string {
  return ['reclaimsim', 'run', entry.base, ...entry.set.flatMap((s) => ['--set', s]), '--strategy', strategy, '--seed', String(seed)].map(shell_word).join(' ');
}

/** The seeds an entry runs: 1..K when its figures depend on the seed, else seed 1 alone. */
export function entry_seeds(seeded: boolean, k: number): number[] {
  return seeded ? Array.from({ length: k }, (_, i) => i + 1) : [1];
}

/**
 * The review's runs: each active entry, baseline then candidate, over its seeds, as the
 * sweep engine's RunSpecs (ids by run_id, so results resume from `runs.jsonl`).
 */
export function plan_runs(entries: readonly ResolvedEntry[], refs: readonly StrategyRef[], k: number): RunSpec[] {
  const runs: RunSpec[] = [];
  for (const resolved of entries) {
    const { entry, scenario } = resolved;
    for (const ref of refs) {
      for (const seed of entry_seeds(entry.seeded, k)) {
        runs.push({
          id: run_id(scenario, id_label(ref), seed),
          index: runs.length,
          sweep: REVIEW_SWEEP,
          point: { entry: entry.id },
          strategy: ref.arg,
          seed,
          scenario,
          command: run_command(entry, ref.arg, seed),
          ...(ref.sha256 === null ? {} : { strategy_module: { path: resolve(ref.arg), sha256: ref.sha256 } }),
        });
      }
    }
  }
  return runs;
}
