import { irq_row, type RunResult } from '../run/result.js';
import type { GuestExperiment } from './experiment.js';
import { guest_phase_named, type GuestReport } from './guest_result.js';

/** Counts must agree within this fraction of the model's value (so a model 0 needs a kernel 0). */
export const COUNT_TOLERANCE = 0.02;

/**
 * agree / disagree: a judged figure; shown: printed for the reader but legitimately different;
 * not compared: a time, which means nothing under emulation.
 */
export type KernelVerdict = 'agree' | 'disagree' | 'shown' | 'not compared';

export interface KernelFigure {
  figure: string;
  model: number | string;
  kernel: number | string;
  /** (kernel - model) / model in percent; null when the model's value is 0 or not a count. */
  difference_pct: number | null;
  verdict: KernelVerdict;
  /** Why the figure is judged as it is. */
  rule: string;
}

const COUNT_RULE = `a count: within ${COUNT_TOLERANCE * 100} % of the model`;

/** One count, judged: |kernel - model| <= 2 % of the model, or <= `slack` where a rule allows that. */
export function judged_count(figure: string, model: number, kernel: number, rule = COUNT_RULE, slack = 0): KernelFigure {
  const agree = Math.abs(kernel - model) <= Math.max(COUNT_TOLERANCE * Math.abs(model), slack);
  return { figure, model, kernel, difference_pct: difference_pct(model, kernel), verdict: agree ? 'agree' : 'disagree', rule };
}

function shown(figure: string, model: number, kernel: number, rule: string): KernelFigure {
  return { figure, model, kernel, difference_pct: difference_pct(model, kernel), verdict: 'shown', rule };
}

function difference_pct(model: number, kernel: number): number | null {
  if (model === 0) return kernel === 0 ? 0 : null;
  return Math.round(((kernel - model) / model) * 10000) / 100;
}

function model_phase(model: RunResult, name: string): RunResult['phases'][number] {
  const phase = model.phases.find((p) => p.name === name);
  if (phase === undefined) throw new Error(`the model's run has no ${name} phase (phases: ${model.phases.map((p) => p.name).join(', ')})`);
  return phase;
}

const counter = (vmstat: Record<string, number | null>, name: string): number => vmstat[name] ?? 0;

/**
 * The model's figures beside the kernel's for the measured pageout (the dirty one, or the
 * clean re-pageout in clean mode; the one pageout of the file case), each with its verdict and
 * the rule behind it.
 */
