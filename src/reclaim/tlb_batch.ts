import { NO_WAIT, Yield, type MayWait } from '../engine/simulator.js';
import type { ArchTlbBatch } from '../hw/arch_tlb.js';
import { PTE_DIRTY, PTE_PRESENT, type MmStruct } from '../mm/mm_struct.js';
import { flush_wait, must_sync, type Kernel, type ReclaimTask } from './kernel.js';

/** try_to_unmap flag: the caller will flush deferred unmaps itself (TTU_BATCH_FLUSH). */
export const TTU_BATCH_FLUSH = 1;
/** try_to_unmap flag: split a PMD mapping of the folio into PTEs first (TTU_SPLIT_HUGE_PMD). */
export const TTU_SPLIT_HUGE_PMD = 2;

/** mm->tlb_flush_batched pending counter beyond which it restarts (TLB_FLUSH_BATCH_PENDING_LARGE). */
const TLB_FLUSH_BATCH_PENDING_LARGE = 0xffff >> 1;

/** should_defer_flush (kernel-spec B3, B4). */
export function should_defer_flush(k: Kernel, mm: MmStruct, cpu: number, flags: number): boolean {
  return (flags & TTU_BATCH_FLUSH) !== 0 && k.machine.arch.arch_tlbbatch_should_defer(mm.context, cpu);
}

/**
 * set_tlb_ubc_flush_pending (B5): the PTE at `vpn` was cleared without a flush. Nothing to do
 * if it was not accessible; else add the mm and the address to the task's batch, count a
 * pending deferred unmap on the mm, and mark the batch writable if the PTE was dirty. Called
 * once per PTE: a large folio's unmap adds one pending flush for each of its PTEs.
 */
export function set_tlb_ubc_flush_pending(k: Kernel, rt: ReclaimTask, mm: MmStruct, pteval: number, vpn: number): void {
  if ((pteval & PTE_PRESENT) === 0) return;
  const arch = k.machine.arch;
  const batch = rt.tlb_ubc.arch ?? (rt.tlb_ubc.arch = arch.new_batch());
  rt.task.now_ns = arch.arch_tlbbatch_add_pending(batch, mm.context, vpn, rt.cpu, rt.task.now_ns);
  rt.tlb_ubc.flush_required = true;
  if (mm.tlb_flush_batched_pending > TLB_FLUSH_BATCH_PENDING_LARGE) {
    mm.tlb_flush_batched_pending = 1;
    mm.tlb_flush_batched_flushed = 0;
  } else {
    mm.tlb_flush_batched_pending++;
  }
  if ((pteval & PTE_DIRTY) !== 0) rt.tlb_ubc.writable = true;
}

/**
 * try_to_unmap_flush (B10): flush the batch if anything is pending, and reset it. A MayWait:
 * it waits only at the sync point before flushing, and after it while remote calls it sent
 * are still due (flush_wait).
 */
export function try_to_unmap_flush(k: Kernel, rt: ReclaimTask): MayWait {
  if (!rt.tlb_ubc.flush_required) return NO_WAIT;
  if (must_sync(k, rt)) return flush_after_sync(k, rt);
  return tlbbatch_flush(k, rt) ? resume_once() : NO_WAIT;
}

function* flush_after_sync(k: Kernel, rt: ReclaimTask): Generator<Yield, void, void> {
  yield Yield.resume;
  if (tlbbatch_flush(k, rt)) yield Yield.resume;
}

function* resume_once(): Generator<Yield, void, void> {
  yield Yield.resume;
}

/**
 * The flush of try_to_unmap_flush: arch_tlbbatch_flush, waiting for remote completion. True
 * when the caller must yield before going on (flush_wait).
 */
function tlbbatch_flush(k: Kernel, rt: ReclaimTask): boolean {
  const ubc = rt.tlb_ubc;
  const task = rt.task;
  const arch = k.machine.arch;
  const batch = ubc.arch as ArchTlbBatch;
  if (arch.arch_tlbbatch_reaches_remote(batch, rt.cpu)) k.pgdat.vm.sim_tlbbatch_flush_remote++;
  const rounds = arch.remote_flush_rounds();
  const done_ns = arch.arch_tlbbatch_flush(batch, rt.cpu, task.now_ns);
  rt.nr_flush_rounds += arch.remote_flush_rounds() - rounds;
  k.pgdat.vm.sim_ipi_wait_ns += done_ns - task.now_ns;
  task.now_ns = done_ns;
  ubc.flush_required = false;
  ubc.writable = false;
  return flush_wait(k, rt);
}

/** try_to_unmap_flush_dirty (B11): flush only if a deferred PTE was dirty. */
export function try_to_unmap_flush_dirty(k: Kernel, rt: ReclaimTask): MayWait {
  return rt.tlb_ubc.writable ? try_to_unmap_flush(k, rt) : NO_WAIT;
}

/**
 * flush_tlb_batched_pending (B12): called under the PTE lock by operations that could race
 * with a deferred flush. If reclaim deferred unmaps of this mm since the last call, have the
 * architecture complete them (arch_flush_tlb_batched_pending; x86: flush_tlb_mm) and mark
 * them consumed.
 */
export function* flush_tlb_batched_pending(k: Kernel, rt: ReclaimTask, mm: MmStruct): Generator<Yield, void, void> {
  if (mm.tlb_flush_batched_pending === mm.tlb_flush_batched_flushed) return;
  if (k.mutants.no_flush_tlb_batched_pending) return;
  if (must_sync(k, rt)) yield Yield.resume;
  const task = rt.task;
  k.pgdat.vm.sim_batched_pending_flush++;
  const rounds = k.machine.arch.remote_flush_rounds();
  const done_ns = k.machine.arch.arch_flush_tlb_batched_pending(rt.cpu, task.now_ns, mm.context);
  rt.nr_flush_rounds += k.machine.arch.remote_flush_rounds() - rounds;
  k.pgdat.vm.sim_ipi_wait_ns += done_ns - task.now_ns;
  task.now_ns = done_ns;
  mm.tlb_flush_batched_flushed = mm.tlb_flush_batched_pending;
  if (flush_wait(k, rt)) yield Yield.resume;
}
