/**
 * The page allocator's watermark checks and slow path for an order-0 user page
 * (mm/page_alloc.c; kernel-spec E5, E7): above the low watermark a page is taken at once;
 * otherwise kswapd is woken, a page is taken if free pages stay above the min watermark,
 * and below it the allocating task reclaims directly and retries.
 */
import { assert } from '../engine/assert.js';
import { Yield } from '../engine/simulator.js';
import { NIL } from '../mm/folio.js';
import { zone_watermark_ok } from '../mm/zone.js';
import { must_sync, type Kernel, type ReclaimTask } from './kernel.js';
import { MAX_RECLAIM_RETRIES } from './scan_control.js';
import { try_to_free_pages, zone_reclaimable_pages } from './shrink_node.js';

/** A bound on the slow path's reclaim-and-retry loop (should_reclaim_retry ends it far sooner). */
const SLOWPATH_LOOPS_MAX = 1_000_000;

/** rmqueue: take a free page; the watermark check before it guarantees one. */
function rmqueue(k: Kernel): number {
  const pfn = k.pgdat.folios.alloc();
  assert(pfn !== NIL, 'a watermark check passed with no free page');
  return pfn;
}

/**
 * alloc_pages for one order-0 page of a user fault (GFP_HIGHUSER_MOVABLE): the fast path of
 * get_page_from_freelist with ALLOC_WMARK_LOW, else __alloc_pages_slowpath. Returns the pfn,
 * or NIL when the allocation failed and the task was OOM-killed.
 */
export function* alloc_pages(k: Kernel, rt: ReclaimTask): Generator<Yield, number, void> {
  const pfn = alloc_pages_fast(k);
  if (pfn !== NIL) return pfn;
  return yield* alloc_pages_slowpath(k, rt);
}

/**
 * The fast path alone, as a plain function for hot callers: a page when free pages are above
 * the low watermark, else NIL (the caller then runs alloc_pages_slowpath).
 */
export function alloc_pages_fast(k: Kernel): number {
  if (zone_watermark_ok(k.pgdat.folios.nr_free_pages, k.pgdat.zone.low_wmark_pages())) return rmqueue(k);
  return NIL;
}

/**
 * __alloc_pages_slowpath (mm/page_alloc.c): wake kswapd (wake_all_kswapds), try again against
 * the min watermark, else direct reclaim (__alloc_pages_direct_reclaim → try_to_free_pages,
 * ALLOCSTALL) and try again; should_reclaim_retry gives up after MAX_RECLAIM_RETRIES passes
 * without progress, or when even reclaiming everything reclaimable could not lift free pages
 * above the min watermark; then the OOM killer takes the allocating task and NIL is returned.
 */
export function* alloc_pages_slowpath(k: Kernel, rt: ReclaimTask): Generator<Yield, number, void> {
  const pgdat = k.pgdat;
  const zone = pgdat.zone;
  let no_progress_loops = 0;
  for (let loops = 0; ; loops++) {
    assert(loops < SLOWPATH_LOOPS_MAX, 'the allocator slow path does not converge');
    if (must_sync(k, rt)) yield Yield.resume;
    k.kswapd?.wakeup_kswapd(rt.task.now_ns, rt.cpu);
    if (zone_watermark_ok(pgdat.folios.nr_free_pages, zone.min_wmark_pages())) return rmqueue(k);
    const progress = yield* try_to_free_pages(k, rt);
    if (must_sync(k, rt)) yield Yield.resume;
    if (progress > 0 && zone_watermark_ok(pgdat.folios.nr_free_pages, zone.min_wmark_pages())) return rmqueue(k);
    // should_reclaim_retry
    no_progress_loops = progress > 0 ? 0 : no_progress_loops + 1;
    const available = zone_reclaimable_pages(pgdat) + pgdat.folios.nr_free_pages;
    if (no_progress_loops > MAX_RECLAIM_RETRIES || !zone_watermark_ok(available, zone.min_wmark_pages())) {
      // __alloc_pages_may_oom → out_of_memory: the victim is modelled as the allocating task
      // (as for the memcg OOM path); its memory is not reaped.
      pgdat.vm.oom_kill++;
      rt.oom_killed = true;
      return NIL;
    }
  }
}
