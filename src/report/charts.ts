import type * as PlotModule from '@observablehq/plot';

/**
 * Charts for the HTML report, drawn to static SVG when the report is written (Observable
 * Plot on a linkedom document): the page needs no script to show them, and the same data
 * give the same bytes. Every axis names its unit.
 */

/**
 * One colour and one dash pattern per strategy, the same in every report whatever the order
 * compared (Okabe-Ito colours, colour-blind-safe): upstream black, the posted patches warm,
 * the correct designs cool. Lines of strategies that coincide (seed-v1 and seed-v2 often do)
 * still show both through their dashes.
 */
const BUILTIN_STYLES: Record<string, { color: string; dash: string }> = {
  upstream: { color: '#000000', dash: 'none' },
  'seed-v1': { color: '#D55E00', dash: '7,4' },
  'seed-v2': { color: '#CC79A7', dash: '2,3' },
  'zhang-v4': { color: '#009E73', dash: '10,3,2,3' },
  batched: { color: '#0072B2', dash: 'none' },
};
/** A user strategy's colour, picked by a hash of its name so that it too keeps it. */
const OTHER_COLORS = ['#E69F00', '#56B4E9', '#8C564B', '#7F7F7F', '#9467BD', '#17BECF'];

function name_hash(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** The colour of a strategy in every chart, key and table. */
export function strategy_color(name: string): string {
  return BUILTIN_STYLES[name]?.color ?? (OTHER_COLORS[name_hash(name) % OTHER_COLORS.length] as string);
}

/** The dash pattern of a strategy's lines ('none': solid). */
export function strategy_dash(name: string): string {
  return BUILTIN_STYLES[name]?.dash ?? '5,2';
}

const WIDTH = 760;

/** A point of a series: x, y, the strategy (colour) and the small multiple (facet) it belongs to. */
export interface SeriesPoint {
  x: number;
  y: number;
  strategy: string;
  facet: string;
}

/** A shaded stretch of x (a strategy's pageout window) in every facet. */
export interface Band {
  x1: number;
  x2: number;
  strategy: string;
  label: string;
}

/** Plot's entry point and linkedom's, typed without the DOM library (the project compiles for Node, where Plot draws on linkedom). */
type PlotFunction = (options: Omit<PlotModule.PlotOptions, 'document'> & { document: object }) => { outerHTML: string };
type ParseHtml = (html: string) => { document: object };

let Plot: typeof PlotModule;
let plot: PlotFunction;
let parse_html: ParseHtml;
let loaded = false;

/**
 * Loads Observable Plot and linkedom when the first report is drawn: together they take a
 * fifth of a second to load, which every command that draws none (a sweep, a run without
 * --report) would otherwise pay at start.
 */
export async function load_chart_libraries(): Promise<void> {
  if (loaded) return;
  const [plot_module, linkedom] = await Promise.all([import('@observablehq/plot'), import('linkedom')]);
  Plot = plot_module;
  plot = plot_module.plot;
  parse_html = linkedom.parseHTML;
  loaded = true;
}

/**
 * Numbers in SVG geometry rounded to 0.1 px: Plot writes full doubles (57.99999999999999),
 * which would make the report several times larger for nothing a screen can show.
 */
function compact(svg: string): string {
  return svg.replace(/ (d|x|y|x1|x2|y1|y2|width|height|transform|points|cx|cy|r)="([^"]*)"/g, (_m, name: string, value: string) => {
    const rounded = value.replace(/-?\d+\.\d+(?:e-?\d+)?|-?\d+e-?\d+/g, (n) => {
      const v = Math.round(Number(n) * 10) / 10;
      return String(Object.is(v, -0) ? 0 : v);
    });
    return ` ${name}="${rounded}"`;
  });
}

function color_scale(strategies: readonly string[]): PlotModule.ScaleOptions {
  return { domain: [...strategies], range: strategies.map(strategy_color), legend: strategies.length > 1 };
}

/** One line mark per strategy, each with its own dash pattern (a channel cannot set dashes). */
function strategy_lines<T extends { strategy: string }>(points: readonly T[], strategies: readonly string[], options: PlotModule.LineYOptions): PlotModule.Markish[] {
  return strategies.map((s) => Plot.lineY(points.filter((p) => p.strategy === s), { ...options, z: 'strategy', stroke: 'strategy', strokeDasharray: strategy_dash(s) }));
}

function render(options: PlotModule.PlotOptions): string {
  if (!loaded) throw new Error('charts drawn before load_chart_libraries()');
  const { document } = parse_html('<!DOCTYPE html><html><body></body></html>');
  return compact(plot({ ...options, document }).outerHTML);
}

/**
 * Lines over time in small multiples (one per facet: a CPU, a thread), one line per
 * strategy. Each strategy's pageout window is edged with dashed rules in its colour; a
 * single strategy's is also shaded and labelled (overlapping shades of several would mix).
 */
