import type { Comparison } from '../run/compare.js';
import { irq_row, type RunResult } from '../run/result.js';
import type { Scenario } from '../scenario/schema.js';
import { line_facets, load_chart_libraries, type Band, type SeriesPoint } from './charts.js';
import { comparison_table, headline_table } from './report_comparison.js';
import { fault_section, flush_rounds_section, io_section } from './report_distributions.js';
import { strategy_key, verdict_badge, verdicts } from './report_keys.js';
import { esc, flatten, num, pct, table } from './html.js';
import type { ReportData } from './report_collector.js';
import { trace_context } from './trace_context.js';

/** A run whose events and timeline were recorded for the charts. */
export interface ReportRun {
  result: RunResult;
  data: ReportData;
}

export interface ReportInput {
  /** The command line that reproduces the report (seed included). */
  command: string;
  scenario: Scenario;
  /** One recorded run per strategy, in the order compared (the first seed). */
  traced: readonly ReportRun[];
  /** Every run (all strategies and seeds), for the run table and the oracle's findings. */
  runs: readonly RunResult[];
  /** Present for `compare`. */
  comparison?: Comparison;
}

/** Small multiples per chart; more CPUs or threads are summarized in the tables. */
const FACETS_MAX = 8;
/** Points per line: timelines are merged down to this many intervals. */
const POINTS_MAX = 200;

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px auto;max-width:1240px;padding:0 16px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:3px}
h3{font-size:15px;margin:18px 0 6px}
pre{background:#f5f5f5;padding:8px 10px;white-space:pre-wrap;word-break:break-all;border-radius:4px}
table{border-collapse:collapse;margin:6px 0 10px;font-variant-numeric:tabular-nums}
th,td{border:1px solid #d6d6d6;padding:3px 8px;text-align:right;vertical-align:top;white-space:nowrap}
th{background:#f3f3f3}th:first-child,td:first-child{text-align:left;white-space:nowrap}
#scenario td,table.findings td{text-align:left;white-space:normal}
.note{color:#555;font-size:13px}
.oom{color:#a00;font-weight:600}
.wide{max-width:100%;overflow-x:auto}
table.cmp td{white-space:normal}table.cmp td:first-child{min-width:14em}.chg{display:block;font-size:12px}
table.findings td:last-child code{word-break:break-all}
.sig{font-weight:600}.sig.better{color:#146c2e}.sig.worse{color:#a00}
.verdict{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.correct{background:#dff3e4;color:#14532d}.violations{background:#fde2e1;color:#7f1d1d}.unchecked{background:#eee;color:#444}
.key{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
figure{margin:8px 0 16px}figure h2{font-size:15px;border:0;margin:0 0 4px}figcaption{color:#555;font-size:13px}
nav a{margin-right:12px}
`;

/** Rates between timeline samples, merged to at most POINTS_MAX intervals: [t_ms at interval start, per-second rate]. */
function rates(t_ns: readonly number[], cumulative: readonly number[]): { t_ms: number; per_s: number }[] {
  const n = t_ns.length;
  if (n < 2) return [];
  const step = Math.max(1, Math.ceil((n - 1) / POINTS_MAX));
  const out: { t_ms: number; per_s: number }[] = [];
  for (let i = 0; i + 1 < n; i += step) {
    const j = Math.min(n - 1, i + step);
    const dt = (t_ns[j] as number) - (t_ns[i] as number);
    if (dt <= 0) continue;
    out.push({ t_ms: (t_ns[i] as number) / 1e6, per_s: (((cumulative[j] as number) - (cumulative[i] as number)) * 1e9) / dt });
  }
  return out;
}

/** Each traced run's pageout phases as shaded bands, in ms. */
function pageout_bands(traced: readonly ReportRun[], several: boolean): Band[] {
  return traced.flatMap(({ result }) =>
    result.phases
      .filter((p) => p.name.endsWith('pageout'))
      .map((p) => ({ x1: p.start_ns / 1e6, x2: p.end_ns / 1e6, strategy: result.strategy, label: several ? `${p.name} (${result.strategy})` : p.name })),
  );
}

function shootdown_chart(input: ReportInput, strategies: readonly string[]): string {
  const nr_cpus = input.scenario.machine.cpus;
  const receiving = Array.from({ length: nr_cpus }, (_, cpu) => cpu).filter((cpu) => input.traced.some((r) => (irq_row(r.result.interrupts, 'TLB')[cpu] ?? 0) > 0));
  if (receiving.length === 0) return '<p class="note">No CPU received a TLB shootdown in these runs.</p>';
  const shown = receiving.slice(0, FACETS_MAX);
  const points: SeriesPoint[] = [];
  for (const { result } of input.traced) {
    const timeline = result.timeline;
    if (timeline === undefined) continue;
    for (const cpu of shown) {
      for (const p of rates(timeline.t_ns, timeline.tlb[cpu] ?? [])) points.push({ x: p.t_ms, y: p.per_s / 1000, strategy: result.strategy, facet: `CPU ${cpu}` });
    }
  }
  const silent = nr_cpus - receiving.length;
  const notes = [
    silent > 0
      ? `${silent} CPU(s) received none (${input.traced.some(({ result }) => is_stress(result)) ? 'a CPU in lazy TLB mode, like kswapd\'s or an idle one, is skipped' : 'the pageout CPU sends them; idle CPUs are skipped'}).`
      : '',
    receiving.length > shown.length ? `Showing ${shown.length} of ${receiving.length} receiving CPUs; the tables give every CPU's total.` : '',
  ].filter((s) => s !== '');
  return (
    line_facets({
      title: 'TLB shootdown IPIs received per CPU over time',
      points,
      facets: shown.map((cpu) => `CPU ${cpu}`),
      strategies,
      bands: pageout_bands(input.traced, strategies.length > 1),
      x_label: 'simulated time (ms)',
      y_label: 'shootdowns per ms',
    }) + coinciding_note(points, strategies) + (notes.length > 0 ? `<p class="note">${esc(notes.join(' '))}</p>` : '')
  );
}

/** Strategies whose lines coincide: each keeps its dash pattern, and a note says so. */
function coinciding_note(points: readonly SeriesPoint[], strategies: readonly string[]): string {
  const groups = new Map<string, string[]>();
  for (const s of strategies) {
    const key = JSON.stringify(points.filter((p) => p.strategy === s).map((p) => [p.facet, p.x, p.y]));
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const same = [...groups.values()].filter((g) => g.length > 1);
  if (same.length === 0) return '';
  return `<p class="note">Identical lines: ${same.map((g) => esc(g.join(' = '))).join('; ')} (their dash patterns let both show).</p>`;
}

/** A stress run's workers complete whole passes (bogo-ops): a rate per sample would be spikes, so their count is charted. */
function is_stress(result: RunResult): boolean {
  return result.scenario.workload.kind === 'stress';
}

function throughput_chart(input: ReportInput, strategies: readonly string[]): string {
  const first = input.traced[0]?.result;
  if (first === undefined || first.tasks.length === 0) return '<p class="note">The scenario has no application threads.</p>';
  const stress = is_stress(first);
  const shown = first.tasks.slice(0, FACETS_MAX).map((t) => t.name);
  const points: SeriesPoint[] = [];
  for (const { result } of input.traced) {
    const timeline = result.timeline;
    if (timeline === undefined) continue;
    result.tasks.forEach((task, i) => {
      if (!shown.includes(task.name)) return;
      const facet = `${task.name} (CPU ${task.cpu})`;
      const ops = timeline.ops[i] ?? [];
      if (stress) timeline.t_ns.forEach((t, j) => points.push({ x: t / 1e6, y: ops[j] ?? 0, strategy: result.strategy, facet }));
      else for (const p of rates(timeline.t_ns, ops)) points.push({ x: p.t_ms, y: p.per_s / 1e6, strategy: result.strategy, facet });
    });
  }
  const more = first.tasks.length > shown.length ? `<p class="note">Showing ${shown.length} of ${first.tasks.length} threads; the tables give every thread's rates.</p>` : '';
  return (
    line_facets({
      title: stress ? 'Stress workers: passes completed over time' : 'Application thread throughput over time',
      points,
      facets: first.tasks.slice(0, FACETS_MAX).map((t) => `${t.name} (CPU ${t.cpu})`),
      strategies,
      bands: pageout_bands(input.traced, strategies.length > 1),
      x_label: 'simulated time (ms)',
      y_label: stress ? 'bogo-ops (passes) completed' : 'million operations per second',
    }) + coinciding_note(points, strategies) + more
  );
}

/** A run's headline figures, a row per CPU: the interrupts it took (/proc/interrupts) and what its thread lost. */
function key_tables(result: RunResult): string {
  const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
  const ctx = trace_context(result.scenario, result.strategy, result.seed);
  // One row per CPU; '–' where the architecture has no such interrupt row (arm64 flushes without IPIs).
  const irq_cell = (row: string, cpu: number): string => (result.interrupts[row] === undefined ? '–' : num(irq_row(result.interrupts, row)[cpu] ?? 0));
  const rows = Array.from({ length: result.scenario.machine.cpus }, (_, cpu) => {
    const task = result.tasks.find((t) => t.cpu === cpu);
    // The task as a kernel trace names it (comm-pid), beside the name the results use.
    const traced = ctx.cpu_task[cpu] ?? null;
    const label = traced === null ? (task?.name ?? '–') : `${traced.name} (${traced.comm}-${traced.pid})`;
    const thread = task === undefined
      ? [esc(label), '', '', '', '']
      : task.oom_killed === true
        ? [esc(label), num(task.baseline_ops_per_sec), '<span class="oom">OOM-killed</span>', '<span class="oom">OOM-killed</span>', num(task.sim_interrupted_ns / 1e6)]
        : [esc(label), num(task.baseline_ops_per_sec), num(task.ops_per_sec), pct(task.throughput_change_pct), num(task.sim_interrupted_ns / 1e6)];
    return [`CPU${cpu}`, irq_cell('TLB', cpu), irq_cell('CAL', cpu), ...thread];
  });
  rows.push(['all', num(sum(irq_row(result.interrupts, 'TLB'))), num(sum(irq_row(result.interrupts, 'CAL'))), '', '', '', '', '']);
  if (is_stress(result)) {
    return table(['CPU', 'TLB', 'CAL', 'worker', 'bogo-ops/s, first pass', 'bogo-ops/s after', 'change', 'lost to interrupts (ms)'], rows) +
      '<p class="note">TLB (TLB shootdowns) and CAL (function call interrupts) are the /proc/interrupts rows, as deltas over the whole run; the worker columns compare each stress worker\'s rate in its first pass (which faults its region in) and after it.</p>';
  }
  return table(['CPU', 'TLB', 'CAL', 'task', 'ops/s before', 'ops/s during pageout', 'change', 'lost to interrupts (ms)'], rows) +
    '<p class="note">TLB (TLB shootdowns) and CAL (function call interrupts) are the /proc/interrupts rows, as deltas over the pageout and its writeback; the task columns compare each application thread\'s rate before and during pageout.</p>';
}

/** The rest of a run's counters. */
function counter_tables(result: RunResult): string {
  const vmstat = Object.entries(result.vmstat).filter(([, v]) => v !== 0);
  return [
    '<h3>/proc/vmstat deltas (pageout and its writeback)</h3>',
    vmstat.length === 0 ? '<p class="note">All zero.</p>' : table(['counter', 'delta'], vmstat.map(([k, v]) => [esc(k), num(v)])),
    '<h3>Phases</h3>',
    table(['phase', 'start (ms)', 'end (ms)', 'length (ms)'], result.phases.map((p) => [esc(p.name), num(p.start_ns / 1e6), num(p.end_ns / 1e6), num((p.end_ns - p.start_ns) / 1e6)])),
    '<h3>Swap I/O and time</h3>',
    table(['figure', 'value'], [
      ['swap requests', num(result.io.requests)],
      ['bios', num(result.io.bios)],
      ['largest request (pages)', num(result.io.pages_per_request_max)],
      ['pageout call(s), simulated ms (sim_pageout_ns)', num(result.sim_pageout_ns / 1e6)],
      ['whole run, simulated ms', num(result.sim_time_ns / 1e6)],
      ['events processed', num(result.events)],
    ]),
  ].join('\n');
}

function oracle_section(input: ReportInput): string {
  const summary = verdicts(input.runs).map(({ strategy, runs, verdict }) => [
    strategy_key(strategy),
    verdict_badge(verdict),
    num(runs.length),
    num(runs.filter((r) => r.oracle.verdict === 'violations').length),
    num(runs.reduce((a, r) => a + r.oracle.violations.reduce((x, v) => x + v.count, 0), 0)),
  ]);
  const findings = input.runs.flatMap((r) =>
    r.oracle.violations.map((v) => [
      esc(r.strategy),
      num(r.seed),
      `<code>${esc(v.code)}</code>`,
      esc(v.rule),
      num(v.count),
      num(v.first.folio),
      num(v.first.sim_time_ns),
      esc(v.first.detail),
      `<code>${esc(v.first.reproduce)}</code>`,
    ]),
  );
  return (
    table(['strategy', 'verdict', 'runs', 'runs with violations', 'violations'], summary) +
    (findings.length === 0
      ? '<p class="note">No finding.</p>'
      : '<h3>Findings</h3>' + table(['strategy', 'seed', 'code', 'rule', 'count', 'first folio', 'first at (ns)', 'detail', 'reproduce'], findings, 'findings'))
  );
}

/**
 * The HTML report of a run or a comparison: one self-contained file (inline style and SVG,
 * no script, no request), deterministic — no timestamp and no wall time, so the same runs
 * give the same bytes. Every piece of user text is escaped. Asynchronous only because the
 * chart libraries are loaded on first use.
 */
export async function render_report(input: ReportInput): Promise<string> {
  await load_chart_libraries();
  const s = input.scenario;
  const strategies = input.traced.map((r) => r.result.strategy);
  const seeds = [...new Set(input.runs.map((r) => r.seed))];
  const chart_seed = input.traced[0]?.result.seed;
  const title = `reclaimsim ${input.comparison === undefined ? 'run' : 'comparison'}: ${s.name}`;
  const run = input.comparison === undefined ? (input.runs[0] as RunResult) : null;
  const sections: [string, string, string][] = [
    run === null
      ? ['results', 'Headline', headline_table(input.comparison as Comparison, input.runs) + '<h3>Every figure</h3>' + comparison_table(input.comparison as Comparison)]
      : ['results', 'Key figures', key_tables(run)],
    ['shootdowns', 'TLB shootdowns and application throughput', shootdown_chart(input, strategies) + throughput_chart(input, strategies)],
    ['flushes', 'Flush rounds per reclaim call', flush_rounds_section(input, strategies)],
    ['io', 'Swap I/O', io_section(input, strategies)],
    ['faults', 'Fault latency', fault_section(input, strategies)],
    ['oracle', 'Correctness (the oracle)', oracle_section(input)],
    ...(run === null ? [] : [['counters', 'All counters', counter_tables(run)] as [string, string, string]]),
    ['scenario', 'Scenario (resolved)', table(['field', 'value'], flatten(s).map(([k, v]) => [esc(k), esc(v)]))],
  ];
  const verdict_line = verdicts(input.runs)
    .map(({ strategy, verdict }) => `${esc(strategy)} ${verdict_badge(verdict)}`)
    .join(' &nbsp; ');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    `<h1>${esc(title)}</h1>`,
    s.description === '' ? '' : `<p>${esc(s.description)}</p>`,
    `<p>Strategies: ${strategies.map(strategy_key).join(' &nbsp; ')} — ${seeds.length > 1 ? 'seeds' : 'seed'} ${esc(seeds.join(', '))}${seeds.length > 1 ? `; charts from seed ${esc(String(chart_seed))}` : ''}. All times are simulated.</p>`,
    `<p>Oracle: ${verdict_line}</p>`,
    '<p>Reproduce:</p>',
    `<pre><code>${esc(input.command)}</code></pre>`,
    `<nav>${sections.map(([id, name]) => `<a href="#${id}">${esc(name)}</a>`).join('')}</nav>`,
    ...sections.map(([id, name, body]) => `<section id="${id}"><h2>${esc(name)}</h2>\n${body}\n</section>`),
    '<p class="note">Written by reclaimsim, a deterministic simulator: the figures come from its model of Linux 6.12, not from a measurement on hardware.</p>',
    '</body></html>',
    '',
  ].join('\n');
}
