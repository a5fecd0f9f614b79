import type { Comparison } from '../run/compare.js';
import { irq_row, type RunResult } from '../run/result.js';

/** RFC 4180: quote a field holding a comma, a quote or a line break. */
function field(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/**
 * One row per run, one column per counter and figure, for spreadsheets and pandas. Columns
 * come in a stable order: identity, oracle, times, swap I/O, interrupts (total, max, then
 * per CPU), each /proc/vmstat counter (sorted by name, over every run), each thread's
 * figures (its `outcome`: completed or oom_killed, with no rate for a killed worker), each
 * phase's length. Wall time is left out so equal runs give equal files.
 */
export function runs_csv(runs: readonly RunResult[]): string {
  const vmstat_keys = [...new Set(runs.flatMap((r) => Object.keys(r.vmstat)))].sort();
  const nr_cpus = Math.max(0, ...runs.map((r) => irq_row(r.interrupts, 'TLB').length));
  const task_names = [...new Set(runs.flatMap((r) => r.tasks.map((t) => t.name)))];
  const phase_names = [...new Set(runs.flatMap((r) => r.phases.map((p) => p.name)))];
  const task_fields = ['ops', 'ops_per_sec', 'baseline_ops', 'baseline_ops_per_sec', 'throughput_change_pct', 'sim_interrupted_ns', 'outcome'] as const;
  const cpu_columns = (row: string) => Array.from({ length: nr_cpus }, (_, cpu) => `${row}.cpu${cpu}`);

  const header = [
    'scenario', 'strategy', 'seed', 'oracle_verdict', 'oracle_violations',
    'sim_time_ns', 'sim_pageout_ns', 'events',
    'io.requests', 'io.bios', 'io.pages_per_request_max',
    'TLB.total', 'TLB.max', 'CAL.total', ...cpu_columns('TLB'), ...cpu_columns('CAL'),
    ...vmstat_keys,
    ...task_names.flatMap((name) => task_fields.map((f) => `${name}.${f}`)),
    ...phase_names.map((name) => `phase.${name}.ns`),
  ];
  const rows = runs.map((r) => {
    const per_cpu = (values: readonly number[]) => Array.from({ length: nr_cpus }, (_, cpu) => values[cpu] ?? '');
    return [
      r.scenario.name, r.strategy, r.seed, r.oracle.verdict, sum(r.oracle.violations.map((v) => v.count)),
      r.sim_time_ns, r.sim_pageout_ns, r.events,
      r.io.requests, r.io.bios, r.io.pages_per_request_max,
      sum(irq_row(r.interrupts, 'TLB')), Math.max(0, ...irq_row(r.interrupts, 'TLB')), sum(irq_row(r.interrupts, 'CAL')), ...per_cpu(irq_row(r.interrupts, 'TLB')), ...per_cpu(irq_row(r.interrupts, 'CAL')),
      ...vmstat_keys.map((k) => r.vmstat[k] ?? ''),
      ...task_names.flatMap((name) => {
        const task = r.tasks.find((t) => t.name === name);
        if (task === undefined) return task_fields.map((): string | number => '');
        // An OOM-killed worker's outcome is the kill: no rate or change is written for it.
        const killed = task.oom_killed === true;
        return task_fields.map((f): string | number => {
          if (f === 'outcome') return killed ? 'oom_killed' : 'completed';
          if (killed && (f === 'ops_per_sec' || f === 'throughput_change_pct')) return '';
          return task[f] ?? '';
        });
      }),
      ...phase_names.map((name) => {
        const phase = r.phases.find((p) => p.name === name);
        return phase === undefined ? '' : phase.end_ns - phase.start_ns;
      }),
    ];
  });
  return [header, ...rows].map((row) => row.map(field).join(',')).join('\n') + '\n';
}

/**
 * A comparison's statistics, one row per figure and strategy: mean, spread, change against
 * the first strategy (percent, or percentage points for a percentage), Welch's t-test
 * p-value and its mark (better, worse, different, or empty when not significant).
 */
export function comparison_csv(comparison: Comparison): string {
  const header = ['figure', 'unit', 'better', 'strategy', 'mean', 'stddev', 'change_pct', 'change_pp', 'p_value', 'significance', 'oom_killed_runs', 'seeds'];
  const blank = (v: number | string | null) => (v === null ? '' : v);
  const rows = comparison.figures.flatMap((f) =>
    f.by_strategy.map((c) => [
      f.name, f.unit, blank(f.better), c.strategy, blank(c.mean), c.stddev, blank(c.change_pct), blank(c.change_pp), blank(c.p_value), blank(c.significance), c.oom_killed_runs,
      comparison.seeds.length,
    ]),
  );
  return [header, ...rows].map((row) => row.map(field).join(',')).join('\n') + '\n';
}
