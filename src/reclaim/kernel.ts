import { Yield, type Simulator, type Task } from '../engine/simulator.js';
import type { BlkPlug } from '../block/blk_mq.js';
import type { SwapIo } from '../block/page_io.js';
import { Cpumask } from '../hw/cpumask.js';
import type { Machine } from '../hw/machine.js';
import { PAGEVEC_SIZE } from '../mm/lru.js';
import type { PgData } from '../mm/pgdat.js';

/** Everything a kernel code path can reach: the clock, the CPUs, the memory node, swap I/O. */
export interface Kernel {
  readonly sim: Simulator;
  readonly machine: Machine;
  readonly pgdat: PgData;
  readonly swap_io: SwapIo;
}

/** struct tlbflush_unmap_batch (current->tlb_ubc): deferred flushes of one task (kernel-spec B5-B11). */
export class TlbflushUnmapBatch {
  readonly cpumask = new Cpumask();
  flush_required = false;
  writable = false;
}

/**
 * A task that runs kernel reclaim code (the madvise caller, later kswapd and direct
 * reclaimers): its simulated thread, the CPU it is pinned to, its deferred-flush batch
 * (which persists across calls, B8) and its block plug.
 */
export class ReclaimTask {
  readonly tlb_ubc = new TlbflushUnmapBatch();
  plug: BlkPlug | null = null;
  /** Scratch batch for shrink_folio_list's free_folios, reused across calls. */
  readonly free_folios = new Int32Array(PAGEVEC_SIZE);

  constructor(
    readonly task: Task,
    readonly cpu: number,
  ) {}
}

/**
 * A point where the task touches state other events may change: it first absorbs interrupt
 * time its CPU took, then yields if any event is due before its clock.
 */
export function* sync(k: Kernel, rt: ReclaimTask): Generator<Yield, void, void> {
  const debt = k.machine.take_irq_debt(rt.cpu);
  if (debt > 0) rt.task.now_ns += debt;
  if (k.sim.must_yield(rt.task)) yield Yield.resume;
}
