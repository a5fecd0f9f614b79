/**
 * mmtests-grade comparisons: percentages compared in percentage points, Welch's t-test over
 * the seeds with a significance mark that says better or worse by the figure's direction, in
 * the text table, the statistics CSV, the JSON result file and the HTML report; and a text
 * table whose columns never run together.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { format_comparison } from '../src/cli/compare_format.js';
import { resultJson } from '../src/index.js';
import { comparison_csv } from '../src/report/csv.js';
import { record_run } from '../src/report/record_run.js';
import { render_report } from '../src/report/report_html.js';
import { compare_strategies, tabulate, type Comparison } from '../src/run/compare.js';
import { better_direction, welch_interval, welch_p_value } from '../src/run/significance.js';
import { load_scenario } from '../src/scenario/load.js';

describe("Welch's t-test", () => {
  it("gives R's t.test p-value for Student's sleep data (Welch: t = -1.8608, df = 17.776, p = 0.07939)", () => {
    const x = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    const y = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
    expect(welch_p_value(x, y)).toBeCloseTo(0.07939, 4);
  });

  it("gives R's t.test 95 % interval of the difference for the sleep data ([-3.3655, 0.2055] for mean(x) - mean(y))", () => {
    const x = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    const y = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
    const [lo, hi] = welch_interval(y, x) as [number, number];
    expect(lo).toBeCloseTo(-3.3655, 4);
    expect(hi).toBeCloseTo(0.2055, 4);
    expect(welch_interval([5], [7])).toEqual([2, 2]);
    expect(welch_interval([5, 5], [7, 7])).toEqual([2, 2]);
    expect(welch_interval([5], [6, 7])).toBeNull();
  });

  it('decides samples without spread exactly and refuses single values', () => {
    expect(welch_p_value([5, 5], [5, 5])).toBe(1);
    expect(welch_p_value([5, 5], [6, 6])).toBe(0);
    expect(welch_p_value([5], [6, 7])).toBeNull();
  });

  it('knows which way the headline figures are better', () => {
    expect(better_direction('TLB shootdowns (all CPUs)')).toBe('lower');
    expect(better_direction('vm/1 bogo-ops/s after its first pass')).toBe('higher');
    expect(better_direction('app/1 throughput change %')).toBe('higher');
    expect(better_direction('pswpout')).toBeNull();
    expect(better_direction('sim_flush_broadcast')).toBe('lower');
    expect(better_direction('sim_flush_broadcast_sync')).toBe('lower');
  });
});

describe('a comparison over three seeds', () => {
  const scenario = load_scenario('stress-memcg');
  let comparison: Comparison;
  beforeAll(() => {
    comparison = compare_strategies(scenario, ['upstream', 'batched'], [1, 2, 3]);
  }, 120_000);
  const figure = (name: string) => comparison.figures.find((f) => f.name === name);

  it('compares percentages in percentage points', () => {
    const f = figure('vm/1 throughput change %');
    expect(f?.unit).toBe('percent');
    const [base, other] = f?.by_strategy ?? [];
    expect(other?.change_pct).toBeNull();
    expect(other?.change_pp).toBeCloseTo((other?.mean as number) - (base?.mean as number), 9);
    const row = format_comparison(comparison).split('\n').find((l) => l.startsWith('vm/1 throughput change %')) as string;
    expect(row).toMatch(/\([+-]\d+\.\d\d pp\)/);
    expect(row).not.toMatch(/%\)/);
  });

  it('tabulates runs made elsewhere exactly as compare does', () => {
    const per_strategy = comparison.strategies.map((name) => comparison.runs.filter((r) => r.strategy === name));
    expect(tabulate(comparison.strategies, comparison.seeds, per_strategy).figures).toEqual(comparison.figures);
  });

  it('marks a significant difference and says which way is better', () => {
    const tlb = figure('TLB shootdowns (all CPUs)')?.by_strategy[1];
    expect(tlb?.p_value).toBeLessThan(0.05);
    expect(tlb?.significance).toBe('better');
    expect(figure('TLB shootdowns (all CPUs)')?.better).toBe('lower');
    expect(format_comparison(comparison)).toMatch(/^TLB shootdowns \(all CPUs\).*\*better/m);
    expect(format_comparison(comparison)).toContain("Welch's t-test");
  });

  it('writes the statistics to CSV and JSON', () => {
    const csv = comparison_csv(comparison).trim().split('\n');
    expect(csv[0]).toBe('figure,unit,better,strategy,mean,stddev,change_pct,change_pp,p_value,significance,oom_killed_runs,seeds');
    expect(csv.some((l) => l.startsWith('TLB shootdowns (all CPUs),count,lower,batched,') && l.includes(',better,'))).toBe(true);
    const json = JSON.parse(resultJson(comparison.runs, comparison)) as { comparison: { test: string; figures: { name: string; by_strategy: { p_value: number | null; significance: string | null }[] }[] } };
    expect(json.comparison.test).toMatch(/Welch/);
    const tlb = json.comparison.figures.find((f) => f.name === 'TLB shootdowns (all CPUs)');
    expect(tlb?.by_strategy[1]?.significance).toBe('better');
  });

  it('shows the marks in the HTML report', async () => {
    const traced = ['upstream', 'batched'].map((strategy) => record_run(scenario, { strategy }));
    const html = await render_report({ command: 'reclaimsim compare stress-memcg --strategies upstream,batched --seeds 3', scenario, traced, runs: comparison.runs, comparison });
    expect(html).toContain('class="sig better"');
    expect(html).toMatch(/\d pp<\/span>/);
  }, 60_000);

  it('prints a text table whose columns are separated and carry no exponent', () => {
    const text = format_comparison(comparison);
    const lines = text.split('\n');
    const header = lines[1] as string;
    const starts = comparison.strategies.map((s) => header.indexOf(s));
    for (const line of lines.slice(2, 2 + comparison.figures.length)) {
      for (const start of starts) expect(line.slice(start - 3, start), line).toBe('   ');
    }
    expect(text).not.toMatch(/\de[+-]\d/);
  });
});
