import type { ComparedCell, ComparedFigure, Comparison } from '../run/compare.js';
import type { RunResult } from '../run/result.js';
import { SIGNIFICANCE_ALPHA } from '../run/significance.js';
import { esc, num, pct, table } from './html.js';
import { strategy_key, verdict_badge, verdicts } from './report_keys.js';

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

/** One cell: the mean (± spread) and, on a second line, the change and its mark. */
function cell_html(cell: ComparedCell, first: boolean, seeds: number): string {
  // An OOM kill is the outcome, never a throughput.
  if (cell.mean === null) return '<span class="oom">OOM-killed</span>';
  const spread = seeds > 1 ? ` <span class="note">± ${num(cell.stddev)}</span>` : '';
  const killed = cell.oom_killed_runs > 0 ? `<span class="chg oom">OOM-killed in ${cell.oom_killed_runs} of ${seeds}</span>` : '';
  const change = first ? '' : `<span class="chg"><span class="note">${change_html(cell)}</span>${mark_html(cell)}</span>`;
  return `${num(cell.mean)}${spread}${change}${killed}`;
}

function figure_rows(comparison: Comparison, figures: readonly ComparedFigure[]): string[][] {
  return figures.map((f) => [esc(f.name), ...f.by_strategy.map((cell, i) => cell_html(cell, i === 0, comparison.seeds.length))]);
}

function headers(comparison: Comparison): string[] {
  return ['figure', ...comparison.strategies.map((s, i) => strategy_key(s) + (i === 0 ? ' <span class="note">(baseline)</span>' : ''))];
}

/** Wide tables scroll inside the page rather than widen it. */
function wide(html: string): string {
  return `<div class="wide">${html}</div>`;
}

/**
 * The figures a reviewer reads first: the flushes and IPIs a change costs, the throughput of
 * the applications running beside reclaim, and the oracle's verdict.
 */
const HEADLINE = [
  /^nr_tlb_remote_flush$/,
  /^CAL interrupts \(all CPUs\)$/,
  /^TLB shootdowns \(all CPUs\)$/,
  /^bogo-ops\/s \(all workers, real time\)$/,
  /^OOM-killed workers$/,
  /ops\/s during pageout$/,
];
/** Per-thread throughput rows in the headline at most (the full table has every thread). */
const HEADLINE_THREADS_MAX = 4;

export function headline_table(comparison: Comparison, runs: readonly RunResult[]): string {
  const picked: ComparedFigure[] = [];
  for (const pattern of HEADLINE) {
    const matching = comparison.figures.filter((f) => pattern.test(f.name));
    picked.push(...matching.slice(0, HEADLINE_THREADS_MAX));
  }
  const by_strategy = new Map(verdicts(runs).map((v) => [v.strategy, v.verdict]));
  const rows = [
    ...figure_rows(comparison, picked),
    ['oracle verdict', ...comparison.strategies.map((s) => verdict_badge(by_strategy.get(s) ?? 'not checked'))],
  ];
  return wide(table(headers(comparison), rows, 'cmp'));
}

export function comparison_table(comparison: Comparison): string {
  const test = comparison.seeds.length > 1
    ? ` A mark * says Welch's t-test (two-sided, npm package ttest) finds the difference significant at p &lt; ${SIGNIFICANCE_ALPHA}, and whether it is better or worse where the figure has a direction.`
    : ' With one seed there is no significance test (compare with --seeds 2 or more).';
  return (
    `<p class="note">Mean over ${comparison.seeds.length} seed(s) (${esc(comparison.seeds.join(', '))})${comparison.seeds.length > 1 ? ' ± sample standard deviation' : ''}; below it the change of the mean against ${esc(comparison.strategies[0] ?? '')} (pp: percentage points, for figures that are percentages).${test} Figures that are zero in every run are left out.</p>` +
    wide(table(headers(comparison), figure_rows(comparison, comparison.figures), 'cmp'))
  );
}
