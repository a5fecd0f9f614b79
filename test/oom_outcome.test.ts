/**
 * A worker the OOM killer ended has an outcome of its own, never a throughput: seed-v1 leaks
 * every folio of stress-memcg and all four workers are killed, which must not show as "+100 %"
 * against upstream in the comparison (text, JSON), the CSV or the HTML report.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { format_comparison } from '../src/cli/compare_format.js';
import { runs_csv } from '../src/report/csv.js';
import { record_run } from '../src/report/record_run.js';
import { render_report } from '../src/report/report_html.js';
import { compare_strategies, type Comparison } from '../src/run/compare.js';
import { load_scenario } from '../src/scenario/load.js';

describe('OOM-killed workers', () => {
  const scenario = load_scenario('stress-memcg');
  let comparison: Comparison;
  beforeAll(() => {
    comparison = compare_strategies(scenario, ['upstream', 'seed-v1'], [1]);
  }, 60_000);

  it('have no throughput in the run result, only the kill', () => {
    const killed = comparison.runs.find((r) => r.strategy === 'seed-v1');
    expect(killed?.tasks.every((t) => t.oom_killed === true && t.throughput_change_pct === null)).toBe(true);
  });

  it('compare as OOM-killed, not as a change of throughput', () => {
    const figure = (name: string) => comparison.figures.find((f) => f.name === name);
    const change = figure('vm/1 throughput change %')?.by_strategy[1];
    expect(change).toMatchObject({ mean: null, change_pct: null, oom_killed_runs: 1 });
    expect(figure('vm/1 bogo-ops/s after its first pass')?.by_strategy[1]?.mean).toBeNull();
    expect(figure('bogo-ops/s (all workers, real time)')?.by_strategy[1]?.mean).toBeNull();
    expect(figure('OOM-killed workers')?.by_strategy.map((c) => c.mean)).toEqual([0, 4]);
    const text = format_comparison(comparison);
    const row = text.split('\n').find((l) => l.startsWith('vm/1 throughput change %')) as string;
    expect(row).toContain('OOM-killed');
    expect(row).not.toMatch(/\+100(\.0+)?%/);
  });

  it('write an outcome column and no rate in the CSV', () => {
    const csv = runs_csv(comparison.runs).trim().split('\n').map((l) => l.split(','));
    const header = csv[0] as string[];
    const seed_v1 = csv.find((row) => row[1] === 'seed-v1') as string[];
    expect(seed_v1[header.indexOf('vm/1.outcome')]).toBe('oom_killed');
    expect(seed_v1[header.indexOf('vm/1.throughput_change_pct')]).toBe('');
    const upstream = csv.find((row) => row[1] === 'upstream') as string[];
    expect(upstream[header.indexOf('vm/1.outcome')]).toBe('completed');
  });

  it('show as OOM-killed in the HTML report', async () => {
    const traced = ['upstream', 'seed-v1'].map((strategy) => record_run(scenario, { strategy }));
    const html = await render_report({ command: 'reclaimsim compare stress-memcg --strategies upstream,seed-v1', scenario, traced, runs: comparison.runs, comparison });
    expect(html).toContain('OOM-killed');
    expect(html).not.toMatch(/\+100%/);
  }, 60_000);
});
