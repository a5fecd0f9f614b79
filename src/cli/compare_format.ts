import type { Comparison } from '../index.js';

function number_text(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e12) return String(value);
  if (Math.abs(value) >= 1e6) return value.toExponential(3);
  return value.toFixed(2);
}

/**
 * A comparison as mmtests' compare-kernels prints one: a row per figure, a column per
 * strategy with the mean, the spread over seeds (±stddev) when there is any, and the change
 * against the first strategy.
 */
export function format_comparison(comparison: Comparison): string {
  const width = 30;
  const name_width = Math.max(28, ...comparison.figures.map((f) => f.name.length + 2));
  const lines: string[] = [];
  lines.push(`seeds: ${comparison.seeds.join(', ')}`);
  lines.push(''.padEnd(name_width) + comparison.strategies.map((s) => s.padStart(width)).join(''));
  for (const figure of comparison.figures) {
    const cells = figure.by_strategy.map((cell, i) => {
      const spread = cell.stddev > 0 ? ` ±${number_text(cell.stddev)}` : '';
      const change = i === 0 ? '' : cell.change_pct === null ? ' (   n/a )' : ` (${`${cell.change_pct >= 0 ? '+' : ''}${cell.change_pct.toFixed(2)}%`.padStart(8)})`;
      return `${number_text(cell.mean)}${spread}${change}`.padStart(width);
    });
    lines.push(figure.name.padEnd(name_width) + cells.join(''));
  }
  lines.push('');
  lines.push('oracle verdicts:');
  for (const strategy of comparison.strategies) {
    const runs = comparison.runs.filter((r) => r.strategy === strategy);
    const counts = new Map<string, number>();
    for (const v of runs.flatMap((r) => r.oracle.violations)) counts.set(v.code, (counts.get(v.code) ?? 0) + v.count);
    const verdict = runs.every((r) => !r.oracle.enabled)
      ? 'not checked'
      : counts.size === 0
        ? 'correct'
        : [...counts].map(([code, n]) => `${code} x${n}`).join(', ');
    lines.push(`  ${strategy.padEnd(12)}${verdict}`);
  }
  return `${lines.join('\n')}\n`;
}
