/**
 * Dirty throttling of the task that dirties page-cache folios (mm/page-writeback.c,
 * balance_dirty_pages_ratelimited and balance_dirty_pages, 6.12), in its simplest faithful
 * form: one global domain, no per-bdi share and no bandwidth estimate, so no proportional
 * pacing between the free-run ceiling and the limit (the kernel slows the task there by
 * pos_ratio; here it runs free up to the limit); past the limit the task sleeps until
 * writeback brings dirty + writeback pages down to it. "The limit" is the current dirty
 * threshold: the kernel's pos_ratio reaches 0 at max(thresh, dom->dirty_limit), a limit set
 * at boot that follows thresh down only slowly (1/32 per update), so with a falling
 * threshold the kernel pauses later than the model.
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

/** A jiffy at Debian's HZ=250, ns. */
const JIFFY_NS = 4_000_000;
/** MAX_PAUSE: HZ/5 jiffies (200 ms). */
const MAX_PAUSE_JIFFIES = 50;
/**
 * 1 + bw / roundup_pow_of_two(1 + HZ/8) of wb_max_pause, with bw the initial write bandwidth
 * estimate (INIT_BW: 100 MB/s, 25600 pages/s; the estimate is not modelled): 1 + 25600 / 32.
 */
const MAX_PAUSE_DIVISOR = 801;

/**
 * wb_max_pause (mm/page-writeback.c): the longest a throttled task sleeps at once, one jiffy
 * per 801 dirty pages plus one, at most MAX_PAUSE.
 */
export function wb_max_pause_ns(wb_dirty: number): number {
  return Math.min(Math.floor(wb_dirty / MAX_PAUSE_DIVISOR) + 1, MAX_PAUSE_JIFFIES) * JIFFY_NS;
}

/**
 * balance_dirty_pages: past the background threshold (NR_FILE_DIRTY) it starts background
 * writeback; at or below the free-run ceiling ((limit + background) / 2 of dirty +
 * writeback pages) it sets the next poll interval and returns. At or past the limit
 * (wb_position_ratio 0, so task_ratelimit 0) it sleeps wb_max_pause — counted in
 * sim_dirty_throttled_ns — and looks again, unless the device's dirty + writeback pages are
 * within wb_stat_error (nr_cpu_ids x WB_STAT_BATCH), where one pause is all (the kernel's
 * "pipe" for small dirty counts). Between the ceiling and the limit the kernel paces the task
 * by pos_ratio; not modelled, it runs free there.
 */
export function* balance_dirty_pages(k: Kernel, rt: ReclaimTask): Generator<Yield, void, void> {
  const wb = k.flusher;
  if (wb === null) return;
  const vm = k.pgdat.vm;
  const nr_cpus = k.machine.nr_cpus;
  const wb_stat_error = nr_cpus * 8 * (1 + ilog2(nr_cpus));
  for (let sleeps = 0; ; sleeps++) {
    assert(sleeps < THROTTLE_SLEEPS_MAX, 'a task stays throttled in balance_dirty_pages');
    if (must_sync(k, rt)) yield Yield.resume;
    const limits = wb.limits();
    const dirty = vm.nr_dirty + vm.nr_writeback;
    if (vm.nr_dirty > limits.bg_thresh && !wb.in_progress()) wb.wb_start_background_writeback(rt.task.now_ns);
    const freerun = Math.floor((limits.thresh + limits.bg_thresh) / 2);
    rt.nr_dirtied = 0;
    rt.nr_dirtied_pause = dirty_poll_interval(dirty, limits.thresh);
    if (dirty <= freerun) return;
    note_dirty_limits(k, limits);
    if (!wb.in_progress()) wb.wb_start_background_writeback(rt.task.now_ns);
    if (dirty < limits.thresh) return;
    if (k.probe !== null) k.probe.dirty_throttled();
    const pause_ns = wb_max_pause_ns(dirty);
    rt.task.now_ns += pause_ns;
    vm.sim_dirty_throttled_ns += pause_ns;
    yield Yield.resume;
    if (dirty <= wb_stat_error) return;
  }
}
