import { SIGNIFICANCE_ALPHA, type ComparedCell, type Comparison } from '../index.js';

/** A number as the table prints it: integers whole, others to two decimals, never an exponent. */
function number_text(value: number): string {
  if (Number.isInteger(value) || Math.abs(value) >= 1000) return String(Math.round(value));
  return value.toFixed(2);
}

/** The significance mark after a change: * significant, and better or worse where the figure has a direction. */
const MARKS: Record<NonNullable<ComparedCell['significance']>, string> = { better: ' *better', worse: ' *worse', different: ' *' };

/** The change against the baseline: percent, or percentage points for a percentage. */
function change_text(cell: ComparedCell): string {
  const signed = (v: number, unit: string) => `(${v >= 0 ? '+' : ''}${v.toFixed(2)}${unit})`;
  if (cell.change_pp !== null) return signed(cell.change_pp, ' pp');
  return cell.change_pct === null ? '(n/a)' : signed(cell.change_pct, '%');
}

/** The parts of one cell, each aligned in its own sub-column: mean, spread, change and mark. */
function cell_parts(cell: ComparedCell, first: boolean, runs: number): [string, string, string] {
  const killed = cell.oom_killed_runs > 0 ? ` [OOM-killed in ${cell.oom_killed_runs} of ${runs}]` : '';
  if (cell.mean === null) return ['OOM-killed', '', ''];
  const spread = cell.stddev > 0 ? `±${number_text(cell.stddev)}` : '';
  if (first) return [number_text(cell.mean), spread, killed.trim()];
  const mark = cell.significance === null ? '' : MARKS[cell.significance];
  return [number_text(cell.mean), spread, `${change_text(cell)}${mark}${killed}`];
}

/**
 * A comparison as mmtests' compare-kernels prints one: a row per figure, a column per
 * strategy with the mean, the spread over seeds (±stddev) when there is any, the change
 * against the first strategy (pp for a percentage) and, with two seeds or more, a mark
 * where Welch's t-test finds the difference significant. Every column is as wide as its
 * widest cell.
 */
export function format_comparison(comparison: Comparison): string {
  const runs = comparison.seeds.length;
  const rows = comparison.figures.map((f) => ({ name: f.name, parts: f.by_strategy.map((cell, i) => cell_parts(cell, i === 0, runs)) }));
  const name_width = Math.max(6, ...rows.map((r) => r.name.length));
  const widths = comparison.strategies.map((_, i) => [0, 1, 2].map((p) => Math.max(0, ...rows.map((r) => (r.parts[i]?.[p] ?? '').length))));
  const cell_text = (parts: readonly string[], i: number) => {
    const w = widths[i] as number[];
    return [parts[0]?.padStart(w[0] as number), parts[1]?.padEnd(w[1] as number), parts[2]?.padEnd(w[2] as number)].filter((_, p) => (w[p] as number) > 0).join(' ');
  };
  const column_width = (i: number) => (widths[i] as number[]).filter((w) => w > 0).reduce((a, w) => a + w + 1, -1);
  const lines: string[] = [];
  lines.push(`seeds: ${comparison.seeds.join(', ')}`);
  lines.push(
    [''.padEnd(name_width), ...comparison.strategies.map((s, i) => s.padEnd(Math.max(s.length, column_width(i))))].join('   ').trimEnd(),
  );
  for (const row of rows) {
    lines.push([row.name.padEnd(name_width), ...row.parts.map((parts, i) => cell_text(parts, i).padEnd(Math.max((comparison.strategies[i] ?? '').length, column_width(i))))].join('   ').trimEnd());
  }
  lines.push('');
  lines.push(
    runs < 2
      ? 'One seed: no significance test (run with --seeds 2 or more for Welch\'s t-test).'
      : `* significant at p < ${SIGNIFICANCE_ALPHA} (Welch's t-test, two-sided, against ${comparison.strategies[0] ?? ''}, over ${runs} seeds); better/worse by the figure's direction; pp = percentage points.`,
  );
  lines.push('');
  lines.push('oracle verdicts:');
  for (const strategy of comparison.strategies) {
    const list = comparison.runs.filter((r) => r.strategy === strategy);
    const counts = new Map<string, number>();
    for (const v of list.flatMap((r) => r.oracle.violations)) counts.set(v.code, (counts.get(v.code) ?? 0) + v.count);
    const verdict = list.every((r) => !r.oracle.enabled)
      ? 'not checked'
      : counts.size === 0
        ? 'correct'
        : [...counts].map(([code, n]) => `${code} x${n}`).join(', ');
    lines.push(`  ${strategy.padEnd(12)}${verdict}`);
  }
  return `${lines.join('\n')}\n`;
}
