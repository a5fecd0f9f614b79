/**
 * The oracle's former blind spots (issue 15): each rule is shown catching a deliberately
 * broken model (a test-only mutant, mm/mutants.ts) or strategy, while the unbroken model is
 * clean on the same scenario.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulationError } from '../src/run/run_scenario.js';
import { free_under_writeback, run_builtin } from './helpers.js';

function codes(result: { oracle: { violations: { code: string; count: number }[] } }): Record<string, number> {
  return Object.fromEntries(result.oracle.violations.map((v) => [v.code, v.count]));
}


describe('oracle blind spots', () => {
  it('catches a swap-in that maps the folio before its read completes, judging the data when the read lands', () => {
    const sets = ['swap.device=nvme'];
    expect(run_builtin('stress-memcg', sets).oracle.violations).toEqual([]);
    const r = run_builtin('stress-memcg', sets, { mutants: ['swapin_map_before_read'] });
    expect(codes(r).ACCESS_NOT_UPTODATE).toBeGreaterThan(0);
    expect(codes(r).LOST_WRITE).toBeGreaterThan(0);
    expect(r.oracle.violations.find((v) => v.code === 'ACCESS_NOT_UPTODATE')?.first.detail).toMatch(/before its swap-in read completed/);
  });

  it('catches a folio reference leaked in try_to_unmap by the exact refcounts at the end of the run', () => {
    expect(run_builtin('stress-memcg').oracle.violations).toEqual([]);
    const r = run_builtin('stress-memcg', [], { mutants: ['try_to_unmap_leak_ref'] });
    expect(r.oracle.verdict).toBe('violations');
    expect(codes(r).REFCOUNT_MISMATCH).toBeGreaterThan(0);
    expect(r.oracle.violations.find((v) => v.code === 'REFCOUNT_MISMATCH')?.first.detail).toBe('refcount 2, expected 1 (0 mapping(s), 1 swap cache, 0 LRU batch entries)');
  });

  it('catches a zero-filled page swapped out without its zeromap bit, at the swap-in and at the end', () => {
    const sets = ['pageout.zero_pages=50', 'swap.device=zram'];
    expect(run_builtin('clean-16m', sets).oracle.violations).toEqual([]);
    expect(run_builtin('dirty-16m', sets).oracle.violations).toEqual([]);
    // Clean mode reads every page back after the first pageout: the swap-in finds nothing.
    const swapin = run_builtin('clean-16m', sets, { mutants: ['zeromap_bit_not_set'] });
    expect(swapin.oracle.violations.find((v) => v.code === 'SWAP_DATA_MISSING')?.first.detail).toMatch(/^swap-in of slot \d+ reads from the device, where nothing was stored/);
    // Dirty mode never reads back: the final read of every page finds it.
    const end = run_builtin('dirty-16m', sets, { mutants: ['zeromap_bit_not_set'] });
    expect(codes(end)).toEqual({ SWAP_DATA_MISSING: 2048 });
  });

  it('catches a zswap store that records nothing, at the swap-in and at the end', () => {
    const sets = ['swap.zswap.enabled=true'];
    expect(run_builtin('clean-16m', sets).oracle.violations).toEqual([]);
    expect(run_builtin('dirty-16m', sets).oracle.violations).toEqual([]);
    const swapin = run_builtin('clean-16m', sets, { mutants: ['zswap_store_nothing'] });
    expect(swapin.oracle.violations.find((v) => v.code === 'SWAP_DATA_MISSING')?.first.detail).toMatch(/^swap-in of slot \d+ reads from the device, where nothing was stored/);
    expect(codes(run_builtin('dirty-16m', sets, { mutants: ['zswap_store_nothing'] }))).toEqual({ SWAP_DATA_MISSING: 4096 });
  });

  it('catches a folio freed under writeback at the free, and a model failure keeps the findings so far', () => {
    expect(run_builtin('dirty-16m').oracle.violations).toEqual([]);
    let failure: unknown;
    try {
      run_builtin('dirty-16m', [], { strategy: free_under_writeback });
    } catch (error) {
      failure = error;
    }
    // The write completion then finds no folio: the model fails, and the oracle said why.
    expect(failure).toBeInstanceOf(SimulationError);
    const error = failure as SimulationError;
    expect(error.message).toMatch(/write completion for slot \d+ without its folio/);
    const bad = error.findings.find((v) => v.code === 'BAD_FLAGS_AT_FREE');
    expect(bad?.first.detail).toMatch(/^freed with .*PG_writeback/);
    expect(bad?.first.reproduce).toBe('reclaimsim run dirty-16m --strategy free-under-writeback --seed 1');
    expect(error.reproduce).toBe('reclaimsim run dirty-16m --strategy free-under-writeback --seed 1');
  });

  it('exit 4 prints the oracle findings made before the model failed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-'));
    const module = join(dir, 'free-under-writeback.mjs');
    writeFileSync(module, `export default {
  name: 'free-under-writeback',
  description: 'broken on purpose',
  *dirty_folio(ctx, pfn) {
    yield* ctx.try_to_unmap_flush_dirty();
    const result = yield* ctx.pageout(pfn);
    const f = ctx.folios;
    if (result !== 2 || !f.trylock(pfn)) return ctx.keep(pfn);
    if (!ctx.remove_mapping_frozen(pfn)) return ctx.keep_locked(pfn);
    f.unlock(pfn);
    yield* ctx.free_it(pfn);
  },
  *after_main_loop() {},
};
`);
    const cli = resolve(new URL('.', import.meta.url).pathname, '..', 'dist', 'cli', 'main.js');
    const r = spawnSync(process.execPath, [cli, 'run', 'dirty-16m', '--strategy', module], { encoding: 'utf8' });
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/the model failed: write completion/);
    expect(r.stderr).toMatch(/the oracle's findings before the failure:\n\s+BAD_FLAGS_AT_FREE x\d+: freed with .*PG_writeback/);
  });
});
