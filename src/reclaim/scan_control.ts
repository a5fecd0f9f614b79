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
