import { SweepError } from './sweep_error.js';
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { category_lines, load_chart_libraries, strategy_color } from '../report/charts.js';
import { esc, num } from '../report/html.js';
import { stable_json } from '../run/result.js';
import { FIGURES, type Figure } from './figures.js';
import type { ResultLine } from './result_line.js';

/** Model failures listed in full; the rest are counted. */
const FAILURES_SHOWN = 20;

function label_of(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : stable_json(value, 0);
}

/** Distinct values in order of first appearance: in a canonical file, the sweep file's order. */
function distinct<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

function mean_of(lines: readonly ResultLine[], figure: Figure): number | null {
  const values = lines.flatMap((line) => {
    const v = line.result === undefined ? null : figure.value(line.result);
    return v !== null && Number.isFinite(v) ? [v] : [];
  });
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * A self-contained HTML report of result lines: for each axis, each figure against the axis'
 * values with one line per strategy, averaged over the other axes and the seeds; a table of
 * each figure per strategy; the runs the model failed on, with the command that reproduces
 * each. Axes and their order come from the lines' grid points, so a merged file reports
 * like the sweep. Deterministic: no timestamps, no wall times. The charts are the run report's
 * (Observable Plot, static SVG), loaded on first use. `preamble` (HTML) goes after the title:
 * review puts its verdict and tables there.
 */
export async function render_report(title: string, lines: readonly ResultLine[], preamble = ''): Promise<string> {
  await load_chart_libraries();
  const strategies = distinct(lines.map((l) => l.strategy), (s) => s);
  const axes = distinct(lines.flatMap((l) => Object.keys(l.point)), (a) => a);
  const seeds = distinct(lines.map((l) => l.seed), String);
  const failures = lines.filter((l) => l.error !== undefined);
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(title)}</title>`,
    '<style>body{font-family:sans-serif;margin:1.5em;max-width:1500px}.chart{display:inline-block;vertical-align:top;width:460px;margin:0 12px 12px 0}.chart figure{margin:0}.chart h2{font-size:14px;margin:0 0 4px}' +
      'table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th:first-child,td:first-child{text-align:left}' +
      '.key{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}code{font-size:90%}</style>',
    '</head><body>',
    `<h1>${esc(title)}</h1>`,
    ...(preamble === '' ? [] : [preamble]),
    `<p>${lines.length} runs: ${strategies.length} strategies × ${seeds.length} seeds${axes.length > 0 ? ` × the grid of ${axes.map((a) => esc(a)).join(', ')}` : ''}; ${failures.length} model failures. ` +
      'Each point is the mean over the other axes and the seeds.</p>',
    `<p>${strategies.map((s) => `<span class="key" style="background:${strategy_color(s)}"></span>${esc(s)}`).join('')}</p>`,
  ];
  for (const axis of axes) {
    const groups = new Map<string, { value: unknown; lines: ResultLine[] }>();
    for (const line of lines) {
      if (!(axis in line.point)) continue;
      const key = stable_json(line.point[axis], 0);
      const group = groups.get(key) ?? { value: line.point[axis], lines: [] };
      group.lines.push(line);
      groups.set(key, group);
    }
    out.push(`<h2>${esc(axis)}</h2>`);
    for (const figure of FIGURES) {
      const chart = category_lines({
        title: figure.label,
        x_label: axis,
        categories: [...groups.values()].map((g) => label_of(g.value)),
        series: strategies.map((strategy) => ({
          strategy,
          values: [...groups.values()].map((g) => mean_of(g.lines.filter((l) => l.strategy === strategy), figure)),
        })),
      });
      out.push(`<div class="chart">${chart}</div>`);
    }
  }
  out.push('<h2>All runs</h2>', '<table>', `<tr><th>figure (mean)</th>${strategies.map((s) => `<th>${esc(s)}</th>`).join('')}</tr>`);
  for (const figure of FIGURES) {
    const cells = strategies.map((s) => {
      const v = mean_of(lines.filter((l) => l.strategy === s), figure);
      return `<td>${v === null ? '–' : num(v)}</td>`;
    });
    out.push(`<tr><td>${esc(figure.label)}</td>${cells.join('')}</tr>`);
  }
  out.push('</table>');
  if (failures.length > 0) {
    out.push('<h2>Model failures</h2>', '<ul>');
    for (const line of failures.slice(0, FAILURES_SHOWN)) {
      out.push(`<li>${esc(line.error?.message ?? '')}<br><code>${esc(line.error?.command ?? '')}</code></li>`);
    }
    if (failures.length > FAILURES_SHOWN) out.push(`<li>and ${failures.length - FAILURES_SHOWN} more</li>`);
    out.push('</ul>');
  }
  out.push('</body></html>', '');
  return out.join('\n');
}

/** A report's title: the sweeps its lines come from, or the file's name when it holds none. */
export function report_title(lines: readonly ResultLine[], file: string): string {
  const sweeps = [...new Set(lines.map((line) => line.sweep))];
  return `reclaimsim sweep ${sweeps.length > 0 ? sweeps.join(', ') : basename(file)}`;
}

export async function write_report(path: string, title: string, lines: readonly ResultLine[], preamble = ''): Promise<void> {
  const html = await render_report(title, lines, preamble);
  try {
    writeFileSync(path, html);
  } catch (error) {
    // ENOSPC and EIO from a write carry no path.
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw error;
    throw new SweepError(`cannot write the report ${path}: ${(error as Error).message}`);
  }
}
