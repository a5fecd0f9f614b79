import { grouped_bars } from './charts.js';
import { esc, num, table } from './html.js';
import type { ReportData } from './report_collector.js';
import type { ReportInput } from './report_html.js';
import { strategy_key } from './report_keys.js';

/**
 * The report's distributions: flush rounds per reclaim call, swap request sizes, fault
 * latencies. Each histogram keeps every bucket between its smallest and largest, empty ones
 * included, so that a gap reads as a gap.
 */

/** Every integer bucket from the smallest to the largest of `keys`. */
export function every_bucket(keys: Iterable<number>): number[] {
  const list = [...keys];
  if (list.length === 0) return [];
  const lo = Math.min(...list);
  const hi = Math.max(...list);
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/** Flush-round buckets: 0, 1, 2, then 3–4, 5–8, 9–16, … (bucket b ≥ 3 holds 2^(b-2)+1 … 2^(b-1)). */
export function rounds_bucket(rounds: number): number {
  return rounds <= 2 ? rounds : Math.ceil(Math.log2(rounds)) + 1;
}

export function rounds_label(bucket: number): string {
  return bucket <= 2 ? String(bucket) : `${2 ** (bucket - 2) + 1}–${2 ** (bucket - 1)}`;
}

/**
 * Flush rounds per shrink_folio_list call as a distribution per strategy (share of its calls
 * in each bucket), from every call: a scatter of thousands of calls over time hid it.
 */
export function flush_rounds_section(input: ReportInput, strategies: readonly string[]): string {
  const rows = input.traced.map(({ result, data }) => {
    const c = data.calls;
    return [
      strategy_key(result.strategy),
      num(c.count),
      num(c.flush_rounds),
      num(c.count === 0 ? null : c.flush_rounds / c.count),
      num(c.flush_rounds_max),
      num(c.nr_scanned),
      num(c.nr_reclaimed),
      num(c.nr_scanned === 0 ? null : c.flush_rounds / c.nr_scanned),
    ];
  });
  const per = input.traced.map(({ result, data }) => {
    const counts = new Map<number, number>();
    for (const [rounds, n] of data.calls.rounds) counts.set(rounds_bucket(rounds), (counts.get(rounds_bucket(rounds)) ?? 0) + n);
    return { strategy: result.strategy, counts, calls: data.calls.count };
  });
  const buckets = every_bucket(per.flatMap((p) => [...p.counts.keys()]));
  const bars = per.flatMap(({ strategy, counts, calls }) =>
    buckets.map((b) => ({ bucket: rounds_label(b), strategy, count: calls === 0 ? 0 : (100 * (counts.get(b) ?? 0)) / calls }))
  );
  const chart = buckets.length === 0
    ? '<p class="note">No reclaim call was recorded.</p>'
    : grouped_bars({
        title: 'Flush rounds (remote TLB flush IPI rounds) per shrink_folio_list call',
        rows: bars,
        buckets: buckets.map(rounds_label),
        strategies,
        x_label: 'flush rounds the call sent (its own task\'s, not other reclaimers\')',
        y_label: '% of the strategy\'s calls',
      });
  return (
    chart +
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
  const sorted = every_bucket(exponents);
  const label = (e: number) => `≤${2 ** e}`;
  const rows = per.flatMap(({ strategy, counts }) => sorted.map((e) => ({ bucket: label(e), strategy, count: counts.get(e) ?? 0 })));
  return { rows, buckets: sorted.map(label) };
}

export function io_section(input: ReportInput, strategies: readonly string[]): string {
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
  const bios = input.traced.map(({ result, data }) => {
    const sizes = [...data.bio_sectors.entries()].sort((a, b) => a[0] - b[0]);
    const total = sizes.reduce((a, [, n]) => a + n, 0);
    return [strategy_key(result.strategy), num(total), esc(sizes.map(([s, n]) => `${num(n)} × ${s / 2} KiB`).join(', ') || '–'), num(result.io.requests), num(result.io.pages_per_request_max * 4)];
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

export function fault_section(input: ReportInput, strategies: readonly string[]): string {
  if (!input.traced.some((r) => r.data.faults.reported)) {
    return '<p class="note">No page fault was reported in these runs (the sim:page_fault event), so there is no swap-in latency distribution to show.</p>';
  }
  const major = input.traced.some((r) => r.data.faults.major.size > 0);
  const pick = (d: ReportData) => (major ? d.faults.major : d.faults.minor);
  const buckets = every_bucket(input.traced.flatMap((r) => [...pick(r.data).keys()]));
  const rows = input.traced.flatMap(({ result, data }) => buckets.map((b) => ({ bucket: latency_label(b), strategy: result.strategy, count: pick(data).get(b) ?? 0 })));
  const counts = input.traced.map(({ result, data }) => {
    const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    return [strategy_key(result.strategy), num(sum(data.faults.major)), num(sum(data.faults.minor))];
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