export function compare_with_model(model: RunResult, kernel: GuestReport, e: GuestExperiment, log_path: string): KernelFigure[] {
  const measured = guest_phase_named(kernel, kernel.last_pageout, log_path);
  const figures: KernelFigure[] = [];
  const cpus = Array.from({ length: e.cpus }, (_, cpu) => cpu);
  const spinners = cpus.slice(1, e.threads + 1);
  // The file case pages out once (docs/kernel-check.md, "The file case"): no first pageout, no read-back.
  const anon_clean = e.mode === 'clean' && e.file === undefined;
  for (const cpu of cpus) figures.push(judged_count(`TLB CPU${cpu}`, irq_row(model.interrupts, 'TLB')[cpu] ?? 0, measured.TLB[cpu] ?? 0));
  for (const cpu of spinners) figures.push(judged_count(`CAL CPU${cpu}`, irq_row(model.interrupts, 'CAL')[cpu] ?? 0, measured.CAL[cpu] ?? 0));
  if (anon_clean) {
    const first_model = model_phase(model, 'first-pageout');
    const first_kernel = guest_phase_named(kernel, 'dirty-pageout', log_path);
    for (const cpu of cpus) figures.push(judged_count(`TLB CPU${cpu}, first pageout`, irq_row(first_model.interrupts, 'TLB')[cpu] ?? 0, first_kernel.TLB[cpu] ?? 0));
  }
  const vm = model.vmstat;
  const kv = measured.vmstat;
  figures.push(judged_count('pswpout', counter(vm, 'pswpout'), counter(kv, 'pswpout')));
  const pgfree_judged = e.file === undefined ? e.swap === 'zram' || e.mode === 'clean' : e.mode === 'clean';
  figures.push(
    pgfree_judged
      ? judged_count('pgfree', counter(vm, 'pgfree'), counter(kv, 'pgfree'))
      : shown('pgfree', counter(vm, 'pgfree'), counter(kv, 'pgfree'), 'not judged for a dirty pageout to a block device: the folios stay in the swap cache under writeback, and the kernel\'s pgfree counts unrelated frees (page tables, per-CPU lists)'),
  );
  figures.push(judged_count('pswpin', counter(vm, 'pswpin'), counter(kv, 'pswpin')));
  if (e.file !== undefined) {
    // A dirty file folio is activated with PG_reclaim, not written (only kswapd writes file folios);
    // nr_* are node counters that /proc/vmstat shows a few pages late, well within the tolerance.
    for (const name of ['pgactivate', 'nr_vmscan_immediate_reclaim', 'pgpgout', 'nr_vmscan_write']) figures.push(judged_count(name, counter(vm, name), counter(kv, name)));
  }
  if (anon_clean) {
    const readback_model = model_phase(model, 'read-back');
    const readback_kernel = guest_phase_named(kernel, 'readback', log_path);
    figures.push(judged_count('pgmajfault, read-back', counter(readback_model.vmstat, 'pgmajfault'), counter(readback_kernel.vmstat, 'pgmajfault')));
  }
  figures.push(shown('pgrotated', counter(vm, 'pgrotated'), counter(kv, 'pgrotated'), 'not judged: varies with when writeback completions land against the put-back (F7, F8)'));
  for (const name of ['nr_tlb_remote_flush', 'nr_tlb_remote_flush_received', 'nr_tlb_local_flush_all', 'nr_tlb_local_flush_one']) {
    const value = kv[name];
    if (value !== null && value !== undefined) figures.push(shown(name, counter(vm, name), value, 'shown: a CONFIG_DEBUG_TLBFLUSH kernel counts these'));
  }
  if (model.thp !== undefined) figures.push(...compare_thp(model.thp, kernel));
  const bad_pages = kernel.verify.mismatches + kernel.verify.readback_mismatches;
  figures.push({
    figure: 'data verification, bad pages',
    model: model.oracle.verdict,
    kernel: bad_pages,
    difference_pct: null,
    verdict: bad_pages === 0 ? 'agree' : 'disagree',
    rule: 'every page must read back as written in the kernel (0 bad pages); the model column is its oracle\'s verdict',
  });
  figures.push({
    figure: 'pageout time, ms',
    model: Math.round(model.sim_pageout_ns / 1e3) / 1e3,
    kernel: Math.round(measured.elapsed_ns / 1e3) / 1e3,
    difference_pct: null,
    verdict: 'not compared',
    rule: 'a time: means nothing under emulation',
  });
  return figures;
}

/** The judged THP counters: the thp_* lines of /proc/vmstat that reclaim and the fault path move. */
const THP_JUDGED = ['thp_fault_alloc', 'thp_split_pmd', 'thp_split_page', 'thp_swpout', 'thp_swpout_fallback', 'thp_deferred_split_page'] as const;
/**
 * The judged per-size stats. anon_fault_alloc is shown only: with a size set to always, the
 * guest program's other anonymous memory (stacks, heap) faults in folios of that size too
 * (6.12.118 measured 256 + 4 to 8 for a 16 MiB region of 64 KiB folios).
 */
const MTHP_JUDGED = ['swpout', 'swpout_fallback', 'split'] as const;

/**
 * The large-folio counters over the whole experiment (population included, where the THP
 * faults happen): the model's run totals against the kernel's sum over its phases, and the
 * per-size stats of every size either side moved.
 */
function compare_thp(model: NonNullable<RunResult['thp']>, kernel: GuestReport): KernelFigure[] {
  const figures: KernelFigure[] = [];
  const rule = `a count over the whole experiment: within ${COUNT_TOLERANCE * 100} % of the model`;
  for (const name of THP_JUDGED) {
    const kernel_total = kernel.phases.reduce((n, phase) => n + (phase.vmstat[name] ?? 0), 0);
    figures.push(judged_count(name, model.vmstat[name] ?? 0, kernel_total, rule));
  }
  const kernel_mthp = kernel.mthp ?? {};
  const sizes = [...new Set([...Object.keys(model.mthp), ...Object.keys(kernel_mthp)])].sort((a, b) => parseInt(a.slice(10), 10) - parseInt(b.slice(10), 10));
  for (const size of sizes) {
    figures.push(
      shown(`${size} anon_fault_alloc`, model.mthp[size]?.anon_fault_alloc ?? 0, kernel_mthp[size]?.anon_fault_alloc ?? 0, 'shown: the guest program\'s own stacks and heap fault in folios of an always size too'),
    );
    for (const stat of MTHP_JUDGED) {
      figures.push(judged_count(`${size} ${stat}`, model.mthp[size]?.[stat] ?? 0, kernel_mthp[size]?.[stat] ?? 0, rule));
    }
  }
  return figures;
}
