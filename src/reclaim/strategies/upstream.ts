import type { ReclaimStrategy } from '../strategy.js';

/**
 * Linux 6.12 (kernel-spec A17.5): each dirty folio flushes the task's deferred TLB batch if
 * any deferred PTE was dirty, then is written at once.
 */
export const upstream: ReclaimStrategy = {
  name: 'upstream',
  description: 'Linux 6.12: try_to_unmap_flush_dirty() then pageout() for each dirty folio',
  *dirty_folio(ctx, pfn) {
    yield* ctx.try_to_unmap_flush_dirty();
    yield* ctx.pageout_one(pfn);
  },
  *after_main_loop() {},
};
