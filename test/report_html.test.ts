/**
 * The HTML report and the CSV: deterministic bytes, self-contained (no script, no URL to
 * fetch), every section and chart present with units on the axes, user text escaped, small
 * enough to mail; the CSV has one row per run and a stable column order.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compare_strategies } from '../src/run/compare.js';
import { record_run } from '../src/report/record_run.js';
import { render_report, type ReportRun } from '../src/report/report_html.js';
import { every_bucket } from '../src/report/report_distributions.js';
import { runs_csv } from '../src/report/csv.js';
import { load_scenario } from '../src/scenario/load.js';

const HOSTILE = '<script>alert("x")</script> & co';

describe('HTML report', () => {
  const scenario = load_scenario('dirty-16m', [`name=${HOSTILE}`, `description=${HOSTILE}`]);
  let traced: ReportRun[];
  let html: string;
  beforeAll(async () => {
    traced = ['upstream', 'batched'].map((strategy) => record_run(scenario, { strategy }));
    const comparison = compare_strategies(scenario, ['upstream', 'batched'], [1]);
    html = await render_report({ command: 'reclaimsim compare dirty-16m --strategies upstream,batched --report r.html', scenario, traced, runs: comparison.runs, comparison });
  });

  it('is the same bytes for the same runs', async () => {
    const comparison = compare_strategies(scenario, ['upstream', 'batched'], [1]);
    const again = await render_report({ command: 'reclaimsim compare dirty-16m --strategies upstream,batched --report r.html', scenario, traced, runs: comparison.runs, comparison });
    expect(again).toBe(html);
  });

  it('is self-contained and escapes user text', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)="(?!#)/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; co');
    expect(html.length).toBeLessThan(300_000);
  });

  it('has every section, the reproducing command, and charts with units on their axes', () => {
    for (const id of ['results', 'shootdowns', 'flushes', 'io', 'faults', 'oracle', 'scenario']) expect(html).toContain(`<section id="${id}">`);
    expect(html).toContain('reclaimsim compare dirty-16m --strategies upstream,batched --report r.html');
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4);
    for (const unit of ['simulated time (ms)', 'shootdowns per ms', 'million operations per second', 'flush rounds the call sent', 'requests']) expect(html).toContain(unit);
    expect(html).toContain('TLB shootdowns (all CPUs)');
    expect(html).toMatch(/class="verdict correct"/);
  });

  it('says so when the model reported no swap-in fault rather than drawing one', () => {
    expect(html).toMatch(/No page fault was reported|No swap-in \(major\) fault happened/);
  });
});

describe('CSV', () => {
  it('has one row per run and the same columns in the same order for the same scenario', () => {
    const scenario = load_scenario('dirty-16m');
    const comparison = compare_strategies(scenario, ['upstream', 'batched'], [1, 2]);
    const csv = runs_csv(comparison.runs);
    const rows = csv.trim().split('\n');
    expect(rows).toHaveLength(5);
    const header = (rows[0] as string).split(',');
    expect(header.slice(0, 5)).toEqual(['scenario', 'strategy', 'seed', 'oracle_verdict', 'oracle_violations']);
    expect(header).toEqual(expect.arrayContaining(['TLB.cpu1', 'pswpout', 'nr_tlb_remote_flush', 'app/1.throughput_change_pct', 'phase.pageout.ns']));
    expect(new Set(rows.map((r) => r.split(',').length)).size).toBe(1);
    const upstream = (rows[1] as string).split(',');
    expect(upstream[header.indexOf('TLB.cpu1')]).toBe('4103');
    expect(runs_csv(compare_strategies(scenario, ['upstream', 'batched'], [1, 2]).runs)).toBe(csv);
  });
});

describe('report of a stress run', () => {
  it('speaks of workers, passes and the whole run rather than a pageout window', async () => {
    const scenario = load_scenario('stress-memcg');
    const traced = [record_run(scenario, { strategy: 'upstream' })];
    const html = await render_report({ command: 'reclaimsim run stress-memcg --report r.html', scenario, traced, runs: traced.map((t) => t.result) });
    expect(html).toContain('bogo-ops/s, first pass');
    expect(html).toContain('Stress workers: passes completed over time');
    expect(html).not.toContain('ops/s during pageout');
    expect(html).not.toContain('Shaded: the pageout window');
  });
});

describe('report of a kswapd run', () => {
  it('names the workers and kswapd as a kernel trace would', async () => {
    const scenario = load_scenario('kswapd-48m');
    const traced = [record_run(scenario, { strategy: 'upstream' })];
    const html = await render_report({ command: 'reclaimsim run kswapd-48m --report r.html', scenario, traced, runs: traced.map((t) => t.result) });
    expect(html).toContain('vm/1 (stress-ng-vm-1001)');
    expect(html).toContain('kswapd0 (kswapd0-85)');
  });
});

describe('report of an arm64 run', () => {
  it('keeps a row per CPU with its task, and marks the interrupt rows arm64 does not have', async () => {
    const scenario = load_scenario('dirty-16m', ['machine.arch=arm64']);
    const traced = [record_run(scenario, { strategy: 'upstream' })];
    const html = await render_report({ command: 'reclaimsim run dirty-16m --set machine.arch=arm64 --report r.html', scenario, traced, runs: traced.map((t) => t.result) });
    expect(html).toMatch(/<td>CPU1<\/td><td>–<\/td><td>–<\/td><td>app\/1/);
  });
});

describe('flush rounds per reclaim call', () => {
  // Each call counts the rounds its own task sent, not the global nr_tlb_remote_flush delta,
  // which also holds the rounds of reclaimers running beside it.
  for (const name of ['kswapd-48m', 'direct-reclaim', 'stress-memcg']) {
    it(`${name}: no call counts more rounds than it could send, and together they are at most nr_tlb_remote_flush`, () => {
      const { result, data } = record_run(load_scenario(name));
      expect(data.calls.count).toBeGreaterThan(0);
      expect(data.calls.flush_rounds).toBeLessThanOrEqual(result.vmstat.nr_tlb_remote_flush as number);
      // A call takes at most SWAP_CLUSTER_MAX folios; upstream flushes at most once per folio plus once at the end.
      expect(data.calls.flush_rounds_max).toBeLessThanOrEqual(33);
      expect([...data.calls.rounds.values()].reduce((a, b) => a + b, 0)).toBe(data.calls.count);
      if (name !== 'stress-memcg') expect(data.calls.flush_rounds).toBe(result.vmstat.nr_tlb_remote_flush);
    }, 60_000);
  }
});

describe('report of five strategies', () => {
  const all = ['upstream', 'seed-v1', 'seed-v2', 'zhang-v4', 'batched'];
  const scenario = load_scenario('stress-memcg');
  let html: string;
  let traced: ReportRun[];
  beforeAll(async () => {
    traced = all.map((strategy) => record_run(scenario, { strategy }));
    const comparison = compare_strategies(scenario, all, [1, 2]);
    html = await render_report({ command: 'reclaimsim compare stress-memcg', scenario, traced, runs: comparison.runs, comparison });
  }, 120_000);

  it('puts the headline figures first: flushes, IPIs, co-running throughput, the oracle verdict', () => {
    const results = html.slice(html.indexOf('<section id="results">'), html.indexOf('<h3>Every figure</h3>'));
    for (const name of ['nr_tlb_remote_flush', 'CAL interrupts (all CPUs)', 'bogo-ops/s (all workers, real time)', 'oracle verdict']) expect(results).toContain(name);
    expect(html.indexOf('<section id="results">')).toBeLessThan(html.indexOf('<section id="shootdowns">'));
  });

  it('gives each strategy one colour whatever the order compared, and tells coinciding lines apart', async () => {
    const swatch = (page: string, strategy: string) => new RegExp(`background:(#[0-9A-Fa-f]{6})"></span>${strategy}<`).exec(page)?.[1];
    const reversed = [...all].reverse();
    const comparison = compare_strategies(scenario, reversed, [1]);
    const other = await render_report({ command: 'c', scenario, traced: [...traced].reverse(), runs: comparison.runs, comparison });
    for (const s of all) expect(swatch(other, s), s).toBe(swatch(html, s));
    expect(new Set(all.map((s) => swatch(html, s))).size).toBe(all.length);
    expect(html).toContain('Identical lines: seed-v1 = seed-v2');
    expect(html).toMatch(/stroke-dasharray="7,4"/);
  }, 60_000);

  it('draws flush rounds per call as a distribution and keeps empty histogram buckets', () => {
    expect(html).toContain("% of the strategy's calls");
    // Fault latency: buckets between the fastest and slowest fault stay, empty or not.
    expect(html).toContain('&lt;8.19 µs');
    expect(every_bucket([3, 7])).toEqual([3, 4, 5, 6, 7]);
  });
});
