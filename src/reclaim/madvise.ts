import { Yield } from '../engine/simulator.js';
import { blk_flush_plug, BlkPlug } from '../block/blk_mq.js';
import { FolioList, PG_active, PG_lru, PG_referenced, PG_unevictable, PG_workingset } from '../mm/folio.js';
import { PTE_PMD, PTE_PRESENT, PTRS_PER_PTE, type MmStruct } from '../mm/mm_struct.js';
import { assert } from '../engine/assert.js';
import { split_folio } from './huge_memory.js';
import { must_sync, type Kernel, type ReclaimTask } from './kernel.js';
import { flush_tlb_batched_pending } from './tlb_batch.js';
import { reclaim_pages } from './vmscan.js';

/**
 * do_madvise(MADV_PAGEOUT) over [start_vpn, end_vpn) of `mm` (kernel-spec D1): the whole call
 * runs under one block plug; each VMA in the range is paged out in turn.
 */
export function* do_madvise_pageout(
  k: Kernel,
  rt: ReclaimTask,
  mm: MmStruct,
  start_vpn: number,
  end_vpn: number,
): Generator<Yield, void, void> {
  const plug = new BlkPlug();
  rt.plug = plug;
  for (const vma of mm.vmas) {
    const start = Math.max(start_vpn, vma.start_vpn);
    const end = Math.min(end_vpn, vma.end_vpn);
    if (start < end) yield* madvise_pageout(k, rt, mm, start, end);
  }
  // blk_finish_plug
  if (must_sync(k, rt)) yield Yield.resume;
  blk_flush_plug(plug, rt.cpu, rt.task.now_ns);
  rt.plug = null;
}

/**
 * madvise_pageout (D2): drain this CPU's LRU batches, then walk the range one PMD at a time.
 * For pageout the mmu_gather gathers nothing, so it issues no flush.
 */
function* madvise_pageout(k: Kernel, rt: ReclaimTask, mm: MmStruct, start: number, end: number): Generator<Yield, void, void> {
  if (must_sync(k, rt)) yield Yield.resume;
  k.pgdat.fbatches.lru_add_drain(rt.cpu);
  for (let pmd_start = start; pmd_start < end; ) {
    const pmd_end = Math.min(end, (Math.floor(pmd_start / PTRS_PER_PTE) + 1) * PTRS_PER_PTE);
    yield* madvise_cold_or_pageout_pte_range(k, rt, mm, pmd_start, pmd_end);
    pmd_start = pmd_end;
  }
}

/** pmd_trans_huge: the PMD over `pmd_vpn` maps a THP (see PTE_PMD). */
function pmd_trans_huge(mm: MmStruct, pmd_vpn: number): boolean {
  return ((mm.pte[pmd_vpn] as number) & (PTE_PRESENT | PTE_PMD)) === (PTE_PRESENT | PTE_PMD);
}

/**
 * madvise_cold_or_pageout_pte_range (D3), pageout, for one PMD's range [start, end).
 *
 * A PMD mapping a THP (6.12): over the whole 2 MiB, the folio is isolated as is (PG_referenced
 * cleared, workingset if active) and reclaimed — no flush_tlb_batched_pending on this path;
 * over part of it, the folio is split (split_folio: its PMD is split, the folio becomes 512
 * order-0 folios) and the range is walked as PTEs.
 *
 * The PTE level: under the PTE lock first flush_tlb_batched_pending (B12); then for each
 * present PTE, a large folio's consecutive PTEs inside the range are taken together
 * (madvise_folio_pte_batch): if they do not cover the whole folio, it is split
 * (split_folio, after a trylock; the PTE lock is dropped and retaken, with
 * flush_tlb_batched_pending again) and the same address examined anew; a folio the range
 * covers is isolated if it is on the LRU and mapped by exactly its own pages' PTEs
 * (folio_mapcount == folio_nr_pages), at the head of a private list; then reclaim_pages on
 * that list: one shrink_folio_list per PMD.
 */
