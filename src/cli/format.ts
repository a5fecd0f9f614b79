import type { RunResult } from '../index.js';

/** Human-readable summary of a run, as `reclaimsim run` prints it. */

function si(value: number): string {
  if (value >= 1e9) return `${(value / 1e9).toFixed(2)}G`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(2)}k`;
  return `${value}`;
}

function ms(ns: number): string {
  return `${(ns / 1e6).toFixed(3)} ms`;
}

function size(bytes: number): string {
  for (const [unit, scale] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= scale && bytes % scale === 0) return `${bytes / scale}${unit}`;
  }
  return `${bytes}B`;
}

/** What each /proc/interrupts row an architecture reports counts. */
const ROW_TITLES: Readonly<Record<string, string>> = { TLB: 'TLB shootdowns', CAL: 'Function call interrupts' };

/** /proc/interrupts-style rows (those the machine's architecture counts), 16 CPUs per block. */
function interrupt_rows(result: RunResult): string[] {
  const lines: string[] = [];
  const rows = Object.entries(result.interrupts);
  if (rows.length === 0) return ['  (none: this architecture flushes TLBs without interrupts; see sim_flush_broadcast*)'];
  const cpus = rows[0]?.[1].length ?? 0;
  for (let first = 0; first < cpus; first += 16) {
    const last = Math.min(cpus, first + 16);
    const cols = Array.from({ length: last - first }, (_, i) => first + i);
    const width = Math.max(6, ...rows.flatMap(([, counts]) => cols.map((c) => String(counts[c]).length + 1)));
    lines.push(`       ${cols.map((c) => `CPU${c}`.padStart(width)).join('')}`);
    for (const [row, counts] of rows) lines.push(`  ${row}: ${cols.map((c) => String(counts[c]).padStart(width)).join('')}   ${ROW_TITLES[row] ?? ''}`.trimEnd());
  }
  return lines;
}

/** Watermarks, kswapd's CPU and the cgroup's memory.events and memory.stat, when the run reports them. */
function format_reclaim(result: RunResult): string[] {
  const r = result.reclaim;
  if (r === undefined) return [];
  const lines = [
    `watermarks (pages): min ${r.watermark_min}, low ${r.watermark_low}, high ${r.watermark_high} ` +
      `(min_free_kbytes ${r.min_free_kbytes}, watermark_scale_factor ${r.watermark_scale_factor}); ` +
      `${r.nr_free_pages} free at the end; kswapd ${r.kswapd_cpu === null ? 'not running' : `on CPU ${r.kswapd_cpu}`}`,
  ];
  const m = r.memcg;
  if (m !== undefined) {
    lines.push(`memcg ${m.name}: memory.max ${size(m.max_bytes)}, memory.peak ${size(m.peak_bytes)}, memory.current ${size(m.current_bytes)}`);
    lines.push(`  memory.events: max ${m.events.max}, oom ${m.events.oom}, oom_kill ${m.events.oom_kill}`);
    lines.push(`  memory.stat: ${Object.entries(m.stat).map(([key, value]) => `${key} ${value}`).join(', ')}`);
  }
  return lines;
}

function us(ns: number): string {
  return `${(ns / 1000).toFixed(ns < 10_000 ? 2 : 0)} us`;
}

/** The oracle's verdict, and each violation code with its count, rule and first occurrence. */
export function format_oracle(result: RunResult): string[] {
  const o = result.oracle;
  if (!o.enabled) return ['oracle: off'];
  const hold = o.lock_hold_ns;
  const hold_line =
    hold === undefined || hold.count === 0
      ? []
      : [`folio lock hold: ${hold.count} locks, median ${us(hold.p50_ns)}, p99 ${us(hold.p99_ns)}, max ${us(hold.max_ns)}`];
  if (o.violations.length === 0) return ['oracle: correct (no violation)', ...hold_line];
  const lines = [`oracle: ${o.violations.reduce((n, v) => n + v.count, 0)} violation(s) of ${o.violations.length} rule(s)`, ...hold_line];
  for (const v of o.violations) {
    lines.push(`  ${v.code} x${v.count} — ${v.rule}`);
    lines.push(`    first: folio ${v.first.folio} at ${v.first.sim_time_ns} ns (event ${v.first.event_seq}), seed ${v.first.seed}: ${v.first.detail}`);
    lines.push(`    reproduce: ${v.first.reproduce}`);
  }
  return lines;
}

export function format_run(result: RunResult): string {
  const s = result.scenario;
  const w = s.workload;
  const lines: string[] = [];
  const stress = w.kind === 'stress';
  lines.push(`reclaimsim: ${s.name}  strategy=${result.strategy}  seed=${result.seed}`);
  if (stress) {
    const workers = s.stress?.workers ?? 4;
    lines.push(
      `machine: ${s.machine.cpus} CPUs, ${size(s.machine.memory)} RAM, swap on ${s.swap.device}; ` +
        `stress-ng --vm ${workers} --vm-bytes ${size(s.stress?.bytes ?? 16 * 1024 * 1024)} --vm-keep on ${workers === 1 ? 'CPU 0' : `CPUs 0-${workers - 1}`}` +
        (s.memcg === undefined ? '' : ` in memcg ${s.memcg.name} (memory.max ${size(s.memcg.max)})`),
    );
    lines.push(`run: ${ms(result.sim_pageout_ns)} simulated`);
  } else {
    lines.push(
      `machine: ${s.machine.cpus} CPUs, ${size(s.machine.memory)} RAM, swap on ${s.swap.device}; ` +
        `${w.threads} ${w.access} thread(s) over ${size(w.region)} (${w.process} process); ` +
        `pageout of ${size(s.pageout.size)} ${s.pageout.mode}, ${s.pageout.chunk === 'whole' ? 'one call' : `${size(s.pageout.chunk)} calls`}, CPU ${s.pageout.cpu}`,
    );
    lines.push(`measured pageout: ${ms(result.sim_pageout_ns)} simulated`);
  }
  lines.push(...format_reclaim(result));
  lines.push('');
  lines.push(stress ? '/proc/vmstat deltas over the run:' : '/proc/vmstat deltas over the measured pageout and its writeback:');
  for (const [key, value] of Object.entries(result.vmstat)) {
    if (value !== 0 || !key.startsWith('sim_')) lines.push(`  ${key.padEnd(32)}${String(value).padStart(14)}`);
  }
  lines.push('');
  lines.push('/proc/interrupts deltas:');
  lines.push(...interrupt_rows(result));
  if (result.tasks.length > 0) {
    lines.push('');
    if (stress) lines.push(`stress workers (bogo-ops/s) ${'first pass'.padStart(12)}${'after it'.padStart(15)}${'change'.padStart(10)}`);
    else lines.push(`application threads      ${'baseline ops/s'.padStart(15)}${'pageout ops/s'.padStart(15)}${'change'.padStart(10)}`);
    for (const t of result.tasks) {
      lines.push(
        `  ${`${t.name} (CPU ${t.cpu})`.padEnd(23)}${si(t.baseline_ops_per_sec).padStart(15)}` +
          (t.throughput_change_pct === null ? `${'OOM-killed'.padStart(15)}` : `${si(t.ops_per_sec).padStart(15)}${`${t.throughput_change_pct.toFixed(2)}%`.padStart(10)}`),
      );
    }
  }
  lines.push('');
  lines.push(`swap I/O: ${result.io.requests} requests, ${result.io.bios} bios, up to ${result.io.pages_per_request_max} pages per request`);
  const file_io = result.file_io;
  if (file_io !== undefined) lines.push(`file I/O: ${file_io.requests} requests, ${file_io.bios} bios, up to ${file_io.pages_per_request_max} pages per request`);
  lines.push(...format_oracle(result));
  lines.push(`${result.events} events, ${ms(result.sim_time_ns)} simulated in ${result.wall_ms} ms`);
  return `${lines.join('\n')}\n`;
}
