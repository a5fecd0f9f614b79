import { assert } from '../engine/assert.js';
import { Yield, type TaskBody } from '../engine/simulator.js';
import type { MmStruct, Vma } from '../mm/mm_struct.js';
import type { Kernel, ReclaimTask } from '../reclaim/kernel.js';
import { do_madvise_pageout } from '../reclaim/madvise.js';
import { access } from './fault.js';

/** What the madvise-calling thread does (the scenario's `pageout` section). */
export interface PageoutPlan {
  vma: Vma;
  /** Pages per madvise call, or null for one call over the whole region. */
  chunk_pages: number | null;
  /** dirty: page out written memory; clean: page out, wait, read all back, page out again. */
  mode: 'dirty' | 'clean';
  /** Time before the first pageout, during which only the applications run. */
  baseline_ns: number;
}

/** Where the experiment's phases begin and end, for the counters and throughput windows. */
export interface PhaseMarks {
  begin(name: string, t_ns: number): void;
  end(name: string, t_ns: number): void;
}

/** Interval at which a waiting thread checks for outstanding writeback, ns. */
const WRITEBACK_POLL_NS = 50_000;
const WRITEBACK_POLLS_MAX = 10_000_000;

/** madvise(MADV_PAGEOUT) over the region, whole or chunk by chunk. */
function* pageout(k: Kernel, rt: ReclaimTask, mm: MmStruct, plan: PageoutPlan): Generator<Yield, void, void> {
  const { start_vpn, end_vpn } = plan.vma;
  const step = plan.chunk_pages ?? end_vpn - start_vpn;
  for (let vpn = start_vpn; vpn < end_vpn; vpn += step) {
    yield* do_madvise_pageout(k, rt, mm, vpn, Math.min(end_vpn, vpn + step));
  }
}

/** Sleeps until the swap device and the file disk have no request in flight (as a program waiting for writeback would). */
function* wait_for_writeback(k: Kernel, rt: ReclaimTask): Generator<Yield, void, void> {
  const device = k.swap_io.device;
  const file_device = k.file_io?.device ?? null;
  for (let polls = 0; (device !== null && device.nr_in_flight > 0) || (file_device !== null && file_device.nr_in_flight > 0); polls++) {
    assert(polls < WRITEBACK_POLLS_MAX, 'writeback never completed');
    rt.task.now_ns += WRITEBACK_POLL_NS;
    yield Yield.resume;
  }
}

/**
 * The experiment of the seed author (lkml-review 4.1) and of the spec's worked counts, as
 * the thread on the pageout CPU runs it: wait out the baseline window; in clean mode page
 * the region out once, wait for writeback and read every page back; then the measured
 * pageout, and its writeback.
 */
export function* madvise_caller(k: Kernel, rt: ReclaimTask, mm: MmStruct, plan: PageoutPlan, marks: PhaseMarks): TaskBody {
  const task = rt.task;
  marks.begin('baseline', task.now_ns);
  task.now_ns += plan.baseline_ns;
  yield Yield.resume;
  marks.end('baseline', task.now_ns);
  if (plan.mode === 'clean') {
    marks.begin('first-pageout', task.now_ns);
    yield* pageout(k, rt, mm, plan);
    yield* wait_for_writeback(k, rt);
    marks.end('first-pageout', task.now_ns);
    marks.begin('read-back', task.now_ns);
    for (let vpn = plan.vma.start_vpn; vpn < plan.vma.end_vpn; vpn++) yield* access(k, rt, mm, vpn, false);
    marks.end('read-back', task.now_ns);
  }
  marks.begin('pageout', task.now_ns);
  yield* pageout(k, rt, mm, plan);
  marks.end('pageout', task.now_ns);
  marks.begin('writeback', task.now_ns);
  yield* wait_for_writeback(k, rt);
  marks.end('writeback', task.now_ns);
}
