/**
 * Dirty throttling of the task that dirties page-cache folios (mm/page-writeback.c,
 * balance_dirty_pages_ratelimited and balance_dirty_pages, 6.12), in its simplest faithful
 * form: one global domain, no per-bdi share and no bandwidth estimate, so no proportional
 * pacing between the free-run ceiling and the limit (the kernel slows the task there by
 * pos_ratio; here it runs free up to the limit); past the limit the task sleeps until
 * writeback brings dirty + writeback pages down to it.
 */
import { assert } from '../engine/assert.js';
import { Yield } from '../engine/simulator.js';
import { must_sync, type Kernel, type ReclaimTask } from './kernel.js';
import { note_dirty_limits } from './page_writeback.js';

/** A bound on one task's sleeps in one balance_dirty_pages. */
const THROTTLE_SLEEPS_MAX = 10_000_000;

/** ilog2 of a positive integer. */
function ilog2(x: number): number {
  return 31 - Math.clz32(x);
}

/** dirty_poll_interval: how many pages a free-running task may dirty before it looks again, sqrt-ish of the distance to the limit. */
function dirty_poll_interval(dirty: number, thresh: number): number {
  return thresh > dirty ? 1 << (ilog2(thresh - dirty) >> 1) : 1;
}

/**
 * balance_dirty_pages_ratelimited after the task dirtied a page-cache folio of a file
 * (fault_dirty_shared_page): every nr_dirtied_pause pages it dirtied, balance_dirty_pages.
 * The per-CPU bdp_ratelimits and dirty_throttle_leaks are not modelled.
 */
export function* balance_dirty_pages_ratelimited(k: Kernel, rt: ReclaimTask): Generator<Yield, void, void> {
  if (++rt.nr_dirtied < rt.nr_dirtied_pause) return;
  yield* balance_dirty_pages(k, rt);
}

/**
 * balance_dirty_pages: past the background threshold (NR_FILE_DIRTY) it starts background
 * writeback; at or below the free-run ceiling ((limit + background) / 2 of dirty +
 * writeback) it sets the next poll interval and returns; past the limit it sleeps — counted
 * in sim_dirty_throttled_ns — until writeback progress wakes it, and looks again.
 */
export function* balance_dirty_pages(k: Kernel, rt: ReclaimTask): Generator<Yield, void, void> {
  const wb = k.flusher;
  if (wb === null) return;
  const vm = k.pgdat.vm;
  for (let sleeps = 0; ; sleeps++) {
    assert(sleeps < THROTTLE_SLEEPS_MAX, 'a task stays throttled in balance_dirty_pages');
    if (must_sync(k, rt)) yield Yield.resume;
    const limits = wb.limits();
    const dirty = vm.nr_dirty + vm.nr_writeback;
    if (vm.nr_dirty > limits.bg_thresh && !wb.in_progress()) wb.wb_start_background_writeback(rt.task.now_ns);
    const freerun = Math.floor((limits.thresh + limits.bg_thresh) / 2);
    if (dirty <= freerun || dirty <= limits.thresh) {
      rt.nr_dirtied = 0;
      rt.nr_dirtied_pause = dirty <= freerun ? dirty_poll_interval(dirty, limits.thresh) : 1;
      if (dirty > freerun) note_dirty_limits(k, limits);
      return;
    }
    note_dirty_limits(k, limits);
    if (!wb.in_progress()) wb.wb_start_background_writeback(rt.task.now_ns);
    if (k.probe !== null) k.probe.dirty_throttled();
    const start_ns = rt.task.now_ns;
    wb.throttled.push(rt.task);
    yield Yield.sleep;
    vm.sim_dirty_throttled_ns += rt.task.now_ns - start_ns;
  }
}
