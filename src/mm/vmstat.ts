/**
 * Event counters named exactly as their /proc/vmstat lines (mm/vmstat.c vmstat_text[]).
 * pgpgout is kept in KiB, as /proc/vmstat shows it. Counters only the simulator has are
 * prefixed `sim_`.
 */
export interface VmEvents {
  pgpgin: number;
  pgpgout: number;
  pswpin: number;
  pswpout: number;
  pgfault: number;
  pgmajfault: number;
  pgfree: number;
  pgactivate: number;
  pgdeactivate: number;
  pgrotated: number;
  pgscan_anon: number;
  pgsteal_anon: number;
  pglazyfreed: number;
  nr_vmscan_write: number;
  nr_vmscan_immediate_reclaim: number;
  // The reclaim paths beyond MADV_PAGEOUT (RECLAIM_PATH_EVENTS).
  pgscan_kswapd: number;
  pgscan_direct: number;
  pgsteal_kswapd: number;
  pgsteal_direct: number;
  pgrefill: number;
  pageoutrun: number;
  /** ALLOCSTALL of the one zone modelled (ZONE_NORMAL). */
  allocstall_normal: number;
  kswapd_low_wmark_hit_quickly: number;
  kswapd_high_wmark_hit_quickly: number;
  oom_kill: number;
  /** Time tasks spent in direct reclaim (try_to_free_pages, the psi memstall of __perform_reclaim), ns. */
  sim_direct_reclaim_ns: number;
  /** Time charging tasks spent in memcg limit reclaim (try_to_free_mem_cgroup_pages), ns. */
  sim_memcg_reclaim_ns: number;
  /** Zero-filled pages swapped out or in through the zeromap, without I/O (6.12). */
  swpout_zero: number;
  swpin_zero: number;
  /** Pages zswap stored and loaded (compressed in memory, no device I/O). */
  zswpout: number;
  zswpin: number;
  // The page cache (FILE_EVENTS): reported only by a run that has files.
  pgscan_file: number;
  pgsteal_file: number;
  /** Node page states, reported as their change: NR_FILE_PAGES, NR_FILE_DIRTY, NR_WRITEBACK (file folios). */
  nr_file_pages: number;
  nr_dirty: number;
  nr_writeback: number;
  /** NR_DIRTIED, NR_WRITTEN: file pages dirtied and written back. */
  nr_dirtied: number;
  nr_written: number;
  workingset_refault_file: number;
  /** The global dirty thresholds (pages) at their last evaluation (a gauge, as /proc/vmstat computes it on read). */
  nr_dirty_threshold: number;
  nr_dirty_background_threshold: number;
  /** Time tasks slept in balance_dirty_pages, ns. */
  sim_dirty_throttled_ns: number;
  /** Pages the flusher wrote (its share of nr_written). */
  sim_flusher_written: number;
  /** Folios reclaim freed (nr_reclaimed summed over shrink_folio_list calls). */
  sim_nr_reclaimed: number;
  /** Batched reclaim flush rounds (arch_tlbbatch_flush calls that reached another CPU). */
  sim_tlbbatch_flush_remote: number;
  /** flush_tlb_batched_pending calls that found deferred unmaps and flushed the mm. */
  sim_batched_pending_flush: number;
  /** Time the reclaiming tasks spent waiting for flush acknowledgements, ns. */
  sim_ipi_wait_ns: number;
}

export function make_vm_events(): VmEvents {
  return {
    pgpgin: 0,
    pgpgout: 0,
    pswpin: 0,
    pswpout: 0,
    pgfault: 0,
    pgmajfault: 0,
    pgfree: 0,
    pgactivate: 0,
    pgdeactivate: 0,
    pgrotated: 0,
    pgscan_anon: 0,
    pgsteal_anon: 0,
    pglazyfreed: 0,
    nr_vmscan_write: 0,
    nr_vmscan_immediate_reclaim: 0,
    pgscan_kswapd: 0,
    pgscan_direct: 0,
    pgsteal_kswapd: 0,
    pgsteal_direct: 0,
    pgrefill: 0,
    pageoutrun: 0,
    allocstall_normal: 0,
    kswapd_low_wmark_hit_quickly: 0,
    kswapd_high_wmark_hit_quickly: 0,
    oom_kill: 0,
    sim_direct_reclaim_ns: 0,
    sim_memcg_reclaim_ns: 0,
    swpout_zero: 0,
    swpin_zero: 0,
    zswpout: 0,
    zswpin: 0,
    pgscan_file: 0,
    pgsteal_file: 0,
    nr_file_pages: 0,
    nr_dirty: 0,
    nr_writeback: 0,
    nr_dirtied: 0,
    nr_written: 0,
    workingset_refault_file: 0,
    nr_dirty_threshold: 0,
    nr_dirty_background_threshold: 0,
    sim_dirty_throttled_ns: 0,
    sim_flusher_written: 0,
    sim_nr_reclaimed: 0,
    sim_tlbbatch_flush_remote: 0,
    sim_batched_pending_flush: 0,
    sim_ipi_wait_ns: 0,
  };
}

/**
 * The counters only kswapd, direct and memcg reclaim move. A MADV_PAGEOUT experiment that
 * configures none of them reports them only if they moved, so its results stay as they were
 * before these paths existed.
 */
export const RECLAIM_PATH_EVENTS: readonly (keyof VmEvents)[] = [
  'pgscan_kswapd',
  'pgscan_direct',
  'pgsteal_kswapd',
  'pgsteal_direct',
  'pgrefill',
  'pageoutrun',
  'allocstall_normal',
  'kswapd_low_wmark_hit_quickly',
  'kswapd_high_wmark_hit_quickly',
  'oom_kill',
  'sim_direct_reclaim_ns',
  'sim_memcg_reclaim_ns',
];

/**
 * The page-cache counters. A run without files leaves them out of its results, so that
 * results of anonymous scenarios stay as they were before files existed.
 */
export const FILE_EVENTS: readonly (keyof VmEvents)[] = [
  'pgscan_file',
  'pgsteal_file',
  'nr_file_pages',
  'nr_dirty',
  'nr_writeback',
  'nr_dirtied',
  'nr_written',
  'workingset_refault_file',
];

/**
 * The flusher's and dirty throttling's counters: reported only by a run where they moved (a
 * run whose dirty data never reached a threshold nor aged, nor evaluated the limits, reports
 * what it did before the flusher existed).
 */
export const WRITEBACK_EVENTS: readonly (keyof VmEvents)[] = ['nr_dirty_threshold', 'nr_dirty_background_threshold', 'sim_dirty_throttled_ns', 'sim_flusher_written'];
