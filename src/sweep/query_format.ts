import type { QueryResult } from './query.js';

export const QUERY_FORMATS = ['table', 'csv', 'jsonl'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function csv_field(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Query output as an aligned text table (numbers right-aligned), CSV, or one JSON object per row. */
export function format_query(result: QueryResult, format: QueryFormat): string {
  switch (format) {
    case 'jsonl':
      return result.rows.map((row) => `${JSON.stringify(Object.fromEntries(result.columns.map((c, i) => [c, row[i] ?? null])))}\n`).join('');
    case 'csv':
      return [result.columns, ...result.rows.map((row) => row.map(cell))].map((fields) => `${fields.map(csv_field).join(',')}\n`).join('');
    case 'table': {
      const text = result.rows.map((row) => row.map(cell));
      const widths = result.columns.map((c, i) => Math.max(c.length, ...text.map((row) => (row[i] ?? '').length)));
      const numeric = result.columns.map((_, i) => result.rows.every((row) => typeof row[i] === 'number' || row[i] === null));
      const line = (fields: readonly string[]) =>
        `${fields.map((f, i) => (numeric[i] ? f.padStart(widths[i] ?? 0) : f.padEnd(widths[i] ?? 0))).join('  ').trimEnd()}\n`;
      return [line(result.columns), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('');
    }
  }
}
