import { assert } from '../engine/assert.js';
import { Yield, type Simulator, type Task } from '../engine/simulator.js';
import type { BlkPlug } from '../block/blk_mq.js';
import type { SwapIo } from '../block/page_io.js';
import type { FileIo } from '../block/file_io.js';
import type { ArchTlbBatch } from '../hw/arch_tlb.js';
import type { Machine } from '../hw/machine.js';
import { PAGEVEC_SIZE } from '../mm/lru.js';
import type { ModelMutants } from '../mm/mutants.js';
import type { PgData } from '../mm/pgdat.js';
import type { Probe } from './probe.js';
import type { Flusher } from './fs_writeback.js';
import type { LruGenMmWalk } from './lru_gen_mm_walk.js';
import type { ReclaimStrategy } from './strategy.js';

/** Everything a kernel code path can reach: the clock, the CPUs, the memory node, swap I/O. */
export interface Kernel {
  readonly sim: Simulator;
  readonly machine: Machine;
  readonly pgdat: PgData;
  readonly swap_io: SwapIo;
  /** The disk the files live on and their page-cache I/O, or null when the run has no file. */
  file_io: FileIo | null;
  /** The file disk's flusher (bdi writeback), or null when the run has no file. */
  flusher: Flusher | null;
  /** The reclaim variant under test (upstream, or a patch). */
  readonly strategy: ReclaimStrategy;
  /** The oracle, when one observes the run. */
  probe: Probe | null;
  /** Deliberate defects switched on by a test (mm/mutants.ts); all off otherwise. */
  readonly mutants: ModelMutants;
  /**
   * The node's kswapd (kernel-spec E6, E8), or null when none runs (no CPU for it). The
   * allocator wakes it through this handle; see reclaim/kswapd.ts.
   */
  kswapd: KswapdHandle | null;
}

/** What the page allocator and the run need of kswapd. */
export interface KswapdHandle {
  /** wakeup_kswapd from a task on `cpu` whose clock reads `t_ns`. */
  wakeup_kswapd(t_ns: number, cpu: number): void;
  /** The experiment is over: kswapd finishes balancing the node, then ends rather than sleeps. */
  stop(): void;
}

/** struct tlbflush_unmap_batch (current->tlb_ubc): deferred flushes of one task (kernel-spec B5-B11). */
export class TlbflushUnmapBatch {
  /** struct arch_tlbflush_unmap_batch, made by the machine's architecture at the first deferred unmap. */
  arch: ArchTlbBatch | null = null;
  flush_required = false;
  writable = false;
}

/**
 * A task in kernel context (`current`): the madvise caller, kswapd, an application thread or
 * stress worker in a fault or direct reclaim. Its simulated thread, the CPU it is pinned to,
 * its deferred-flush batch (which persists across calls, B8) and its block plug.
 */
export class ReclaimTask {
  readonly tlb_ubc = new TlbflushUnmapBatch();
  plug: BlkPlug | null = null;
  /** Scratch batch for shrink_folio_list's free_folios, reused across calls. */
  readonly free_folios = new Int32Array(PAGEVEC_SIZE);
  /** current_is_kswapd() */
  is_kswapd = false;
  /** current->reclaim_state->mm_walk: the multi-gen LRU walk set for this reclaim pass, if any. */
  mm_walk: LruGenMmWalk | null = null;
  /** Set when the task was chosen as an OOM victim: it stops at its next return to user space. */
  oom_killed = false;
  /**
   * Remote flush rounds this task sent (its share of nr_tlb_remote_flush), so that a reclaim
   * call reports its own rounds, not those of reclaimers running beside it.
   */
  nr_flush_rounds = 0;
  /**
   * Set when folio_referenced flushed a young PMD (pmdp_clear_flush_young): the caller, a
   * generator, clears it and lets the flush's queued calls run first (pmd_young_flush_wait).
   */
  flushed_young_pmd = false;
  /** current->nr_dirtied: page-cache pages this task dirtied since balance_dirty_pages last looked. */
  nr_dirtied = 0;
  /** current->nr_dirtied_pause: pages it may dirty before balance_dirty_pages looks again. */
  nr_dirtied_pause = 32;
  /** Interrupt time of its CPU this task absorbed into its own clock (must_sync), ns. */
  irq_absorbed_ns = 0;

  constructor(
    readonly task: Task,
    readonly cpu: number,
  ) {}
}

/**
 * Called where the task is about to touch state other events may change: it absorbs the
 * interrupt time its CPU took, and tells whether an event is due before the task's clock, in
 * which case the caller must `yield Yield.resume` first so that everything earlier happens
 * first. (A plain function, not a generator: it runs several times per folio.)
 */
export function must_sync(k: Kernel, rt: ReclaimTask): boolean {
  const debt = k.machine.take_irq_debt(rt.cpu);
  if (debt > 0) {
    rt.task.now_ns += debt;
    rt.irq_absorbed_ns += debt;
  }
  return k.sim.must_yield(rt.task);
}

/**
 * After a flush that reached other CPUs, before the task goes on: the initiator spins until
 * every target ran its call (csd_lock_wait, kernel/smp.c), and calls still queued as events
 * (hw/x86/tlb.ts, "IPIs as events") are due before the task's clock. True when the caller
 * must `yield Yield.resume` so that they run first (at equal times the interrupt goes first).
 */
export function flush_wait(k: Kernel, rt: ReclaimTask): boolean {
  return k.machine.tlb_flushes_in_flight > 0 && k.sim.next_model_event_ns() <= rt.task.now_ns;
}

/** After a reference check: whether it flushed a young PMD whose calls must run first (flush_wait). */
export function pmd_young_flush_wait(k: Kernel, rt: ReclaimTask): boolean {
  if (!rt.flushed_young_pmd) return false;
  rt.flushed_young_pmd = false;
  return flush_wait(k, rt);
}

/** How often a task waiting for a folio lock checks again, ns (folio_lock sleeps until unlock). */
const FOLIO_LOCK_POLL_NS = 1000;
const FOLIO_LOCK_POLLS_MAX = 10_000_000;

/** folio_lock: sleep until the lock is free (here: check again every FOLIO_LOCK_POLL_NS), then take it. */
export function* folio_lock(k: Kernel, rt: ReclaimTask, pfn: number): Generator<Yield, void, void> {
  const f = k.pgdat.folios;
  for (let polls = 0; !f.trylock(pfn); polls++) {
    assert(polls < FOLIO_LOCK_POLLS_MAX, () => `folio ${pfn} stays locked`);
    rt.task.now_ns += FOLIO_LOCK_POLL_NS;
    yield Yield.resume;
  }
}
