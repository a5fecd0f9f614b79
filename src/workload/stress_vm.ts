import { assert } from '../engine/assert.js';
import { Yield, type TaskBody } from '../engine/simulator.js';
import type { CpuListener } from '../hw/machine.js';
import type { MmStruct, Vma } from '../mm/mm_struct.js';
import { must_sync, type Kernel, type ReclaimTask } from '../reclaim/kernel.js';
import { access, access_fast, VM_FAULT_OOM } from './fault.js';
import type { FileMapping } from '../mm/file_mapping.js';
import { file_read_page, file_write_page } from './file_rw.js';

/** A bound on the pages one worker writes; far above any scenario's need. */
const PAGES_WRITTEN_MAX = 1_000_000_000;

/** What one stress worker is asked to do. */
export interface StressWorkerPlan {
  vma: Vma;
  /** Bogo-ops (passes over the region) before it stops; Infinity for a duration-only run. */
  passes_max: number;
  /** Time at which it stops, even mid-pass; Infinity for a passes-only run. */
  end_ns: number;
  /** Each access writes (stress-ng --vm) or only reads (readers of a mapped file). */
  write: boolean;
  /** The file a read()/write() worker (stress.io: syscall) goes through instead of its mapping; `vma` then only gives the page count. */
  file: FileMapping | null;
}

/**
 * What a stress worker did: its passes (bogo-ops) and when they ended, the interrupt time its
 * CPU took (it listens on its CPU), and whether the OOM killer ended it.
 */
export class StressWorkerStats implements CpuListener {
  passes = 0;
  /** Pages written in all passes so far. */
  pages_written = 0;
  first_pass_end_ns = -1;
  last_pass_end_ns = -1;
  /** When the worker stopped (its last pass, the end of the run, or its OOM kill). */
  end_ns = -1;
  oom_killed = false;
  interrupted_ns = 0;
  /** Interrupt time up to the end of its first pass. */
  first_pass_interrupted_ns = 0;

  constructor(
    readonly name: string,
    readonly cpu: number,
    /** Pages of its region: one pass. */
    readonly pages_per_pass: number,
  ) {}

  /** Bogo-ops done so far, a pass in progress counting in part (for timelines; the worker's clock may run ahead of `t_ns`). */
  ops_at(_t_ns: number): number {
    return this.pages_written / this.pages_per_pass;
  }

  on_interrupt(duration_ns: number): void {
    this.interrupted_ns += duration_ns;
  }

  on_tlb_flush_all(): void {}
}

/**
 * A `stress-ng --vm 1 --vm-bytes B --vm-keep` worker process (single-threaded, pinned to its
 * CPU): it keeps its mapping and writes every page of it, page by page, through its TLB and
 * the fault path (do_anonymous_page the first time, do_swap_page after reclaim took the page);
 * one pass over the region is one bogo-op. Each page costs `stress_vm_page_ns` of user time
 * besides the TLB walk and any fault; an allocation may wake kswapd, reclaim directly, or
 * reclaim from the worker's cgroup. Ends after its passes, at the end time, or when the
 * cgroup OOM killer chose it; `on_first_pass` is called when its first pass is complete.
 */
export function* stress_vm_worker(
  k: Kernel,
  rt: ReclaimTask,
  mm: MmStruct,
  plan: StressWorkerPlan,
  stats: StressWorkerStats,
  on_first_pass: () => void,
): TaskBody {
  const task = rt.task;
  const page_ns = k.machine.cost.stress_vm_page_ns;
  let written = 0;
  for (let pass = 0; pass < plan.passes_max; pass++) {
    for (let vpn = plan.vma.start_vpn; vpn < plan.vma.end_vpn; vpn++) {
      assert(++written < PAGES_WRITTEN_MAX, () => `${stats.name} never stops`);
      if (must_sync(k, rt)) yield Yield.resume;
      if (task.now_ns >= plan.end_ns) {
        stats.end_ns = plan.end_ns;
        k.machine.enter_lazy_tlb(rt.cpu);
        return;
      }
      task.now_ns += page_ns;
      if (plan.file !== null) {
        const index = vpn - plan.vma.start_vpn;
        const fault = plan.write ? yield* file_write_page(k, rt, mm, plan.file, index) : yield* file_read_page(k, rt, mm, plan.file, index);
        if ((fault & VM_FAULT_OOM) === 0) {
          stats.pages_written++;
          continue;
        }
        stats.oom_killed = true;
        stats.end_ns = task.now_ns;
        k.machine.enter_lazy_tlb(rt.cpu);
        return;
      }
      if (access_fast(k, rt, mm, vpn, plan.write)) {
        stats.pages_written++;
        continue;
      }
      const fault = yield* access(k, rt, mm, vpn, plan.write);
      if ((fault & VM_FAULT_OOM) === 0) stats.pages_written++;
      else {
        // Killed: the CPU goes idle, keeping the mm loaded lazily.
        stats.oom_killed = true;
        stats.end_ns = task.now_ns;
        k.machine.enter_lazy_tlb(rt.cpu);
        return;
      }
    }
    stats.passes++;
    stats.last_pass_end_ns = task.now_ns;
    if (stats.passes === 1) {
      stats.first_pass_end_ns = task.now_ns;
      stats.first_pass_interrupted_ns = stats.interrupted_ns;
      on_first_pass();
    }
  }
  stats.end_ns = task.now_ns;
  // The worker is done: its CPU idles, holding the mm lazily (exit_mmap is not modelled).
  k.machine.enter_lazy_tlb(rt.cpu);
}
