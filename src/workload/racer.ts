import { assert } from '../engine/assert.js';
import type { Prng } from '../engine/prng.js';
import { Yield, type TaskBody } from '../engine/simulator.js';
import { PTRS_PER_PTE, type MmStruct, type Vma } from '../mm/mm_struct.js';
import { must_sync, type Kernel, type ReclaimTask } from '../reclaim/kernel.js';
import type { RaceOp } from '../scenario/schema.js';
import { kernel_span, type AppThread } from './app_thread.js';
import { move_page_tables } from './mremap.js';
import { change_protection, zap_page_range } from './zap.js';

export interface RacePlan {
  vma: Vma;
  ops: readonly RaceOp[];
  pages: number;
  interval_ns: number;
  /** Shared with the region's accessors: pages a racing mprotect keeps read-only (1), or an mremap moved away (RACE_MOVED). */
  read_only: Uint8Array;
  /** Where a racing mremap moves pages to: `pages` free virtual pages of the mm, or null. */
  scratch_vpn: number | null;
  /** Set when the experiment is over: the thread stops. */
  stopped: () => boolean;
}

/** read_only's mark of a page an mremap moved away: the accessors leave it alone (the mmap lock and then a hole). */
export const RACE_MOVED = 2;

/** A bound on operations, far above any scenario's need. */
const OPS_MAX = 10_000_000;

/**
 * A thread of the process that, every `interval_ns`, changes a random part of the region
 * reclaim is working on: munmap (and a MAP_FIXED mmap of the same range: the pages come back
 * zeroed), MADV_DONTNEED, mprotect(PROT_READ) and, an interval later, back to read-write, or
 * mremap to a free address and, an interval later, back (MREMAP_FIXED to the old range).
 * Each is a race with reclaim's deferred flushes (kernel-spec B12), checked by the oracle
 * when the call returns.
 */
export function* racer(k: Kernel, rt: ReclaimTask, mm: MmStruct, thread: AppThread, prng: Prng, plan: RacePlan): TaskBody {
  const region = plan.vma.end_vpn - plan.vma.start_vpn;
  for (let n = 0; ; n++) {
    assert(n < OPS_MAX, 'racing thread did not stop');
    rt.task.now_ns += plan.interval_ns;
    yield Yield.resume;
    if (plan.stopped()) return;
    const op = plan.ops[prng.range_inclusive(0, plan.ops.length - 1)] as RaceOp;
    const offset = prng.range_inclusive(0, region - plan.pages);
    const start = plan.vma.start_vpn + offset;
    const end = start + plan.pages;
    if (op === 'mprotect') {
      yield* kernel_span(thread, rt, range_op(k, rt, mm, start, end, 'mprotect(PROT_READ)', change_protection(k, rt, mm, start, end, false)));
      plan.read_only.fill(1, offset, offset + plan.pages);
      rt.task.now_ns += plan.interval_ns;
      yield Yield.resume;
      yield* kernel_span(thread, rt, range_op(k, rt, mm, start, end, 'mprotect(PROT_READ|PROT_WRITE)', change_protection(k, rt, mm, start, end, true)));
      plan.read_only.fill(0, offset, offset + plan.pages);
      continue;
    }
    if (op === 'mremap') {
      yield* mremap_away_and_back(k, rt, mm, thread, plan, offset);
      continue;
    }
    // Page tables go only when the range covers a whole PMD (free_pgtables).
    const freed_tables = op === 'munmap' && start % PTRS_PER_PTE === 0 && plan.pages === PTRS_PER_PTE;
    const name = op === 'munmap' ? 'munmap' : 'madvise(MADV_DONTNEED)';
    yield* kernel_span(thread, rt, range_op(k, rt, mm, start, end, name, zap_page_range(k, rt, mm, start, end, freed_tables)));
  }
}

/** One system call over [start, end): its entry, its body, and — once every flush it sent is done — the oracle's check. */
function* range_op(k: Kernel, rt: ReclaimTask, mm: MmStruct, start: number, end: number, name: string, body: Generator<Yield, void, void>): Generator<Yield, void, void> {
  rt.task.now_ns += k.machine.cost.syscall_ns;
  if (must_sync(k, rt)) yield Yield.resume;
  if (k.probe !== null) k.probe.range_op_begin(mm);
  yield* body;
  if (must_sync(k, rt)) yield Yield.resume;
  if (k.probe !== null) k.probe.range_op_end(mm, start, end, name);
}

/**
 * mremap(MREMAP_MAYMOVE|MREMAP_FIXED) of the range to the scratch address, and an interval
 * later back; the accessors stay off it from the first call until the second returns. Moving
 * back unmaps whatever a racing fault mapped at the old range meanwhile (MREMAP_FIXED's
 * do_munmap of the destination).
 */
function* mremap_away_and_back(k: Kernel, rt: ReclaimTask, mm: MmStruct, thread: AppThread, plan: RacePlan, offset: number): Generator<Yield, void, void> {
  const start = plan.vma.start_vpn + offset;
  const scratch = plan.scratch_vpn as number;
  plan.read_only.fill(RACE_MOVED, offset, offset + plan.pages);
  yield* kernel_span(thread, rt, range_op(k, rt, mm, start, start + plan.pages, 'mremap', move_page_tables(k, rt, mm, start, scratch, plan.pages)));
  rt.task.now_ns += plan.interval_ns;
  yield Yield.resume;
  yield* kernel_span(thread, rt, range_op(k, rt, mm, scratch, scratch + plan.pages, 'mremap back', move_back(k, rt, mm, scratch, start, plan.pages)));
  plan.read_only.fill(0, offset, offset + plan.pages);
}

function* move_back(k: Kernel, rt: ReclaimTask, mm: MmStruct, from: number, to: number, nr: number): Generator<Yield, void, void> {
  if (mm.pte.subarray(to, to + nr).some((pte) => pte !== 0)) yield* zap_page_range(k, rt, mm, to, to + nr, false);
  yield* move_page_tables(k, rt, mm, from, to, nr);
}
