import type { Yield } from '../../engine/simulator.js';
import { NIL, PG_active, PG_dirty, PG_writeback } from '../../mm/folio.js';
import { PAGE_CLEAN, PAGE_SUCCESS, type ShrinkContext } from '../shrink_context.js';
import type { ReclaimStrategy } from '../strategy.js';

/**
 * folio_test_young: the page-idle "young" flag (CONFIG_PAGE_IDLE_FLAG), set only by idle-page
 * tracking, which the model does not run: always false here.
 */
function folio_test_young(_pfn: number): boolean {
  return false;
}

/**
 * The deferred pageout loop of the seed patch (lkml-review section 2), parameterised by what
 * v2 changed. Folios wait locked on ctx.deferred (added at the head, drained from the tail:
 * first in, first out); one try_to_unmap_flush_dirty(); then each is re-checked and written.
 * Kept exactly as posted, defects included: PAGE_ACTIVATE is handled like PAGE_KEEP (no
 * activation), and a folio freed from its mapping is counted reclaimed but never added to the
 * free batch — never uncharged, never freed (leaked).
 */
export function* deferred_pageout_loop(
  ctx: ShrinkContext,
  variant: { recheck_mapped_alone: boolean; reread_mapping: boolean; unfreeze_to_one: boolean },
): Generator<Yield, void, void> {
  if (ctx.deferred.count === 0) return;
  const f = ctx.folios;
  yield* ctx.try_to_unmap_flush_dirty();
  for (let pfn = ctx.deferred.pop_tail(); pfn !== NIL; pfn = ctx.deferred.pop_tail()) {
    // "Recheck if page got reactivated"
    const mapped_again = variant.recheck_mapped_alone ? ctx.mapped(pfn) : ctx.mapped(pfn) && folio_test_young(pfn);
    if (f.test(pfn, PG_active) || mapped_again) {
      ctx.keep_locked(pfn);
      continue;
    }
    let has_mapping = ctx.has_mapping(pfn);
    const result = yield* ctx.pageout(pfn);
    if (result !== PAGE_SUCCESS && result !== PAGE_CLEAN) {
      ctx.keep_locked(pfn);
      continue;
    }
    if (result === PAGE_SUCCESS) {
      ctx.stat.nr_pageout += f.nr(pfn);
      if (f.test(pfn, PG_writeback) || f.test(pfn, PG_dirty)) {
        ctx.keep(pfn);
        continue;
      }
      if (!f.trylock(pfn)) {
        ctx.keep(pfn);
        continue;
      }
      if (f.test(pfn, PG_dirty) || f.test(pfn, PG_writeback)) {
        ctx.keep_locked(pfn);
        continue;
      }
      if (variant.reread_mapping) has_mapping = ctx.has_mapping(pfn);
    }
    const removed = has_mapping && (variant.unfreeze_to_one ? ctx.remove_mapping_unfrozen(pfn) : ctx.remove_mapping_frozen(pfn));
    if (!removed) {
      ctx.keep_locked(pfn);
      continue;
    }
    // Counted as reclaimed, unlocked — and dropped: not on the free batch, not on any list.
    ctx.nr_reclaimed += f.nr(pfn);
    f.unlock(pfn);
  }
}

/** The patch as posted in January 2025 (seed/000_0f47158b6772809f.txt). */
export const seed_v1: ReclaimStrategy = {
  name: 'seed-v1',
  description: 'Jan 2025 patch as posted: dirty folios wait locked, one flush after the loop, own pageout tail (leaks same-pass frees, skips activation)',
  *dirty_folio(ctx, pfn) {
    ctx.deferred.add(pfn);
  },
  *after_main_loop(ctx) {
    yield* deferred_pageout_loop(ctx, { recheck_mapped_alone: false, reread_mapping: false, unfreeze_to_one: false });
  },
};

/**
 * Rik van Riel's March 2025 forward port (v2, lkml-review 1.1): the young test dropped (a
 * mapped folio is skipped), the mapping re-read after the re-lock, and remove_mapping()
 * instead of __remove_mapping(): the folio keeps refcount 1 — still never freed.
 */
export const seed_v2: ReclaimStrategy = {
  name: 'seed-v2',
  description: 'Mar 2025 v2 forward port: as seed-v1 with remove_mapping() (leaks at refcount 1), mapped recheck, mapping re-read',
  *dirty_folio(ctx, pfn) {
    ctx.deferred.add(pfn);
  },
  *after_main_loop(ctx) {
    yield* deferred_pageout_loop(ctx, { recheck_mapped_alone: true, reread_mapping: true, unfreeze_to_one: true });
  },
};
