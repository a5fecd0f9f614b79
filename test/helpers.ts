import { run_scenario, type RunOptions } from '../src/run/run_scenario.js';
import { load_scenario, parse_scenario, ScenarioError } from '../src/scenario/load.js';
import type { RunResult } from '../src/run/result.js';
import type { Kernel } from '../src/reclaim/kernel.js';
import { PAGE_SUCCESS } from '../src/reclaim/shrink_context.js';
import type { ReclaimStrategy } from '../src/reclaim/strategy.js';

export const PAGE_SIZE = 4096;
export const PTRS_PER_PTE = 512;

/** The message of the ScenarioError parsing `text` (as file `file`) throws; it must throw one. */
export function scenario_refusal(text: string, file = 'bad.yaml'): string {
  try {
    parse_scenario(text, file);
  } catch (error) {
    if (error instanceof ScenarioError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

/** Runs a built-in scenario with `path=value` overrides. */
export function run_builtin(name: string, sets: string[] = [], options: RunOptions = {}): RunResult {
  return run_scenario(load_scenario(name, sets), options);
}

/** Runs a scenario given as YAML text. */
export function run_yaml(text: string, options: RunOptions = {}): RunResult {
  return run_scenario(parse_scenario(text, 'test.yaml'), options);
}

/** Runs and also returns the final kernel state. */
export function run_with_state(name: string, sets: string[] = []): { result: RunResult; k: Kernel } {
  let state: Kernel | undefined;
  const result = run_builtin(name, sets, { inspect: (k) => (state = k) });
  return { result, k: state as Kernel };
}

/** The result without its wall-clock field, for byte comparisons. */
export function without_wall(result: RunResult): Omit<RunResult, 'wall_ms'> {
  const { wall_ms: _wall, ...rest } = result;
  return rest;
}

/** Test-only: writes a dirty folio and frees it at once, under writeback (broken on purpose). */
export const free_under_writeback: ReclaimStrategy = {
  name: 'free-under-writeback',
  description: 'broken on purpose',
  *dirty_folio(ctx, pfn) {
    yield* ctx.try_to_unmap_flush_dirty();
    const result = yield* ctx.pageout(pfn);
    const f = ctx.folios;
    if (result !== PAGE_SUCCESS || !f.trylock(pfn)) return ctx.keep(pfn);
    if (!ctx.remove_mapping_frozen(pfn)) return ctx.keep_locked(pfn);
    f.unlock(pfn);
    yield* ctx.free_it(pfn);
  },
  *after_main_loop() {},
};
