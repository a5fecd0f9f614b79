/**
 * The vmscan tracepoints of reclaim (include/trace/events/vmscan.h, Linux 6.12), fired where
 * mm/vmscan.c fires them: each helper takes what the kernel passes its trace_mm_vmscan_*()
 * call and does nothing when no tracer listens. The model has one node (nid 0) and order-0
 * allocations only.
 */
import {
  GFP_MEMCG_RECLAIM,
  GFP_USER_FAULT,
  VMSCAN_DIRECT_RECLAIM_BEGIN,
  VMSCAN_DIRECT_RECLAIM_END,
  VMSCAN_KSWAPD_SLEEP,
  VMSCAN_KSWAPD_WAKE,
  VMSCAN_LRU_ISOLATE,
  VMSCAN_LRU_SHRINK_ACTIVE,
  VMSCAN_LRU_SHRINK_INACTIVE,
  VMSCAN_MEMCG_RECLAIM_BEGIN,
  VMSCAN_MEMCG_RECLAIM_END,
  VMSCAN_WAKEUP_KSWAPD,
} from '../hw/tracer.js';
import { NO_TARGET_MEMCG, type ReclaimStat, type ScanControl } from './scan_control.js';
import type { Kernel, ReclaimTask } from './kernel.js';

const NID = 0;
const ORDER = 0;
/**
 * Zone indexes of Debian's amd64 config (ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE,
 * ZONE_DEVICE): a user fault's GFP_HIGHUSER_MOVABLE allows up to ZONE_MOVABLE, which global
 * reclaim takes as sc->reclaim_idx (and kswapd as its highest_zoneidx); memcg reclaim uses
 * MAX_NR_ZONES - 1.
 */
const ZONE_MOVABLE = 3;
const MAX_NR_ZONES = 5;

/** sc->reclaim_idx, printed as lru_isolate's classzone. */
function reclaim_idx(sc: ScanControl): number {
  return sc.target_memcg === NO_TARGET_MEMCG ? ZONE_MOVABLE : MAX_NR_ZONES - 1;
}

/** trace_mm_vmscan_wakeup_kswapd in wakeup_kswapd, on the allocating task's CPU. */
export function trace_wakeup_kswapd(k: Kernel, cpu: number, t_ns: number): void {
  k.machine.tracer?.vmscan?.(cpu, t_ns, VMSCAN_WAKEUP_KSWAPD, [NID, ZONE_MOVABLE, ORDER, GFP_USER_FAULT]);
}

/** trace_mm_vmscan_kswapd_wake in kswapd() before each balance_pgdat. */
export function trace_kswapd_wake(k: Kernel, rt: ReclaimTask): void {
  k.machine.tracer?.vmscan?.(rt.cpu, rt.task.now_ns, VMSCAN_KSWAPD_WAKE, [NID, ZONE_MOVABLE, ORDER]);
}

/** trace_mm_vmscan_kswapd_sleep in kswapd_try_to_sleep, before kswapd sleeps until woken. */
export function trace_kswapd_sleep(k: Kernel, rt: ReclaimTask): void {
  k.machine.tracer?.vmscan?.(rt.cpu, rt.task.now_ns, VMSCAN_KSWAPD_SLEEP, [NID]);
}

/** trace_mm_vmscan_direct_reclaim_begin / memcg_reclaim_begin at the entry of try_to_free_pages / try_to_free_mem_cgroup_pages. */
export function trace_reclaim_begin(k: Kernel, rt: ReclaimTask, memcg: boolean): void {
  k.machine.tracer?.vmscan?.(rt.cpu, rt.task.now_ns, memcg ? VMSCAN_MEMCG_RECLAIM_BEGIN : VMSCAN_DIRECT_RECLAIM_BEGIN, [ORDER, memcg ? GFP_MEMCG_RECLAIM : GFP_USER_FAULT]);
}

/** trace_mm_vmscan_direct_reclaim_end / memcg_reclaim_end with what the call reclaimed. */
export function trace_reclaim_end(k: Kernel, rt: ReclaimTask, memcg: boolean, nr_reclaimed: number): void {
  k.machine.tracer?.vmscan?.(rt.cpu, rt.task.now_ns, memcg ? VMSCAN_MEMCG_RECLAIM_END : VMSCAN_DIRECT_RECLAIM_END, [nr_reclaimed]);
}

/**
 * trace_mm_vmscan_lru_isolate at the end of isolate_lru_folios (nothing is skipped: one zone)
 * or of the multi-gen LRU's scan_folios (which skips folios it failed to isolate).
 */
export function trace_lru_isolate(k: Kernel, rt: ReclaimTask, sc: ScanControl, nr_requested: number, nr_scanned: number, nr_taken: number, lru: number, nr_skipped = 0): void {
  k.machine.tracer?.vmscan?.(rt.cpu, rt.task.now_ns, VMSCAN_LRU_ISOLATE, [reclaim_idx(sc), ORDER, nr_requested, nr_scanned, nr_skipped, nr_taken, lru]);
}

/** trace_mm_vmscan_lru_shrink_inactive at the end of shrink_inactive_list (file: 1 for the file LRU). */
export function trace_lru_shrink_inactive(k: Kernel, rt: ReclaimTask, sc: ScanControl, nr_scanned: number, nr_reclaimed: number, stat: ReclaimStat, file = false): void {
  k.machine.tracer?.vmscan?.(rt.cpu, rt.task.now_ns, VMSCAN_LRU_SHRINK_INACTIVE, [
    NID, nr_scanned, nr_reclaimed, stat.nr_dirty, stat.nr_writeback, stat.nr_congested, stat.nr_immediate,
    stat.nr_activate[0], stat.nr_activate[1], stat.nr_ref_keep, stat.nr_unmap_fail, sc.priority, file ? 1 : 0,
  ]);
}

/** trace_mm_vmscan_lru_shrink_active at the end of shrink_active_list (no anon folio rotates: nr_referenced 0). */
export function trace_lru_shrink_active(k: Kernel, rt: ReclaimTask, sc: ScanControl, nr_taken: number, nr_active: number, nr_deactivated: number): void {
  k.machine.tracer?.vmscan?.(rt.cpu, rt.task.now_ns, VMSCAN_LRU_SHRINK_ACTIVE, [NID, nr_taken, nr_active, nr_deactivated, 0, sc.priority, 0]);
}
