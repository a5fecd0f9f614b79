/** A line chart over categories: one series (line) per name, a value or a gap at each category. */
export interface LineChart {
  title: string;
  x_label: string;
  categories: string[];
  series: { name: string; values: (number | null)[] }[];
}

const WIDTH = 460;
const HEIGHT = 250;
const MARGIN = { left: 56, right: 16, top: 28, bottom: 44 };
/** Colour-blind-safe palette (Okabe-Ito), in series order. */
const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

/** The colour of the s-th series, for a legend outside the chart. */
export function series_color(s: number): string {
  return COLORS[s % COLORS.length] as string;
}

export function escape_xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A number as a short, deterministic label: at most 4 significant digits, k/M/G above 10^4. */
export function format_number(value: number): string {
  const abs = Math.abs(value);
  for (const [scale, suffix] of [[1e9, 'G'], [1e6, 'M'], [1e4, 'k']] as const) {
    if (abs >= scale) return `${Number((value / scale).toPrecision(3))}${suffix}`;
  }
  return String(Number(value.toPrecision(4)));
}

/** Ticks at 1, 2 or 5 times a power of ten, covering [lo, hi] with about five steps. */
function ticks(lo: number, hi: number): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const out = [Math.floor(lo / step) * step];
  // Up to the first tick at or above hi (at least two ticks; bounded for non-finite input).
  while (out.length < 2 || ((out[out.length - 1] as number) < hi && out.length < 100)) {
    out.push(Number(((out[0] as number) + out.length * step).toPrecision(12)));
  }
  return out;
}

function fixed(n: number): string {
  return n.toFixed(1);
}

/**
 * Renders a line chart as inline SVG text (the legend is the page's: series_color). Pure: the
 * same chart gives the same bytes, so reports diff cleanly. The y axis includes zero, so lines
 * that differ by a little look it.
 */
export function render_line_chart(chart: LineChart): string {
  const values = chart.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const y_ticks = ticks(Math.min(0, ...values), Math.max(0, ...values));
  const y_lo = y_ticks[0] as number;
  const y_hi = y_ticks[y_ticks.length - 1] as number;
  const plot_w = WIDTH - MARGIN.left - MARGIN.right;
  const plot_h = HEIGHT - MARGIN.top - MARGIN.bottom;
  const n = chart.categories.length;
  const x = (i: number) => MARGIN.left + (n === 1 ? plot_w / 2 : (i / (n - 1)) * plot_w);
  const y = (v: number) => MARGIN.top + plot_h - ((v - y_lo) / (y_hi - y_lo || 1)) * plot_h;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<text x="${WIDTH / 2}" y="14" text-anchor="middle" font-size="12" font-weight="bold">${escape_xml(chart.title)}</text>`,
  ];
  for (const t of y_ticks) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${fixed(y(t))}" y2="${fixed(y(t))}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 4}" y="${fixed(y(t) + 4)}" text-anchor="end">${format_number(t)}</text>`,
    );
  }
  chart.categories.forEach((category, i) => {
    parts.push(`<text x="${fixed(x(i))}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${escape_xml(category)}</text>`);
  });
  parts.push(`<text x="${MARGIN.left + plot_w / 2}" y="${HEIGHT - 8}" text-anchor="middle">${escape_xml(chart.x_label)}</text>`);
  chart.series.forEach((series, s) => {
    const color = series_color(s);
    // A gap (no value) breaks the line into segments.
    let path = '';
    let pen_down = false;
    series.values.forEach((v, i) => {
      if (v === null) {
        pen_down = false;
        return;
      }
      path += `${pen_down ? 'L' : 'M'}${fixed(x(i))},${fixed(y(v))}`;
      pen_down = true;
    });
    if (path !== '') parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    series.values.forEach((v, i) => {
      if (v === null) return;
      parts.push(
        `<circle cx="${fixed(x(i))}" cy="${fixed(y(v))}" r="3" fill="${color}"><title>${escape_xml(`${series.name}, ${chart.categories[i] ?? ''}: ${format_number(v)}`)}</title></circle>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}
