import { NIL, PG_writeback } from '../../mm/folio.js';
import type { ReclaimStrategy } from '../strategy.js';

/**
 * reclaimsim's own design: one flush for all the dirty folios of a shrink_folio_list call,
 * and every folio leaves through the same exits as upstream.
 *
 * A dirty folio ready for writing is unlocked and held on the call's deferred list, so a
 * fault on it is not blocked while the rest of the list is scanned. After the main loop each
 * is re-locked with trylock and re-checked: one whose lock someone else holds, that was
 * mapped again or is under writeback, is returned as upstream returns a folio it cannot
 * reclaim. Then one try_to_unmap_flush_dirty() covers every deferred PTE, and each folio goes
 * through upstream's pageout_one: written, then freed (free batch, uncharge), activated or
 * kept exactly as upstream does (pageout itself re-checks references, mapping and dirt).
 */
export const batched: ReclaimStrategy = {
  name: 'batched',
  description: 'One TLB flush per shrink_folio_list call; dirty folios wait unlocked, are re-checked, then leave by the upstream exits',
  *dirty_folio(ctx, pfn) {
    ctx.folios.unlock(pfn);
    ctx.deferred.add(pfn);
  },
  *after_main_loop(ctx) {
    const f = ctx.folios;
    const locked: number[] = [];
    for (let pfn = ctx.deferred.pop_tail(); pfn !== NIL; pfn = ctx.deferred.pop_tail()) {
      if (!f.trylock(pfn)) {
        ctx.keep(pfn);
        continue;
      }
      if (ctx.mapped(pfn) || f.test(pfn, PG_writeback)) {
        ctx.keep_locked(pfn);
        continue;
      }
      locked.push(pfn);
    }
    if (locked.length === 0) return;
    yield* ctx.try_to_unmap_flush_dirty();
    for (const pfn of locked) yield* ctx.pageout_one(pfn);
  },
};
