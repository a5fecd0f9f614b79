/**
 * Where the model reports the events a kernel engineer would trace, named after the kernel's
 * tracepoints (tlb:tlb_flush, vmscan:mm_vmscan_write_folio, block:block_bio_queue, …) or, for
 * what only the simulator knows, a sim: event. A tracer is installed only when a trace or a
 * report is asked for; the model runs the same without one. All arguments are numbers so that
 * every layer can report through the machine it already holds.
 */

/** enum tlb_flush_reason (include/linux/mm_types.h), in the kernel's order. */
export const TLB_FLUSH_ON_TASK_SWITCH = 0;
export const TLB_REMOTE_SHOOTDOWN = 1;
export const TLB_LOCAL_SHOOTDOWN = 2;
export const TLB_LOCAL_MM_SHOOTDOWN = 3;
export const TLB_REMOTE_SEND_IPI = 4;
export const TLB_FLUSH_REASONS = ['flush on task switch', 'remote shootdown', 'local shootdown', 'local mm shootdown', 'remote ipi send'] as const;

/** pages value of a full flush (TLB_FLUSH_ALL). */
export const TLB_FLUSH_ALL_PAGES = -1;

/** Interrupt kinds. IRQ_TLB: a shootdown call by CALL_FUNCTION_VECTOR (several CPUs interrupted). */
export const IRQ_TLB = 0;
/** A block completion interrupt. */
export const IRQ_IO = 1;
/** A shootdown call by CALL_FUNCTION_SINGLE_VECTOR (the one CPU interrupted). */
export const IRQ_TLB_SINGLE = 2;
/** A shootdown call queued behind a pending one: it runs in that interrupt, no entry/exit of its own, not in CAL. */
export const IRQ_TLB_QUEUED = 3;

/**
 * The vmscan tracepoints besides mm_vmscan_write_folio (include/trace/events/vmscan.h, Linux
 * 6.12), as ids; each takes its TP_PROTO arguments as numbers, in order:
 * - KSWAPD_SLEEP: nid
 * - KSWAPD_WAKE: nid, zid, order
 * - WAKEUP_KSWAPD: nid, zid, order, gfp (GFP_*)
 * - DIRECT_RECLAIM_BEGIN, MEMCG_RECLAIM_BEGIN: order, gfp
 * - DIRECT_RECLAIM_END, MEMCG_RECLAIM_END: nr_reclaimed
 * - LRU_ISOLATE: highest_zoneidx, order, nr_requested, nr_scanned, nr_skipped, nr_taken, lru
 * - LRU_SHRINK_INACTIVE: nid, nr_scanned, nr_reclaimed, nr_dirty, nr_writeback, nr_congested,
 *   nr_immediate, nr_activate[0], nr_activate[1], nr_ref_keep, nr_unmap_fail, priority, file
 * - LRU_SHRINK_ACTIVE: nid, nr_taken, nr_active, nr_deactivated, nr_referenced, priority, file
 * mm_vmscan_node_reclaim_begin/_end do not apply: node_reclaim runs only with
 * zone_reclaim_mode on a NUMA machine, and the model has one node.
 */
export const VMSCAN_KSWAPD_SLEEP = 0;
export const VMSCAN_KSWAPD_WAKE = 1;
export const VMSCAN_WAKEUP_KSWAPD = 2;
export const VMSCAN_DIRECT_RECLAIM_BEGIN = 3;
export const VMSCAN_DIRECT_RECLAIM_END = 4;
export const VMSCAN_MEMCG_RECLAIM_BEGIN = 5;
export const VMSCAN_MEMCG_RECLAIM_END = 6;
export const VMSCAN_LRU_ISOLATE = 7;
export const VMSCAN_LRU_SHRINK_INACTIVE = 8;
export const VMSCAN_LRU_SHRINK_ACTIVE = 9;

/** gfp codes for the tracepoints' gfp_flags. A user fault's page: vma_alloc_zeroed_movable_folio's GFP_HIGHUSER_MOVABLE | __GFP_ZERO. */
export const GFP_USER_FAULT = 0;
/** memcg limit reclaim's sc.gfp_mask for a GFP_KERNEL charge: GFP_HIGHUSER_MOVABLE. */
export const GFP_MEMCG_RECLAIM = 1;

export interface Tracer {
  /** tlb:tlb_flush on `cpu`: reason (TLB_*), pages flushed (-1 all). */
  tlb_flush(cpu: number, t_ns: number, reason: number, pages: number): void;
  /** An interrupt handler on `cpu` (IRQ_*: a shootdown call by either vector, one queued behind another, a block completion). */
  irq(cpu: number, start_ns: number, duration_ns: number, kind: number): void;
  /** vmscan:mm_vmscan_write_folio: reclaim wrote an anonymous folio (RECLAIM_WB_ANON|RECLAIM_WB_ASYNC or sync). */
  write_folio(cpu: number, t_ns: number, pfn: number, sync: boolean): void;
  /** block:block_bio_queue of `nr_sector` 512-byte sectors at `sector`. */
  bio_queue(cpu: number, t_ns: number, sector: number, nr_sector: number, write: boolean): void;
  /** block:block_rq_issue: a request goes to the device. */
  rq_issue(cpu: number, t_ns: number, sector: number, nr_sector: number, write: boolean): void;
  /** block:block_rq_complete */
  rq_complete(cpu: number, t_ns: number, sector: number, nr_sector: number, write: boolean): void;
  /** sim:page_fault: a user fault on `cpu` served in `duration_ns` (major: it read from swap). */
  page_fault?(cpu: number, start_ns: number, duration_ns: number, major: boolean): void;
  /** A vmscan tracepoint (VMSCAN_*) on `cpu` with its arguments (see VMSCAN_*). */
  vmscan?(cpu: number, t_ns: number, event: number, args: readonly number[]): void;
  /** sim:shrink_folio_list: one call on `cpu`, what it scanned and reclaimed and the flush rounds it sent. */
  shrink_folio_list(cpu: number, start_ns: number, end_ns: number, nr_scanned: number, nr_reclaimed: number, flush_rounds: number): void;
}
