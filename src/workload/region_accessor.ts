import { assert } from '../engine/assert.js';
import type { Prng } from '../engine/prng.js';
import { Yield, type TaskBody } from '../engine/simulator.js';
import type { MmStruct, Vma } from '../mm/mm_struct.js';
import type { Kernel, ReclaimTask } from '../reclaim/kernel.js';
import { kernel_span, type AppThread } from './app_thread.js';
import { access } from './fault.js';
import { RACE_MOVED } from './racer.js';

export interface RegionAccessPlan {
  vma: Vma;
  /** Read, write, or either at random (mixed: a write often goes through an entry a read filled). */
  mode: 'read' | 'write' | 'mixed';
  interval_ns: number;
  /** Per page of the region, 1 while a racing mprotect keeps it read-only: the thread only reads it then; RACE_MOVED while an mremap has it elsewhere: it skips it. */
  read_only: Uint8Array;
  /** Set when the experiment is over: the accessor stops. */
  stopped: () => boolean;
}

/** A bound on accesses per thread, far above any scenario's need. */
const ACCESSES_MAX = 100_000_000;

/**
 * Explicit accesses of an application thread to the region being paged out: every
 * `interval_ns` it reads or writes one random page of it through its CPU's TLB — so it may
 * hit a translation reclaim has cleared but not yet flushed, or fault the page back in while
 * reclaim holds it. This is what makes lost writes and use-after-free observable (the
 * oracle's data checks). The time its faults take is taken from the thread's operations.
 */
export function* region_accessor(
  k: Kernel,
  rt: ReclaimTask,
  mm: MmStruct,
  thread: AppThread,
  prng: Prng,
  plan: RegionAccessPlan,
): TaskBody {
  const pages = plan.vma.end_vpn - plan.vma.start_vpn;
  for (let n = 0; ; n++) {
    assert(n < ACCESSES_MAX, 'region accessor did not stop');
    rt.task.now_ns += plan.interval_ns;
    yield Yield.resume;
    if (plan.stopped()) return;
    const page = prng.range_inclusive(0, pages - 1);
    const vpn = plan.vma.start_vpn + page;
    const write = (plan.mode === 'write' || (plan.mode === 'mixed' && prng.chance(1, 2))) && plan.read_only[page] === 0;
    // A page a racing mremap moved away: the access waits for the mmap lock, then finds a hole.
    if (plan.read_only[page] === RACE_MOVED) continue;
    yield* kernel_span(thread, rt, access(k, rt, mm, vpn, write));
  }
}
