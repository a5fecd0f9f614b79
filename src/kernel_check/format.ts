import { format_size } from '../scenario/units.js';
import type { KernelFigure } from './comparison.js';
import type { KernelCheckResult } from './kernel_check.js';

function cell(value: number | string): string {
  return typeof value === 'number' ? String(value) : value;
}

function difference(figure: KernelFigure): string {
  if (figure.difference_pct !== null) return `${figure.difference_pct > 0 ? '+' : ''}${figure.difference_pct.toFixed(2)} %`;
  return typeof figure.model === 'number' && figure.verdict !== 'not compared' && figure.model !== figure.kernel ? 'n/a' : '';
}

/** The comparison as a text table (figure | model | kernel | difference % | verdict). */
export function format_comparison_table(figures: readonly KernelFigure[]): string {
  const rows = [['figure', 'model', 'kernel', 'difference', 'verdict'], ...figures.map((f) => [f.figure, cell(f.model), cell(f.kernel), difference(f), f.verdict])];
  const widths = [0, 1, 2, 3].map((col) => Math.max(...rows.map((row) => (row[col] as string).length)));
  return rows
    .map((row) => row.map((text, col) => (col === 0 ? text.padEnd(widths[0] as number) : col < 4 ? text.padStart(widths[col] as number) : text)).join('  ').trimEnd())
    .join('\n');
}

/** What `reclaimsim kernel-check` prints: the setup, the table, the rules and the verdict. */
export function format_kernel_check(result: KernelCheckResult, scenario_label: string): string {
  const k = result.kernel;
  const e = k.experiment;
  const accel = k.accelerator === 'kvm' ? 'KVM' : `TCG (emulation${k.accelerator_note === null ? '' : `; KVM not used: ${k.accelerator_note}`})`;
  const threads = e.threads === 0 ? 'no other thread' : `${e.threads} spinning thread${e.threads > 1 ? 's' : ''} on CPU${e.threads > 1 ? `s 1..${e.threads}` : ' 1'}`;
  const lines = [
    `reclaimsim kernel-check: ${scenario_label}, model strategy ${result.model.strategy}`,
    `kernel: ${k.uname} (${k.image})`,
    `guest:  ${e.cpus} vCPUs, ${format_size(e.memory_bytes)}, ${e.swap === 'zram' ? 'zram' : 'virtio-blk'} swap ${format_size(e.swap_bytes)}, ${accel}, pv_tlb_flush ${k.pv_tlb_flush === null ? 'unknown' : k.pv_tlb_flush ? 'on' : 'off'}`,
    e.memcg === undefined
      ? `        ${format_size(e.size_bytes)} ${e.mode} pageout ${e.chunk === 'whole' ? 'in one call' : 'in 2MiB calls'} from CPU 0, ${threads}${e.lazy_cpu === null ? '' : `, CPU ${e.lazy_cpu} lazy`}; measured: ${k.measured_phase}`
      : `        ${format_size(e.size_bytes)} written once from CPU 0 in a cgroup of memory.max ${format_size(e.memcg.max_bytes)}, ${e.memcg.lru === 'mglru' ? 'MGLRU (lru_gen 0x0007)' : 'classic LRU (lru_gen n)'}, ${threads}; measured: ${k.measured_phase}`,
    `        ${k.wall_seconds} s; console log: ${k.console_log}${k.boot_retries.length > 0 ? ` (after ${k.boot_retries.length} boot crash(es): ${k.boot_retries.join(', ')})` : ''}`,
    ...result.notes.map((note) => `note: ${note}`),
    '',
    format_comparison_table(k.comparison),
    '',
    ...(e.memcg === undefined
      ? [
        'Counts (TLB and CAL per CPU, pages written, freed and read) must agree within 2 % of the model; times are not compared;',
        'pgrotated, and pgfree of a dirty pageout to a block device, are shown but not judged.',
      ]
      : ['Counts stable across guest runs (docs/kernel-check.md "MGLRU on and off") must agree within 2 % of the model; the spinners\' rows, batch histograms and generations\' text are shown.']),
  ];
  if (k.pv_tlb_flush === true) {
    lines.push('The guest uses paravirtual TLB flush: preempted vCPUs are skipped, so its TLB counts may fall below the model of bare metal (kernel-spec C6a).');
  }
  const judged = k.comparison.filter((f) => f.verdict === 'agree' || f.verdict === 'disagree');
  const disagreeing = judged.filter((f) => f.verdict === 'disagree').map((f) => f.figure);
  lines.push(disagreeing.length === 0 ? `verdict: all ${judged.length} judged figures agree` : `verdict: ${disagreeing.length} of ${judged.length} judged figures disagree: ${disagreeing.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
