/** DEF_PRIORITY: the first (lightest) reclaim priority; the scan target is the list size >> priority. */
export const DEF_PRIORITY = 12;
/** SWAP_CLUSTER_MAX: folios isolated per shrink_inactive_list call, and direct reclaim's target. */
export const SWAP_CLUSTER_MAX = 32;
/** MAX_RECLAIM_RETRIES (mm/internal.h). */
export const MAX_RECLAIM_RETRIES = 16;
/** vm.swappiness default (and cgroup v2's, which follows it). */
export const DEFAULT_SWAPPINESS = 60;
/** MAX_SWAPPINESS */
export const MAX_SWAPPINESS = 200;

/** sc->may_deactivate bits. */
export const DEACTIVATE_ANON = 1;
export const DEACTIVATE_FILE = 2;

/** No target memory cgroup: global reclaim (kswapd, direct reclaim, MADV_PAGEOUT). */
export const NO_TARGET_MEMCG = -1;

/** sc->nr: what the shrink_inactive_list calls of one shrink_node pass saw (kernel-spec E3). */
export interface ScanTotals {
  dirty: number;
  unqueued_dirty: number;
  congested: number;
  writeback: number;
  immediate: number;
  taken: number;
  file_taken: number;
}

/** struct scan_control (mm/vmscan.c): the parameters and running totals of one reclaim call. */
export interface ScanControl {
  nr_to_reclaim: number;
  /** GFP_KERNEL includes __GFP_IO and __GFP_FS, so may_enter_fs holds for swap. */
  gfp_io: boolean;
  may_writepage: boolean;
  may_unmap: boolean;
  may_swap: boolean;
  no_demotion: boolean;
  priority: number;
  nr_scanned: number;
  nr_reclaimed: number;
  /** target_mem_cgroup's id for memcg limit reclaim, or NO_TARGET_MEMCG. */
  target_memcg: number;
  /** DEACTIVATE_ANON | DEACTIVATE_FILE: which active lists shrink_list may age. */
  may_deactivate: number;
  force_deactivate: boolean;
  skipped_deactivate: boolean;
  memcg_full_walk: boolean;
  cache_trim_mode: boolean;
  file_is_tiny: boolean;
  /** The target lruvec's anon_cost and file_cost, read by prepare_scan_control. */
  anon_cost: number;
  file_cost: number;
  nr: ScanTotals;
}

export function make_scan_totals(): ScanTotals {
  return { dirty: 0, unqueued_dirty: 0, congested: 0, writeback: 0, immediate: 0, taken: 0, file_taken: 0 };
}

/** A scan_control with the given fields, everything else zero (as a C designated initializer). */
export function make_scan_control(fields: Partial<ScanControl>): ScanControl {
  return {
    nr_to_reclaim: 0,
    gfp_io: true,
    may_writepage: false,
    may_unmap: false,
    may_swap: false,
    no_demotion: false,
    priority: 0,
    nr_scanned: 0,
    nr_reclaimed: 0,
    target_memcg: NO_TARGET_MEMCG,
    may_deactivate: 0,
    force_deactivate: false,
    skipped_deactivate: false,
    memcg_full_walk: false,
    cache_trim_mode: false,
    file_is_tiny: false,
    anon_cost: 0,
    file_cost: 0,
    nr: make_scan_totals(),
    ...fields,
  };
}

/** struct reclaim_stat: what one shrink_folio_list call saw. */
export interface ReclaimStat {
  nr_dirty: number;
  nr_unqueued_dirty: number;
  nr_congested: number;
  nr_writeback: number;
  nr_immediate: number;
  nr_pageout: number;
  /** [anon, file] */
  nr_activate: [number, number];
  nr_ref_keep: number;
  nr_unmap_fail: number;
  nr_lazyfree_fail: number;
  nr_demoted: number;
}

export function make_reclaim_stat(): ReclaimStat {
  return {
    nr_dirty: 0,
    nr_unqueued_dirty: 0,
    nr_congested: 0,
    nr_writeback: 0,
    nr_immediate: 0,
    nr_pageout: 0,
    nr_activate: [0, 0],
    nr_ref_keep: 0,
    nr_unmap_fail: 0,
    nr_lazyfree_fail: 0,
    nr_demoted: 0,
  };
}
