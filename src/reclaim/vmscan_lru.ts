/**
 * What the classic and the multi-generational LRU reclaim of mm/vmscan.c share: the reclaim
 * kind, the cgroup of an lruvec, whether anon pages can be reclaimed, the put-back of
 * isolated folios and the PGSCAN/PGSTEAL counts.
 */
import { FolioList, NIL, PG_active, PG_lru, PG_unevictable } from '../mm/folio.js';
import type { Lruvec } from '../mm/lru.js';
import { mem_cgroup_uncharge, type MemCgroup } from '../mm/memcontrol.js';
import type { PgData } from '../mm/pgdat.js';
import type { Kernel, ReclaimTask } from './kernel.js';
import { NO_TARGET_MEMCG, type ScanControl } from './scan_control.js';

/** cgroup_reclaim(sc): reclaim on behalf of a memory cgroup's limit. */
export function cgroup_reclaim(sc: ScanControl): boolean {
  return sc.target_memcg !== NO_TARGET_MEMCG;
}

/** The cgroup charged for an lruvec's pages, for its memory.stat counters (null: the root). */
export function lruvec_memcg(pgdat: PgData, lruvec: Lruvec): MemCgroup | null {
  return pgdat.memcgs[lruvec.memcg_id] ?? null;
}

/** can_reclaim_anon_pages: a swap slot is free (no memcg swap limit is modelled). */
export function can_reclaim_anon_pages(pgdat: PgData): boolean {
  return pgdat.swap.get_nr_swap_pages() > 0;
}

/**
 * move_folios_to_lru (mm/vmscan.c; kernel-spec E3): each folio of `list`, from its tail, back
 * at the head of its LRU list (active or inactive by its flag), dropping the isolation
 * reference; one whose last reference that was is uncharged and freed instead. Returns the
 * pages moved.
 */
export function move_folios_to_lru(k: Kernel, rt: ReclaimTask, list: FolioList): number {
  const pgdat = k.pgdat;
  const f = pgdat.folios;
  let nr_moved = 0;
  for (let pfn = list.pop_tail(); pfn !== NIL; pfn = list.pop_tail()) {
    rt.task.now_ns += k.machine.cost.putback_folio_ns;
    if (f.test(pfn, PG_unevictable)) {
      pgdat.fbatches.folio_putback_lru(rt.cpu, pfn);
      continue;
    }
    f.set(pfn, PG_lru);
    if (f.put(pfn)) {
      f.clear(pfn, PG_lru | PG_active | PG_unevictable);
      mem_cgroup_uncharge(f, pgdat.memcgs, pfn);
      pgdat.vm.pgfree += f.nr(pfn);
      f.free(pfn);
      continue;
    }
    pgdat.fbatches.folio_lruvec(pfn).lruvec_add_folio(pfn);
    nr_moved += f.nr(pfn);
  }
  return nr_moved;
}

/** PGSCAN_KSWAPD/PGSCAN_DIRECT (global reclaim only) and the cgroup's, plus PGSCAN_ANON or PGSCAN_FILE. */
export function count_pgscan(k: Kernel, rt: ReclaimTask, sc: ScanControl, lruvec: Lruvec, nr_scanned: number, file: boolean): void {
  const vm = k.pgdat.vm;
  const memcg = lruvec_memcg(k.pgdat, lruvec);
  if (rt.is_kswapd) {
    if (!cgroup_reclaim(sc)) vm.pgscan_kswapd += nr_scanned;
    if (memcg !== null) memcg.stat.pgscan_kswapd += nr_scanned;
  } else {
    if (!cgroup_reclaim(sc)) vm.pgscan_direct += nr_scanned;
    if (memcg !== null) memcg.stat.pgscan_direct += nr_scanned;
  }
  if (file) vm.pgscan_file += nr_scanned;
  else vm.pgscan_anon += nr_scanned;
}

/** PGSTEAL_KSWAPD/PGSTEAL_DIRECT (global reclaim only) and the cgroup's, plus PGSTEAL_ANON or PGSTEAL_FILE. */
export function count_pgsteal(k: Kernel, rt: ReclaimTask, sc: ScanControl, lruvec: Lruvec, nr_reclaimed: number, file: boolean): void {
  const vm = k.pgdat.vm;
  const memcg = lruvec_memcg(k.pgdat, lruvec);
  if (rt.is_kswapd) {
    if (!cgroup_reclaim(sc)) vm.pgsteal_kswapd += nr_reclaimed;
    if (memcg !== null) memcg.stat.pgsteal_kswapd += nr_reclaimed;
  } else {
    if (!cgroup_reclaim(sc)) vm.pgsteal_direct += nr_reclaimed;
    if (memcg !== null) memcg.stat.pgsteal_direct += nr_reclaimed;
  }
  if (file) vm.pgsteal_file += nr_reclaimed;
  else vm.pgsteal_anon += nr_reclaimed;
}
