import type { MayWait, Yield } from '../engine/simulator.js';
import type { ShrinkContext } from './shrink_context.js';

/**
 * A reclaim variant, stated only where it differs from upstream (DESIGN.md section 4): what
 * happens to a dirty folio that is ready to be flushed and written (A17.5), and what happens
 * after shrink_folio_list's main loop, before its final flush and free (A32-A34). Everything
 * else is the one mirrored pipeline.
 *
 * Both hooks are generator functions: they `yield*` the context's steps that may wait
 * (flushes, writes, frees), so the simulator can interleave other events. Such a step does
 * its work when called and hands back what is left to wait for (a MayWait), so `yield*` it
 * at once.
 *
 * A folio is named by its head pfn; `ctx.folios.nr(pfn)` (folio_nr_pages) is its size, 1 to
 * 512 pages. A large folio reaches dirty_folio whole — swapped to a run of slots, its PTEs
 * (or its split PMD's) cleared with one deferred flush each — and leaves whole: every exit and
 * counter of the context counts it in pages.
 */
export interface ReclaimStrategy {
  readonly name: string;
  readonly description: string;
  /**
   * A folio (its head pfn) at A17.5: locked, unmapped, dirty, in the swap cache, with
   * writeback allowed.
   * It must leave through one of the context's exits, or be held (e.g. on ctx.deferred) and
   * released in after_main_loop.
   */
  dirty_folio(ctx: ShrinkContext, pfn: number): MayWait;
  /** After the main loop: release whatever dirty_folio held back. */
  after_main_loop(ctx: ShrinkContext): Generator<Yield, void, void>;
}
