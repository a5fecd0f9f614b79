/** HTML building blocks for the report: escaping every piece of text, tables, numbers. */

/** Text for HTML content or a quoted attribute: scenario names, strategy names and notes are user text. */
export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An integer with thin-space thousands groups; other numbers to at most 4 significant digits. Locale-free, so deterministic. */
export function num(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '–';
  if (Number.isInteger(value)) {
    const sign = value < 0 ? '-' : '';
    return sign + String(Math.abs(value)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
  }
  const abs = Math.abs(value);
  if (abs >= 1000) return num(Math.round(value));
  return String(Number(value.toPrecision(4)));
}

/** A signed percentage, or a dash. */
export function pct(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '–';
  const rounded = Math.round(value * 10) / 10;
  return `${rounded > 0 ? '+' : ''}${rounded}%`;
}

/** A table: headers and rows of cells already in HTML; the first column is a label, the rest right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  const head = `<tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls === '' ? '' : ` class="${cls}"`}>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** Flattens a nested object into dotted paths and values (the resolved scenario, field by field). */
export function flatten(value: unknown, prefix = ''): [string, string][] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return [[prefix, '{}']];
    return entries.flatMap(([k, v]) => flatten(v, prefix === '' ? k : `${prefix}.${k}`));
  }
  return [[prefix, Array.isArray(value) ? `[${value.map(String).join(', ')}]` : String(value)]];
}