export function line_facets(opts: {
  title: string;
  points: readonly SeriesPoint[];
  facets: readonly string[];
  strategies: readonly string[];
  bands: readonly Band[];
  x_label: string;
  y_label: string;
}): string {
  const band_rows = opts.facets.flatMap((facet) => opts.bands.map((b) => ({ ...b, facet })));
  const edges = band_rows.flatMap((b) => [{ ...b, x: b.x1 }, { ...b, x: b.x2 }]);
  const single = opts.strategies.length === 1;
  return render({
    title: opts.title,
    ...(opts.bands.length === 0
      ? {}
      : { caption: single ? 'Shaded: the pageout window.' : "Dashed lines: start and end of each strategy's pageout window, in its colour." }),
    width: WIDTH,
    height: Math.max(170, 40 + 115 * opts.facets.length),
    marginLeft: 60,
    marginRight: 20,
    x: { label: opts.x_label, labelAnchor: 'right', labelArrow: 'none' },
    y: { label: opts.y_label, grid: true, nice: true, zero: true, labelArrow: 'none', insetTop: 14 },
    fy: { domain: [...opts.facets], padding: 0.18, axis: null },
    color: color_scale(opts.strategies),
    marks: [
      Plot.rectX(single ? band_rows : [], { x1: 'x1', x2: 'x2', fy: 'facet', fill: 'strategy', fillOpacity: 0.08 }),
      Plot.ruleX(edges, { x: 'x', fy: 'facet', stroke: 'strategy', strokeDasharray: '4,3', strokeOpacity: 0.9 }),
      Plot.text(single ? band_rows : [], { x: 'x1', fy: 'facet', frameAnchor: 'top', dy: 3, dx: 4, textAnchor: 'start', text: 'label', fill: '#555' }),
      Plot.text(opts.facets, { fy: (d: string) => d, text: (d: string) => d, frameAnchor: 'top-right', dy: 3, dx: -4, fontWeight: 'bold' }),
      Plot.frame({ stroke: '#ddd' }),
      ...strategy_lines(opts.points, opts.strategies, { x: 'x', y: 'y', fy: 'facet', strokeWidth: 1.5 }),
    ],
  });
}

/** Ticks 0, 1, 2, 5, 10, 20, 50, … within [min, max], for a symlog axis (Plot's own crowd at the top). */
function symlog_ticks(min: number, max: number): number[] {
  const ticks = min <= 0 ? [0] : [];
  for (let p = 1; p <= max; p *= 10) for (const m of [1, 2, 5]) if (m * p >= min && m * p <= max) ticks.push(m * p);
  return ticks;
}

/** Dots of one figure against time, coloured by strategy (a dot per reclaim call). */
export function dots(opts: {
  title: string;
  points: readonly { x: number; y: number; strategy: string }[];
  strategies: readonly string[];
  x_label: string;
  y_label: string;
  log_y: boolean;
}): string {
  return render({
    title: opts.title,
    width: WIDTH,
    height: 260,
    marginLeft: 60,
    x: { label: opts.x_label, labelAnchor: 'right', labelArrow: 'none' },
    y: opts.log_y
      ? { type: 'symlog', label: `${opts.y_label} (symlog scale)`, grid: true, labelArrow: 'none', ticks: symlog_ticks(Math.min(...opts.points.map((p) => p.y)), Math.max(...opts.points.map((p) => p.y))) }
      : { label: opts.y_label, grid: true, nice: true, zero: true, labelArrow: 'none' },
    color: color_scale(opts.strategies),
    marks: [
      Plot.frame({ stroke: '#ddd' }),
      Plot.dot(opts.points, { x: 'x', y: 'y', stroke: 'strategy', r: 2.2 }),
    ],
  });
}

/** Counts per category, bars side by side per strategy (a histogram over labelled buckets). */
export function grouped_bars(opts: {
  title: string;
  rows: readonly { bucket: string; strategy: string; count: number }[];
  buckets: readonly string[];
  strategies: readonly string[];
  x_label: string;
  y_label: string;
}): string {
  return render({
    title: opts.title,
    width: WIDTH,
    height: 260,
    marginLeft: 60,
    marginBottom: 40,
    fx: { label: opts.x_label, domain: [...opts.buckets], padding: 0.1, labelAnchor: 'center' },
    x: { domain: [...opts.strategies], axis: null },
    y: { label: opts.y_label, grid: true, nice: true, zero: true, labelArrow: 'none' },
    color: color_scale(opts.strategies),
    marks: [Plot.barY(opts.rows, { fx: 'bucket', x: 'strategy', y: 'count', fill: 'strategy' }), Plot.ruleY([0])],
  });
}

/**
 * One figure against the values of a sweep axis (ordinal, in the given order), one line
 * with dots per strategy; a missing value breaks its line. Without a legend: a page of many
 * such charts shows one key for all.
 */
export function category_lines(opts: {
  title: string;
  categories: readonly string[];
  series: readonly { strategy: string; values: readonly (number | null)[] }[];
  x_label: string;
}): string {
  const points = opts.series.flatMap((s) =>
    s.values.map((y, i) => ({ strategy: s.strategy, category: opts.categories[i] as string, y: y ?? Number.NaN })),
  );
  const strategies = opts.series.map((s) => s.strategy);
  return render({
    title: opts.title,
    width: 460,
    height: 250,
    marginLeft: 56,
    x: { type: 'point', domain: [...opts.categories], label: opts.x_label, labelAnchor: 'center', padding: 0.3 },
    y: { grid: true, nice: true, zero: true, label: null },
    color: { ...color_scale(strategies), legend: false },
    marks: [
      Plot.frame({ stroke: '#ddd' }),
      ...strategy_lines(points, strategies, { x: 'category', y: 'y', strokeWidth: 2 }),
      Plot.dot(points, {
        x: 'category',
        y: 'y',
        fill: 'strategy',
        r: 3,
        title: (p: { strategy: string; category: string; y: number }) => `${p.strategy}, ${p.category}: ${Number(p.y.toPrecision(4))}`,
      }),
    ],
  });
}
