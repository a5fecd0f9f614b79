import type { ReclaimStrategy } from '../reclaim/strategy.js';
import { RESULT_SCHEMA, stable_json, type RunResult } from '../run/result.js';
import { run_scenario } from '../run/run_scenario.js';
import type { Scenario } from '../scenario/schema.js';
import type { KvmMode } from './accelerator.js';
import { compare_with_model, type KernelFigure } from './comparison.js';
import { plan_experiment, type GuestExperiment } from './experiment.js';
import { guest_phase_named, type GuestMemcgReport, type GuestPhase } from './guest_result.js';
import { run_guest } from './guest_run.js';
import { compare_memcg_with_model, vmscan_summary_tracer, type VmscanSummary } from './memcg_comparison.js';

export interface KernelCheckOptions {
  /** A linux-image-*.deb package file, or a bzImage with virtio-blk and zram built in. */
  kernel: string;
  /** The model's strategy: the one that models the kernel under test (default upstream). */
  strategy?: string | ReclaimStrategy;
  seed?: number;
  kvm?: KvmMode;
  /** Bound on the guest's run, seconds (default 120 with KVM, 600 under TCG). */
  timeout_s?: number;
  /** Builds and console logs (default ~/.cache/reclaimsim). */
  cache_dir?: string;
  /** Progress lines while building and booting (the CLI prints them on stderr). */
  on_progress?: (line: string) => void;
  /** Names this run's console log (the CLI passes the wall-clock time; default: the scenario's name). */
  log_name?: string;
}

/** The kernel's side of a check: added to the model's run record as `kernel` in the result contract. */
export interface KernelSection {
  image: string;
  /** `uname -r` in the guest. */
  uname: string;
  accelerator: 'kvm' | 'tcg';
  /** Why KVM was not used, when it was not. */
  accelerator_note: string | null;
  /** Whether the guest enabled paravirtual TLB flush (KVM only): it then skips preempted vCPUs, and counts fall below the model's (kernel-spec C6a). */
  pv_tlb_flush: boolean | null;
  hypervisor: string | null;
  /** qemu start to exit, seconds. */
  wall_seconds: number;
  console_log: string;
  boot_retries: string[];
  qemu_command: string[];
  experiment: GuestExperiment;
  /** The memcg case: the cgroup, MGLRU's debugfs view and the vmscan trace summed up (guest/memcg_write.c). */
  memcg?: GuestMemcgReport;
  /** Name of the measured pageout phase (dirty-pageout, or clean-pageout in clean mode; memcg-write in the memcg case). */
  measured_phase: string;
  /** Per-CPU TLB and CAL deltas of the measured pageout. */
  interrupts: { TLB: number[]; CAL: number[] };
  /** /proc/vmstat deltas of the measured pageout; null for a counter the kernel lacks. */
  vmstat: Record<string, number | null>;
  /** Every phase of the guest's experiment with its deltas. */
  phases: GuestPhase[];
  verify: { pages: number; mismatches: number; readback_mismatches: number };
  comparison: KernelFigure[];
  /** No judged figure disagrees. */
  agree: boolean;
}

export interface KernelCheckResult {
  model: RunResult;
  /** The model's vmscan tracepoints summed as the guest sums its trace (memcg case only). */
  model_trace?: VmscanSummary;
  kernel: KernelSection;
  /** Where the guest differs from the scenario without changing any count. */
  notes: string[];
  /** The scenario as checked. */
  scenario: Scenario;
}

/**
 * Runs the scenario in the model and in a real kernel booted under qemu, and compares the
 * counts. Throws KernelCheckError for anything the user must fix (tools, image, scenario, a
 * guest that failed); disagreements are results, not errors.
 */
export async function kernel_check(scenario: Scenario, options: KernelCheckOptions): Promise<KernelCheckResult> {
  const { experiment, model_scenario, notes } = plan_experiment(scenario);
  // The memcg case sums the model's vmscan tracepoints as the guest sums its trace.
  const traced = experiment.memcg === undefined ? null : vmscan_summary_tracer();
  const model = run_scenario(model_scenario, {
    strategy: options.strategy ?? 'upstream',
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(traced === null ? {} : { tracer: traced.tracer }),
  });
  const { image, boot, report } = await run_guest(experiment, {
    kernel: options.kernel,
    log_name: options.log_name ?? scenario.name,
    ...(options.kvm === undefined ? {} : { kvm: options.kvm }),
    ...(options.timeout_s === undefined ? {} : { timeout_s: options.timeout_s }),
    ...(options.cache_dir === undefined ? {} : { cache_dir: options.cache_dir }),
    ...(options.on_progress === undefined ? {} : { on_progress: options.on_progress }),
  });
  const log = boot.outcome.log_path;
  const measured = guest_phase_named(report, report.last_pageout, log);
  const comparison = experiment.memcg !== undefined && traced !== null
    ? compare_memcg_with_model(model, traced.summary, report, experiment, log)
    : compare_with_model(model, report, experiment, log);
  return {
    model,
    ...(traced === null ? {} : { model_trace: traced.summary }),
    notes,
    scenario,
    kernel: {
      image: image.path,
      uname: report.uname_r,
      accelerator: boot.accel,
      accelerator_note: boot.accel_note,
      pv_tlb_flush: report.pv_tlb_flush,
      hypervisor: report.hypervisor,
      wall_seconds: Math.round(boot.outcome.seconds * 100) / 100,
      console_log: log,
      boot_retries: boot.boot_retries,
      qemu_command: boot.qemu_command,
      experiment,
      ...(report.memcg === undefined ? {} : { memcg: report.memcg }),
      measured_phase: measured.name,
      interrupts: { TLB: measured.TLB, CAL: measured.CAL },
      vmstat: measured.vmstat,
      phases: report.phases,
      verify: report.verify,
      comparison,
      agree: comparison.every((f) => f.verdict !== 'disagree'),
    },
  };
}

/** The result contract (reclaimsim/result@1) with the kernel's section added to the model's run record. */
export function kernel_check_json(result: KernelCheckResult): string {
  const run = { ...result.model, ...(result.model_trace === undefined ? {} : { model_trace: result.model_trace }), kernel: result.kernel };
  return `${stable_json({ schema: RESULT_SCHEMA, runs: [run] })}\n`;
}
