import { NIL, PG_writeback } from '../../mm/folio.js';
import type { ReclaimStrategy } from '../strategy.js';

/**
 * reclaimsim's own design: one flush for all the dirty folios of a shrink_folio_list call,
 * and every folio leaves through the same exits as upstream.
 *
 * A dirty folio ready for writing is unlocked and held on the call's deferred list, so a
 * fault on it is not blocked while the rest of the list is scanned. After the main loop, one
 * try_to_unmap_flush_dirty() covers every PTE deferred so far; then each folio in turn is
 * re-locked with trylock, re-checked — one whose lock someone else holds, that was mapped
 * again after the flush or is under writeback, is returned as upstream returns a folio it
 * cannot reclaim — and sent through upstream's pageout_one: written, then freed (free batch,
 * uncharge), activated or kept exactly as upstream does. Flushing before re-locking is safe:
 * only a fault can map an isolated folio again, and the re-check sees it; and each lock is
 * held only while its own folio is written, not across the batch (the seed patch's defect 6).
 */
export const batched: ReclaimStrategy = {
  name: 'batched',
  description: 'One TLB flush per shrink_folio_list call; dirty folios wait unlocked, then each is locked, re-checked and leaves by the upstream exits',
  *dirty_folio(ctx, pfn) {
    ctx.folios.unlock(pfn);
    ctx.deferred.add(pfn);
  },
  *after_main_loop(ctx) {
    if (ctx.deferred.count === 0) return;
    const f = ctx.folios;
    yield* ctx.try_to_unmap_flush_dirty();
    for (let pfn = ctx.deferred.pop_tail(); pfn !== NIL; pfn = ctx.deferred.pop_tail()) {
      if (!f.trylock(pfn)) {
        ctx.keep(pfn);
        continue;
      }
      if (ctx.mapped(pfn) || f.test(pfn, PG_writeback)) {
        ctx.keep_locked(pfn);
        continue;
      }
      yield* ctx.pageout_one(pfn);
    }
  },
};
