import type { Yield } from '../../engine/simulator.js';
import { NIL, PG_writeback } from '../../mm/folio.js';
import { PAGEVEC_SIZE } from '../../mm/lru.js';
import type { ShrinkContext } from '../shrink_context.js';
import type { ReclaimStrategy } from '../strategy.js';

/**
 * pageout_batch (Zhang Peng, v4 5/5): re-lock each batched folio with trylock (failure: back
 * to the caller unlocked); one under writeback or mapped again is unlocked and returned; if any
 * remain, one try_to_unmap_flush_dirty() and then pageout_one() for each, which leaves by the
 * normal free, activate and keep paths.
 */
function* pageout_batch(ctx: ShrinkContext): Generator<Yield, void, void> {
  const f = ctx.folios;
  const survivors: number[] = [];
  for (let pfn = ctx.deferred.pop_tail(); pfn !== NIL; pfn = ctx.deferred.pop_tail()) {
    if (!f.trylock(pfn)) {
      ctx.keep(pfn);
      continue;
    }
    if (f.test(pfn, PG_writeback) || ctx.mapped(pfn)) {
      ctx.keep_locked(pfn);
      continue;
    }
    survivors.push(pfn);
  }
  if (survivors.length === 0) return;
  yield* ctx.try_to_unmap_flush_dirty();
  for (const pfn of survivors) yield* ctx.pageout_one(pfn);
}

/**
 * The 2026 series (v4, 25 May 2026; lkml-review 1.4): dirty folios are unlocked and collected
 * in a folio_batch of 31; each time it fills, pageout_batch. The final partial batch is drained
 * after the main loop, before the final free (where exactly the series puts it was not
 * visible in the archived mails; this is the placement its correctness requires).
 */
export const zhang_v4: ReclaimStrategy = {
  name: 'zhang-v4',
  description: '2026 series v4: dirty folios batched unlocked, 31 at a time; trylock + recheck, one flush, normal pageout/free paths',
  *dirty_folio(ctx, pfn) {
    ctx.folios.unlock(pfn);
    ctx.deferred.add(pfn);
    if (ctx.deferred.count === PAGEVEC_SIZE) yield* pageout_batch(ctx);
  },
  *after_main_loop(ctx) {
    if (ctx.deferred.count > 0) yield* pageout_batch(ctx);
  },
};