function* madvise_cold_or_pageout_pte_range(
  k: Kernel,
  rt: ReclaimTask,
  mm: MmStruct,
  start: number,
  end: number,
): Generator<Yield, void, void> {
  const f = k.pgdat.folios;
  const folio_list = new FolioList(f);
  const pte_cost_ns = k.machine.cost.madvise_pte_ns;
  const pmd_vpn = Math.floor(start / PTRS_PER_PTE) * PTRS_PER_PTE;
  if (pmd_trans_huge(mm, pmd_vpn)) {
    if (must_sync(k, rt)) yield Yield.resume;
    rt.task.now_ns += pte_cost_ns;
    const pfn = f.folio_head(mm.pte_val[pmd_vpn] as number);
    if (end - start === PTRS_PER_PTE) {
      isolate_for_pageout(k, rt, pfn, folio_list);
      yield* reclaim_pages(k, rt, folio_list);
      return;
    }
    if (!f.trylock(pfn)) return;
    f.get(pfn);
    const split = yield* split_folio(k, rt, pfn);
    f.unlock(pfn);
    assert(!f.put(pfn), () => `madvise dropped the last reference of folio ${pfn}`);
    if (!split) return;
  }
  yield* flush_tlb_batched_pending(k, rt, mm);
  if (must_sync(k, rt)) yield Yield.resume;
  let splits = 0;
  for (let vpn = pageout_pte_scan(k, rt, mm, start, end, folio_list); vpn < end; ) {
    // A large folio the range covers only in part, at `vpn`: split it and look again, or step over it.
    assert(++splits <= PTRS_PER_PTE, 'madvise PTE walk does not advance');
    const page = mm.pte_val[vpn] as number;
    const pfn = f.folio_head(page);
    let nr = madvise_folio_pte_batch(mm, vpn, end, pfn, page, f.nr(pfn));
    if (f.trylock(pfn)) {
      f.get(pfn);
      const split = yield* split_folio(k, rt, pfn);
      f.unlock(pfn);
      assert(!f.put(pfn), () => `madvise dropped the last reference of folio ${pfn}`);
      yield* flush_tlb_batched_pending(k, rt, mm);
      if (split) nr = 0;
    }
    vpn = pageout_pte_scan(k, rt, mm, vpn + nr, end, folio_list);
  }
  if (folio_list.count > 0) yield* reclaim_pages(k, rt, folio_list);
}

/**
 * The PTE loop of D3 from `vpn` on, as far as it goes without waiting: isolate each folio the
 * range covers onto `folio_list`. Returns `end`, or the address of the first large folio the
 * range covers only in part (charged for its PTEs; the caller splits it). A plain function,
 * not the generator, so that the per-PTE loop stays as fast as an order-0 region needs.
 */
function pageout_pte_scan(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number, end: number, folio_list: FolioList): number {
  const f = k.pgdat.folios;
  const pte_cost_ns = k.machine.cost.madvise_pte_ns;
  while (vpn < end) {
    if (((mm.pte[vpn] as number) & PTE_PRESENT) === 0) {
      vpn++;
      continue;
    }
    rt.task.now_ns += pte_cost_ns;
    const page = mm.pte_val[vpn] as number;
    const order = f.order[page] as number;
    const pfn = order === 0 ? page : f.folio_head(page);
    let nr = 1;
    if (order !== 0) {
      nr = madvise_folio_pte_batch(mm, vpn, end, pfn, page, f.nr(pfn));
      rt.task.now_ns += (nr - 1) * pte_cost_ns;
      if (nr < f.nr(pfn)) return vpn;
    }
    vpn += nr;
    if (!f.test(pfn, PG_lru) || f.mapcount[pfn] !== f.nr(pfn)) continue;
    isolate_for_pageout(k, rt, pfn, folio_list);
  }
  return end;
}

/**
 * The isolation step of D3: clear PG_referenced, mark an active folio workingset, take it
 * off the LRU (folio_isolate_lru) onto `folio_list`, or back if unevictable.
 */
function isolate_for_pageout(k: Kernel, rt: ReclaimTask, pfn: number, folio_list: FolioList): void {
  const f = k.pgdat.folios;
  const fbatches = k.pgdat.fbatches;
  f.clear(pfn, PG_referenced);
  if (f.test(pfn, PG_active)) f.set(pfn, PG_workingset);
  if (!fbatches.folio_isolate_lru(pfn)) return;
  if (f.test(pfn, PG_unevictable)) {
    fbatches.folio_putback_lru(rt.cpu, pfn);
    return;
  }
  folio_list.add(pfn);
}

/**
 * madvise_folio_pte_batch (folio_pte_batch): how many PTEs from `vpn`, before `end` and the
 * folio's end, map consecutive pages of the folio starting at `page`.
 */
function madvise_folio_pte_batch(mm: MmStruct, vpn: number, end: number, pfn: number, page: number, nr_pages: number): number {
  const max = Math.min(end - vpn, pfn + nr_pages - page);
  let nr = 1;
  while (nr < max && ((mm.pte[vpn + nr] as number) & (PTE_PRESENT | PTE_PMD)) === PTE_PRESENT && mm.pte_val[vpn + nr] === page + nr) nr++;
  return nr;
}
