import { NO_WAIT, type MayWait, type Yield } from '../../engine/simulator.js';
import type { ShrinkContext } from '../shrink_context.js';
import type { ReclaimStrategy } from '../strategy.js';

/**
 * Linux 6.12 (kernel-spec A17.5): each dirty folio flushes the task's deferred TLB batch if
 * any deferred PTE was dirty, then is written at once. A plain function returning MayWait,
 * not a generator: it runs once per dirty folio and rarely waits (see engine/simulator.ts).
 */
export const upstream: ReclaimStrategy = {
  name: 'upstream',
  description: 'Linux 6.12: try_to_unmap_flush_dirty() then pageout() for each dirty folio',
  dirty_folio(ctx, pfn) {
    const flush = ctx.try_to_unmap_flush_dirty();
    return flush === NO_WAIT ? ctx.pageout_one(pfn) : flush_then_pageout(ctx, pfn, flush);
  },
  *after_main_loop() {},
};

/** The same two steps when the flush must wait first. */
function* flush_then_pageout(ctx: ShrinkContext, pfn: number, flush: MayWait): Generator<Yield, void, void> {
  yield* flush;
  yield* ctx.pageout_one(pfn);
}
