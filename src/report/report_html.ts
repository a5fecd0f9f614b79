import type { ComparedCell, Comparison } from '../run/compare.js';
import { SIGNIFICANCE_ALPHA } from '../run/significance.js';
import type { RunResult } from '../run/result.js';
import type { Scenario } from '../scenario/schema.js';
import { dots, grouped_bars, line_facets, load_chart_libraries, STRATEGY_COLORS, type Band, type SeriesPoint } from './charts.js';
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
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px auto;max-width:1000px;padding:0 16px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:3px}
h3{font-size:15px;margin:18px 0 6px}
pre{background:#f5f5f5;padding:8px 10px;white-space:pre-wrap;word-break:break-all;border-radius:4px}
table{border-collapse:collapse;margin:6px 0 10px;font-variant-numeric:tabular-nums}
th,td{border:1px solid #d6d6d6;padding:3px 8px;text-align:right;vertical-align:top;white-space:nowrap}
th{background:#f3f3f3}th:first-child,td:first-child{text-align:left;white-space:nowrap}
#scenario td,table.findings td{text-align:left;white-space:normal}
.note{color:#555;font-size:13px}
.oom{color:#a00;font-weight:600}
.sig{font-weight:600}.sig.better{color:#146c2e}.sig.worse{color:#a00}
.verdict{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.correct{background:#dff3e4;color:#14532d}.violations{background:#fde2e1;color:#7f1d1d}.unchecked{background:#eee;color:#444}
.key{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
figure{margin:8px 0 16px}figure h2{font-size:15px;border:0;margin:0 0 4px}figcaption{color:#555;font-size:13px}
nav a{margin-right:12px}
`;

function strategy_key(strategy: string, i: number): string {
  return `<span class="key" style="background:${STRATEGY_COLORS[i % STRATEGY_COLORS.length]}"></span>${esc(strategy)}`;
}

function verdict_badge(verdict: RunResult['oracle']['verdict']): string {
  const cls = verdict === 'correct' ? 'correct' : verdict === 'violations' ? 'violations' : 'unchecked';
  return `<span class="verdict ${cls}">${esc(verdict)}</span>`;
}

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
  const receiving = Array.from({ length: nr_cpus }, (_, cpu) => cpu).filter((cpu) => input.traced.some((r) => (r.result.interrupts.TLB[cpu] ?? 0) > 0));
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
    }) + (notes.length > 0 ? `<p class="note">${esc(notes.join(' '))}</p>` : '')
  );
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
    }) + more
  );
}

function flush_rounds_section(input: ReportInput, strategies: readonly string[]): string {
  const rows = input.traced.map(({ result, data }, i) => {
    const c = data.calls;
    return [
      strategy_key(result.strategy, i),
      num(c.count),
      num(c.flush_rounds),
      num(c.count === 0 ? null : c.flush_rounds / c.count),
      num(c.flush_rounds_max),
      num(c.nr_scanned),
      num(c.nr_reclaimed),
      num(c.nr_scanned === 0 ? null : c.flush_rounds / c.nr_scanned),
    ];
  });
  const points = input.traced.flatMap(({ result, data }) => data.calls.sample.map((call) => ({ x: call.start_ns / 1e6, y: call.flush_rounds, strategy: result.strategy })));
  const max = Math.max(0, ...points.map((p) => p.y));
  const min_positive = Math.min(...points.filter((p) => p.y > 0).map((p) => p.y));
  const thinned = input.traced.some((r) => r.data.calls.stride > 1);
  const chart = points.length === 0
    ? '<p class="note">No reclaim call was recorded.</p>'
    : dots({
        title: 'Flush rounds (remote TLB flush IPI rounds) per shrink_folio_list call',
        points,
        strategies,
        x_label: 'simulated time of the call (ms)',
        y_label: 'flush rounds per call',
        log_y: max > 0 && max / min_positive > 50,
      });
  return (
    chart +
    (thinned ? '<p class="note">Long runs: the chart shows an evenly thinned sample of the calls; the table counts every call.</p>' : '') +
    table(['strategy', 'calls', 'flush rounds', 'per call (mean)', 'per call (max)', 'pages scanned', 'pages reclaimed', 'rounds per scanned page'], rows)
  );
}

/** Power-of-two buckets of request size, labelled by their upper bound in KiB. */
function size_rows(input: ReportInput, pick: (d: ReportData) => Map<number, number>): { rows: { bucket: string; strategy: string; count: number }[]; buckets: string[] } {
  const exponents = new Set<number>();
  const per = input.traced.map(({ result, data }) => {
    const counts = new Map<number, number>();
    for (const [sectors, n] of pick(data)) {
      const e = Math.max(0, Math.ceil(Math.log2(sectors / 2)));
      exponents.add(e);
      counts.set(e, (counts.get(e) ?? 0) + n);
    }
    return { strategy: result.strategy, counts };
  });
  const sorted = [...exponents].sort((a, b) => a - b);
  const label = (e: number) => `≤${2 ** e}`;
  const rows = per.flatMap(({ strategy, counts }) => sorted.map((e) => ({ bucket: label(e), strategy, count: counts.get(e) ?? 0 })));
  return { rows, buckets: sorted.map(label) };
}

function io_section(input: ReportInput, strategies: readonly string[]): string {
  const parts: string[] = [];
  for (const [dir, pick] of [
    ['write', (d: ReportData) => d.request_sectors.write],
    ['read', (d: ReportData) => d.request_sectors.read],
  ] as const) {
    const { rows, buckets } = size_rows(input, pick);
    if (rows.length === 0) continue;
    parts.push(
      grouped_bars({
        title: `Swap ${dir} requests by size (block:block_rq_issue)`,
        rows,
        buckets,
        strategies,
        x_label: 'request size (KiB, upper bound of a power-of-two bucket)',
        y_label: 'requests',
      }),
    );
  }
  if (parts.length === 0) parts.push(`<p class="note">No block requests: the swap device (${esc(input.scenario.swap.device)}) completes its I/O without requests.</p>`);
  const bios = input.traced.map(({ result, data }, i) => {
    const sizes = [...data.bio_sectors.entries()].sort((a, b) => a[0] - b[0]);
    const total = sizes.reduce((a, [, n]) => a + n, 0);
    return [strategy_key(result.strategy, i), num(total), esc(sizes.map(([s, n]) => `${num(n)} × ${s / 2} KiB`).join(', ') || '–'), num(result.io.requests), num(result.io.pages_per_request_max * 4)];
  });
  parts.push(
    '<p class="note">A bio is what reclaim submits per folio (block:block_bio_queue); the block layer merges adjacent bios of a plug into requests (block:block_rq_issue), which is what the device sees.</p>',
    table(['strategy', 'bios queued', 'bio sizes', 'requests', 'largest request (KiB)'], bios),
  );
  return parts.join('\n');
}

function latency_label(bucket: number): string {
  const upper_ns = 2 ** (bucket + 1);
  return upper_ns < 1000 ? `<${upper_ns} ns` : `<${Number((upper_ns / 1000).toPrecision(3))} µs`;
}

function fault_section(input: ReportInput, strategies: readonly string[]): string {
  if (!input.traced.some((r) => r.data.faults.reported)) {
    return '<p class="note">No page fault was reported in these runs (the sim:page_fault event), so there is no swap-in latency distribution to show.</p>';
  }
  const major = input.traced.some((r) => r.data.faults.major.size > 0);
  const pick = (d: ReportData) => (major ? d.faults.major : d.faults.minor);
  const buckets = [...new Set(input.traced.flatMap((r) => [...pick(r.data).keys()]))].sort((a, b) => a - b);
  const rows = input.traced.flatMap(({ result, data }) => buckets.map((b) => ({ bucket: latency_label(b), strategy: result.strategy, count: pick(data).get(b) ?? 0 })));
  const counts = input.traced.map(({ result, data }, i) => {
    const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    return [strategy_key(result.strategy, i), num(sum(data.faults.major)), num(sum(data.faults.minor))];
  });
  const note = major
    ? '<p class="note">Major faults read the page back from swap; their latency includes the device.</p>'
    : '<p class="note">No swap-in (major) fault happened: every fault was served without reading swap (from the swap cache or a new page). The chart shows those faults’ latency instead.</p>';
  return (
    grouped_bars({
      title: major ? 'Swap-in (major) fault latency' : 'Page fault latency (minor faults; no swap-in happened)',
      rows,
      buckets: buckets.map(latency_label),
      strategies,
      x_label: 'fault latency (power-of-two bucket, upper bound)',
      y_label: 'faults',
    }) +
    note +
    table(['strategy', 'major faults', 'minor faults'], counts)
  );
}

/** The change of a cell against the baseline: percent, or percentage points for a percentage. */
function change_html(cell: ComparedCell): string {
  if (cell.change_pp !== null) return `${cell.change_pp > 0 ? '+' : ''}${num(Math.round(cell.change_pp * 100) / 100)} pp`;
  return pct(cell.change_pct);
}

/** The mark of a significant difference (Welch's t-test): better, worse, or just different. */
function mark_html(cell: ComparedCell): string {
  if (cell.significance === null) return '';
  const p = cell.p_value === null ? '' : ` (p = ${cell.p_value < 0.001 ? '< 0.001' : cell.p_value.toFixed(3)})`;
  const label = cell.significance === 'different' ? '*' : `* ${cell.significance}`;
  return ` <span class="sig ${cell.significance}" title="significant${esc(p)}">${label}</span>`;
}

function comparison_table(comparison: Comparison): string {
  const headers = ['figure', ...comparison.strategies.map((s, i) => strategy_key(s, i) + (i === 0 ? ' (baseline)' : ''))];
  const rows = comparison.figures.map((f) => [
    esc(f.name),
    ...f.by_strategy.map((s, i) => {
      // An OOM kill is the outcome, never a throughput.
      if (s.mean === null) return '<span class="oom">OOM-killed</span>';
      const spread = comparison.seeds.length > 1 ? ` ± ${num(s.stddev)}` : '';
      const change = i === 0 ? '' : ` <span class="note">(${change_html(s)})</span>${mark_html(s)}`;
      const killed = s.oom_killed_runs > 0 ? ` <span class="oom">OOM-killed in ${s.oom_killed_runs} of ${comparison.seeds.length}</span>` : '';
      return `${num(s.mean)}${spread}${change}${killed}`;
    }),
  ]);
  const test = comparison.seeds.length > 1
    ? ` A mark * says Welch's t-test (two-sided, npm package ttest) finds the difference significant at p &lt; ${SIGNIFICANCE_ALPHA}, and whether it is better or worse where the figure has a direction.`
    : ' With one seed there is no significance test (compare with --seeds 2 or more).';
  return (
    `<p class="note">Mean over ${comparison.seeds.length} seed(s) (${esc(comparison.seeds.join(', '))})${comparison.seeds.length > 1 ? ' ± sample standard deviation' : ''}; in brackets the change of the mean against ${esc(comparison.strategies[0] ?? '')} (pp: percentage points, for figures that are percentages).${test} Figures that are zero in every run are left out.</p>` +
    table(headers, rows)
  );
}

/** A run's headline figures, a row per CPU: the interrupts it took (/proc/interrupts) and what its thread lost. */
function key_tables(result: RunResult): string {
  const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
  const ctx = trace_context(result.scenario, result.strategy, result.seed);
  const rows = result.interrupts.TLB.map((tlb, cpu) => {
    const task = result.tasks.find((t) => t.cpu === cpu);
    // The task as a kernel trace names it (comm-pid), beside the name the results use.
    const traced = ctx.cpu_task[cpu] ?? null;
    const label = traced === null ? (task?.name ?? '–') : `${traced.name} (${traced.comm}-${traced.pid})`;
    const thread = task === undefined
      ? [esc(label), '', '', '', '']
      : task.oom_killed === true
        ? [esc(label), num(task.baseline_ops_per_sec), '<span class="oom">OOM-killed</span>', '<span class="oom">OOM-killed</span>', num(task.sim_interrupted_ns / 1e6)]
        : [esc(label), num(task.baseline_ops_per_sec), num(task.ops_per_sec), pct(task.throughput_change_pct), num(task.sim_interrupted_ns / 1e6)];
    return [`CPU${cpu}`, num(tlb), num(result.interrupts.CAL[cpu] ?? 0), ...thread];
  });
  rows.push(['all', num(sum(result.interrupts.TLB)), num(sum(result.interrupts.CAL)), '', '', '', '', '']);
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

/** Each strategy's verdict over its runs: violations in any run make it "violations". */
function verdicts(runs: readonly RunResult[]): { strategy: string; runs: RunResult[]; verdict: RunResult['oracle']['verdict'] }[] {
  return [...new Set(runs.map((r) => r.strategy))].map((strategy) => {
    const own = runs.filter((r) => r.strategy === strategy);
    const verdict: RunResult['oracle']['verdict'] = own.some((r) => r.oracle.verdict === 'violations')
      ? 'violations'
      : own.every((r) => r.oracle.verdict === 'not checked') ? 'not checked' : 'correct';
    return { strategy, runs: own, verdict };
  });
}

function oracle_section(input: ReportInput): string {
  const summary = verdicts(input.runs).map(({ strategy, runs, verdict }, i) => [
    strategy_key(strategy, i),
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
    run === null ? ['results', 'Comparison', comparison_table(input.comparison as Comparison)] : ['results', 'Key figures', key_tables(run)],
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
