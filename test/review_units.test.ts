/**
 * reclaimsim review's parts (issue 17): the suite (every entry resolves and says why it is
 * in; unseeded entries really are seed-independent; MGLRU entries wait for the model), the
 * statistics (exact differences, the minimum effect, Welch's interval, Holm), the shrinker
 * (every move lowers the rank, so it cannot cycle) and the minimal scenario YAML.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { swarm_scenario } from '../src/oracle/swarm.js';
import { METRICS, type Metric } from '../src/review/metrics.js';
import { load_strategy_ref } from '../src/review/plan.js';
import { execute_run } from '../src/sweep/execute.js';
import { shrink } from '../src/review/shrink.js';
import { lowers_rank, rank, smaller } from '../src/review/shrink_moves.js';
import { compare_cell, holm_rejected } from '../src/review/statistics.js';
import { resolve_entry, suite_entries, SUITE_NAMES } from '../src/review/suite.js';
import { run_scenario } from '../src/run/run_scenario.js';
import { load_scenario, parse_scenario } from '../src/scenario/load.js';
import { scenario_yaml } from '../src/scenario/scenario_yaml.js';

const metric = (name: string): Metric => METRICS.find((m) => m.name === name) as Metric;

describe('the review suites', () => {
  it('give every entry a unique id and a reason, and resolve every entry (pending ones say why)', () => {
    for (const name of SUITE_NAMES) {
      const entries = suite_entries(name);
      expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
      // Ids fit the verdict's 13-column scenario field.
      for (const entry of entries) expect(entry.id.length, entry.id).toBeLessThanOrEqual(13);
      for (const entry of entries) {
        expect(entry.reason.length, entry.id).toBeGreaterThan(10);
        expect(resolve_entry(entry).scenario.name.length, entry.id).toBeGreaterThan(0);
      }
    }
    expect(suite_entries('standard').slice(0, suite_entries('quick').length)).toEqual(suite_entries('quick'));
  });

  it('has MGLRU entries for memcg, kswapd and direct reclaim, resolved to reclaim.lru: mglru', () => {
    const mglru = suite_entries('standard').filter((e) => e.set.includes('reclaim.lru=mglru'));
    expect(mglru.map((e) => e.id)).toEqual(['mglru-stress', 'mglru-kswapd', 'mglru-direct']);
    for (const entry of mglru) expect(resolve_entry(entry).scenario.reclaim?.lru, entry.id).toBe('mglru');
  });

  it('runs the quick entries tagged unseeded to the same figures on seeds 1 and 2', () => {
    for (const entry of suite_entries('quick').filter((e) => !e.seeded && e.id !== 'madv-1g')) {
      const { scenario } = resolve_entry(entry);
      const [a, b] = [1, 2].map((seed) => run_scenario(scenario, { strategy: 'upstream', seed }));
      for (const m of METRICS) expect(m.value(b as never), `${entry.id} ${m.name}`).toEqual(m.value(a as never));
    }
  });
});

describe('review statistics', () => {
  it('compares one seed per side exactly', () => {
    const cell = compare_cell(metric('TLB shootdowns'), [4103], [15], 1);
    expect(cell.exact).toBe(true);
    expect(cell.class).toBe('better');
    expect(cell.change).toBeCloseTo(-99.634, 3);
    expect(cell.ci?.[0]).toBeCloseTo(cell.change as number, 9);
    expect(compare_cell(metric('reclaim duration'), [100], [130], 1).class).toBe('worse');
  });

  it('ends a count\'s interval at -100 % (no count falls below zero), a percentage-point or time-lost one not', () => {
    // The KVM guest's shootdowns: a large drop with the baseline spread over the seeds.
    const base = [55_000, 55_900, 54_600, 55_300, 55_500];
    const cell = compare_cell(metric('TLB shootdowns'), base, [201, 1_600, 150, 180, 220], 1);
    expect(cell.ci?.[0]).toBe(-100);
    expect(cell.ci?.[1]).toBeLessThan(-97);
    const pp = compare_cell(metric('co-runner change'), [-10, -12, -8, -11, -9], [-150, -90, -120, -60, -130], 1);
    expect(pp.ci?.[0]).toBeLessThan(-100);
    // Time lost may turn into time gained (race, zhang-v4: 1.89 ms lost -> 71 us gained).
    const lost = compare_cell(metric('co-runner time lost'), [1.8e6, 2.0e6, 1.9e6, 1.85e6, 1.95e6], [-7e4, -9e4, -5e4, -6e4, -8e4], 1);
    expect(lost.ci?.[0]).toBeLessThan(-100);
    expect(lost.ci?.[0]).toBeLessThanOrEqual(lost.change as number);
  });

  it('calls a change below the minimum effect the same, even when exact', () => {
    expect(compare_cell(metric('reclaim duration'), [1_000_000], [1_000_100], 1).class).toBe('same');
    expect(compare_cell(metric('reclaim duration'), [1_000_000], [1_000_100], 0).class).toBe('worse');
    expect(compare_cell(metric('OOM kills'), [0], [1], 1).class).toBe('worse');
  });

  it('gives the Welch interval in percent of the baseline mean and an inconclusive class when it spans both ways', () => {
    const cell = compare_cell(metric('co-runner ops/s'), [100, 104, 96, 102, 98], [101, 99, 105, 95, 100], 1);
    expect(cell.exact).toBe(false);
    expect(cell.class).toBe('inconclusive');
    const [lo, hi] = cell.ci as [number, number];
    expect(lo).toBeLessThan(0);
    expect(hi).toBeGreaterThan(0);
    const clear = compare_cell(metric('co-runner ops/s'), [100, 101, 99, 100, 100], [110, 111, 109, 110, 110], 1);
    expect(clear.class).toBe('better');
    expect(clear.change).toBeCloseTo(10, 9);
    expect((clear.ci as [number, number])[0]).toBeGreaterThan(8);
    // The whole interval within +-1 %: no difference, claimed from the interval.
    expect(compare_cell(metric('co-runner ops/s'), [1000, 1001, 999, 1000], [1001, 1000, 1002, 1001], 1).class).toBe('same');
  });

  it('knows a difference exactly when both sides ran the same seeds and differ alike on each', () => {
    const same = compare_cell(metric('co-runner ops/s'), [100, 104, 96], [100, 104, 96], 1);
    expect(same).toMatchObject({ exact: true, class: 'same', change: 0, ci: [0, 0], p_value: 1 });
    const shifted = compare_cell(metric('reclaim duration'), [100, 104, 96], [110, 114, 106], 1);
    expect(shifted).toMatchObject({ exact: true, class: 'worse' });
    // Not paired (a seed's value missing on one side): estimated.
    expect(compare_cell(metric('co-runner ops/s'), [100, 104, 96], [100, 104, 96], 1, false).exact).toBe(false);
  });

  it('rejects by Holm-Bonferroni step-down', () => {
    expect(holm_rejected([0.01, 0.04, 0.03, 0.005])).toEqual([true, false, false, true]);
    expect(holm_rejected([0.001, 0.01, 0.02])).toEqual([true, true, true]);
    expect(holm_rejected([])).toEqual([]);
  });
});

describe('shrinking', () => {
  it('ends at the smallest scenario with every accepted move lowering the rank, for any start', () => {
    for (const seed of [3, 7, 11, 20, 42]) {
      const start = swarm_scenario(seed);
      const path = [rank(start)];
      const result = shrink(start, (s) => {
        path.push(rank(s));
        return { fires: true, events: 0 };
      }, { runs: 1000, events: 1 });
      expect(result.exhausted, `seed ${seed}`).toBe(false);
      // Everything taken: the ranks of the accepted scenarios fall at every step.
      for (let i = 1; i < path.length; i++) expect(lowers_rank(path[i - 1] as number[], path[i] as number[]), `seed ${seed} step ${i}`).toBe(true);
      expect([...smaller(result.scenario)]).toEqual([]);
      expect(result.scenario.machine.cpus).toBe(1);
      expect(result.scenario.pageout.size).toBe(4096);
    }
  });

  it('stops at its budget of runs', () => {
    const result = shrink(swarm_scenario(3), () => ({ fires: false, events: 10 }), { runs: 4, events: 1e9 });
    expect(result.runs).toBe(4);
    expect(result.exhausted).toBe(true);
    expect(result.scenario).toEqual(swarm_scenario(3));
  });
});

describe('strategy modules in sweep workers', () => {
  it('runs a module by path and refuses one whose content is not the planned one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-module-'));
    const path = join(dir, 'copy.mjs');
    writeFileSync(path, "export default { name: 'copy', description: 'upstream', *dirty_folio(ctx, pfn) { yield* ctx.try_to_unmap_flush_dirty(); yield* ctx.pageout_one(pfn); }, *after_main_loop() {} };\n");
    const ref = await load_strategy_ref(path);
    const scenario = load_scenario('dirty-16m', ['pageout.size=64KiB']);
    const task = { id: 'x', scenario, strategy: path, seed: 1, command: 'c', strategy_module: { path, sha256: ref.sha256 as string } };
    const outcome = await execute_run(task);
    expect('result' in outcome && outcome.result.strategy).toBe('copy');
    await expect(execute_run({ ...task, strategy_module: { path, sha256: '0'.repeat(64) } })).rejects.toThrow(/changed since the runs were planned/);
  });
});

describe('scenario_yaml', () => {
  it('round-trips swarm and built-in-based scenarios with only the fields that matter', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const s = swarm_scenario(seed);
      expect(isDeepStrictEqual(parse_scenario(scenario_yaml(s), 'x'), s), `seed ${seed}`).toBe(true);
    }
    const { scenario } = resolve_entry(suite_entries('quick')[0] as never);
    const yaml = scenario_yaml(scenario);
    expect(yaml).toContain('device: zram');
    expect(yaml.split('\n').length).toBeLessThan(20);
  });
});

describe('review metrics', () => {
  it('judges MADV_PAGEOUT co-runners by the time they lost, not by their rate in a window the strategy resizes (clean-mixed, seed 1)', () => {
    const scenario = load_scenario('clean-16m', ['machine.cpus=4', 'workload.threads=3', 'workload.pageout_access=mixed', 'workload.pageout_access_interval=5us']);
    const lost = METRICS.find((m) => m.name === 'co-runner time lost') as Metric;
    const rate = METRICS.find((m) => m.name === 'co-runner ops/s') as Metric;
    const up = run_scenario(scenario, { strategy: 'upstream', seed: 1 });
    const batched = run_scenario(scenario, { strategy: 'batched', seed: 1 });
    for (const r of [up, batched]) {
      const by_hand = r.tasks.map((t) => r.sim_pageout_ns - (t.ops / t.baseline_ops_per_sec) * 1e9).reduce((a, b) => a + b, 0) / r.tasks.length;
      expect(lost.value(r)).toBeCloseTo(by_hand, 3);
      // The stress workers' rate only: a pageout's co-runners have no gated rate.
      expect(rate.value(r)).toBeNull();
    }
    // Batched's pageout is a third shorter and its threads lose less time (README, Reviewing a patch).
    expect(batched.sim_pageout_ns).toBeLessThan(up.sim_pageout_ns * 0.7);
    expect(lost.value(batched)).toBeLessThan((lost.value(up) as number) * 0.8);
  });
});
